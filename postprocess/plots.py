#!/usr/bin/python3
"""plots.py - figures of an a2d study file's evaluation, and an index.html.

    /usr/bin/python3 postprocess/plots.py STUDY.h5 [OUTDIR]

OUTDIR defaults to STUDY-plots/ beside the study file (STUDY.h5 without .h5).
Writes, for every forget set F in /eval/summary:

  tradeoff-F.png  95th-percentile forget-set KLoM against cost (fraction of one
                  retrain, log scale) per method; methods with a preparation cost
                  (om's teacher retrain) are drawn again at cost + prep_cost; the
                  noise floor is the dashed line
  klom-F.png      ECDFs of KLoM per method on forget, retain and validation points
  margins-F.png   margin histograms against the oracles' on the 3 forget points
                  where `none` (no unlearning) has the largest KLoM

and lds.png (predicted against observed margins of the datamodels' LDS subsets),
then index.html linking them with a table of /eval/summary, and prints the path
of index.html. Uses Debian's python3-h5py, python3-numpy and python3-matplotlib
(hence /usr/bin/python3). Exit status 1 if the file is not an a2d study file or
has no evaluation (stage evaluate).
"""
import html
import os
import re
import sys

import h5py
import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NOISE = "noise_floor"
DATAMODEL_METHODS = {"none", "om", "dmm", "dm_direct", NOISE}  # the rest are baselines
MARGIN_POINTS = 3
LDS_SCATTER = 2000
DPI = 110
LINESTYLES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (5, 2, 1, 2)))


class StudyError(Exception):
    pass


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def method_colors(methods):
    """A fixed colour per method, the same in every figure; the noise floor in black."""
    palette = plt.get_cmap("tab10").colors
    order = [m for m in methods if m != NOISE]
    colors = {m: palette[i % len(palette)] for i, m in enumerate(order)}
    colors[NOISE] = "black"
    return colors


def read_summary(f, path):
    if "eval" not in f or "summary" not in f["eval"]:
        raise StudyError(f"{path}: no /eval/summary; run `a2d run DECK` (stage evaluate) first")
    s = f["eval/summary"][()]
    if s.dtype.names is None or not {"forget", "method", "klom_forget_p95", "cost"} <= set(s.dtype.names):
        raise StudyError(f"{path}: /eval/summary is not the compound table of stage evaluate"
                         f" (fields {s.dtype.names})")
    rows = []
    for r in s:
        row = {k: (text(r[k]) if k in ("forget", "method") else float(r[k])) for k in s.dtype.names}
        rows.append(row)
    if not rows:
        raise StudyError(f"{path}: /eval/summary is empty; run `a2d run DECK` (stage evaluate) first")
    return rows


def forget_sets(rows):
    out = []
    for r in rows:
        if r["forget"] not in out:
            out.append(r["forget"])
    return out


def fmt(x, digits=3):
    if x is None or not np.isfinite(x):
        return "-"
    if x != 0 and (abs(x) < 10 ** -digits or abs(x) >= 1e5):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}f}"


def dark(color):
    """The colour darkened, for text."""
    r, g, b = matplotlib.colors.to_rgb(color)
    return (0.6 * r, 0.6 * g, 0.6 * b)


# ---- 1. trade-off: KLoM p95 on the forget set against cost --------------------------------

def place_labels(ax, points):
    """Label points (x, y, text, color) next to their markers, nudging labels apart
    vertically (in display space) so that coincident points stay readable."""
    fig = ax.figure
    fig.canvas.draw()
    trans = ax.transData
    placed = []  # display boxes (x0, y0, x1, y1) of labels placed so far
    height = 11.0  # pixels, for 8-pt text at DPI
    for x, y, label, color in sorted(points, key=lambda p: (p[1], p[0])):
        px, py = trans.transform((x, y))
        width = 6.2 * len(label)
        lx, ly = px + 6, py - height / 2
        for _ in range(40):
            clash = [b for b in placed if lx < b[2] and lx + width > b[0] and ly < b[3] and ly + height > b[1]]
            if not clash:
                break
            ly = max(b[3] for b in clash) + 1
        placed.append((lx, ly, lx + width, ly + height))
        offset = (6, ly - py + height / 2)
        ax.annotate(label, (x, y), xytext=offset, textcoords="offset pixels", fontsize=8,
                    color=dark(color), va="center", ha="left", annotation_clip=False, zorder=2,
                    bbox=dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.75),
                    arrowprops=dict(arrowstyle="-", color=color, lw=0.5, alpha=0.6)
                    if abs(offset[1]) > height else None)


def plot_tradeoff(rows, forget, colors, outdir):
    rs = [r for r in rows if r["forget"] == forget]
    noise = next((r for r in rs if r["method"] == NOISE), None)
    methods = [r for r in rs if r["method"] != NOISE]
    positive = [v for r in methods for v in (r["cost"], r["cost"] + r["prep_cost"]) if v > 0]
    if noise is not None:
        positive.append(1.0)
    low = min(positive) if positive else 1.0
    floor = 10 ** (np.floor(np.log10(low)) - 1)  # where cost 0 is drawn: a decade below the cheapest
    xmax = max(positive + [1.0]) * 10  # room for labels right of the last point

    def at(c):
        return c if c > 0 else floor

    fig, ax = plt.subplots(figsize=(9.0, 5.2), dpi=DPI)
    ax.set_xscale("log")
    ax.axvspan(floor / 2, floor * 1.5, color="0.92", zorder=0)
    ax.text(floor * 0.62, 0.02, "cost 0", transform=ax.get_xaxis_transform(), ha="left", va="bottom",
            rotation=90, fontsize=8, color="0.35")
    ax.axvline(1.0, color="0.6", lw=0.8, ls=":", zorder=0)
    labels = []
    for r in methods:
        m, c = r["method"], colors[r["method"]]
        x, y = at(r["cost"]), r["klom_forget_p95"]
        if not np.isfinite(y):  # a diverged method has no KLoM (the report says so)
            ax.scatter([], [], s=50, color=c, edgecolor="black", linewidth=0.5, label=f"{m} (diverged)")
            continue
        ax.scatter([x], [y], s=50, color=c, edgecolor="black", linewidth=0.5, zorder=3, label=m)
        labels.append((x, y, m, c))
        if r["prep_cost"] > 0:  # e.g. om: its teacher is a full retrain
            x2 = r["cost"] + r["prep_cost"]
            ax.scatter([x2], [y], s=50, facecolor="none", edgecolor=c, linewidth=1.2, zorder=3)
            ax.annotate("", (x2, y), xytext=(x, y),
                        arrowprops=dict(arrowstyle="->", color=c, lw=0.8, ls="--"))
            labels.append((x2, y, f"{m} + teacher", c))
    if noise is not None:
        y = noise["klom_forget_p95"]
        ax.axhline(y, color="black", ls="--", lw=1.0, zorder=1, label="noise floor (oracle vs oracle)")
        ax.text(xmax / 1.1, y, "noise floor", ha="right", va="top", fontsize=8)
    ax.set_xlim(floor / 2, xmax)
    ys = [r["klom_forget_p95"] for r in rs if np.isfinite(r["klom_forget_p95"])]
    ax.set_ylim(0, (max(ys) if ys else 1.0) * 1.12 + 1e-9)
    ax.set_xlabel("cost (fraction of one retrain; log scale, cost 0 at the shaded left edge)")
    ax.set_ylabel("KLoM on forget points, 95th percentile")
    ax.set_title(f"forget set {forget}: unlearning quality against cost (lower left is better)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    place_labels(ax, labels)
    fig.tight_layout()
    name = f"tradeoff-{safe(forget)}.png"
    fig.savefig(os.path.join(outdir, name))
    plt.close(fig)
    return name


# ---- 2. KLoM distributions ---------------------------------------------------------------

def plot_klom(f, forget, methods, colors, outdir):
    groups = (("forget", "forget points"), ("retain", "retain points (sample)"), ("val", "validation points"))
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.3), dpi=DPI, sharey=True)
    base = f[f"eval/{forget}"]
    for ax, (g, title) in zip(axes, groups):
        hi = 0.0
        for m in methods:
            ds = base.get(f"{m}/klom_{g}")
            if ds is None:
                continue
            v = np.sort(ds[()][np.isfinite(ds[()])])
            if v.size == 0:
                continue
            hi = max(hi, v[-1])
            y = np.arange(1, v.size + 1) / v.size
            if m == NOISE:
                ax.step(v, y, where="post", color="black", ls="--", lw=1.6, label="noise floor", zorder=4)
            else:
                ax.step(v, y, where="post", color=colors[m], lw=1.3, label=m)
        ax.set_title(f"{title}", fontsize=10)
        ax.set_xlabel("KLoM")
        ax.set_xlim(0, hi * 1.03 + 1e-9)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("fraction of points with KLoM <= x")
    axes[-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"forget set {forget}: KLoM distributions (curves further left and higher are better)",
                 fontsize=11)
    fig.tight_layout()
    name = f"klom-{safe(forget)}.png"
    fig.savefig(os.path.join(outdir, name))
    plt.close(fig)
    return name


# ---- 3. margins against the oracles ------------------------------------------------------

def margin_methods(rows, forget):
    rs = {r["method"]: r for r in rows if r["forget"] == forget and r["method"] != NOISE}
    chosen = [m for m in ("none", "dmm", "om") if m in rs]
    baselines = [r for m, r in rs.items() if m not in DATAMODEL_METHODS and np.isfinite(r["klom_forget_p95"])]
    if baselines:
        chosen.append(min(baselines, key=lambda r: r["klom_forget_p95"])["method"])
    return chosen


def plot_margins(f, rows, forget, colors, outdir):
    """Returns (file name, caption detail) or (None, reason)."""
    if f"oracle/{forget}/margins_train" not in f:
        return None, f"no /oracle/{forget}/margins_train"
    if f"forget/{forget}/indices" not in f:
        return None, f"no /forget/{forget}/indices"
    indices = f[f"forget/{forget}/indices"][()]
    methods = [m for m in margin_methods(rows, forget) if f"unlearn/{forget}/{m}/margins_train" in f]
    if not methods or indices.size == 0:
        return None, "no unlearned margins"
    ranker = "none" if f"eval/{forget}/none/klom_forget" in f else None
    if ranker is not None:
        score = f[f"eval/{forget}/none/klom_forget"][()]
    else:  # without `none`: the mean KLoM over the methods shown
        score = np.mean([f[f"eval/{forget}/{m}/klom_forget"][()] for m in methods
                         if f"eval/{forget}/{m}/klom_forget" in f] or [np.zeros(indices.size)], axis=0)
    score = np.where(np.isfinite(score), score, -np.inf)
    pick = np.argsort(-score, kind="stable")[:MARGIN_POINTS]
    points = indices[pick]
    cols = np.sort(points)
    where = {p: i for i, p in enumerate(cols)}

    def columns(ds):
        return ds[:, cols.tolist()]

    oracle = columns(f[f"oracle/{forget}/margins_train"])
    per_method = {m: columns(f[f"unlearn/{forget}/{m}/margins_train"]) for m in methods}
    fig, axes = plt.subplots(1, len(points), figsize=(4.6 * len(points), 3.9), dpi=DPI, squeeze=False)
    for ax, k, p in zip(axes[0], pick, points):
        j = where[p]
        values = [oracle[:, j]] + [per_method[m][:, j] for m in methods]
        allv = np.concatenate(values)
        allv = allv[np.isfinite(allv)]
        lo, hi = (allv.min(), allv.max()) if allv.size else (0.0, 1.0)
        if hi - lo < 1e-6:
            lo, hi = lo - 0.5, hi + 0.5
        bins = np.linspace(lo, hi, 26)
        ax.hist(oracle[:, j], bins=bins, density=True, color="0.75", edgecolor="0.5",
                label=f"oracles ({oracle.shape[0]})")
        for i, m in enumerate(methods):  # distinct dashes: coinciding histograms stay visible
            v = per_method[m][:, j]
            ax.hist(v[np.isfinite(v)], bins=bins, density=True, histtype="step", lw=1.8,
                    ls=LINESTYLES[i % len(LINESTYLES)], color=colors[m], label=f"{m} ({v.size})")
        klom = f"KLoM of {ranker} {score[k]:.2f}" if ranker else f"mean KLoM {score[k]:.2f}"
        ax.set_title(f"training point {int(p)} ({klom})", fontsize=9)
        ax.set_xlabel("margin")
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("density")
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(f"forget set {forget}: margins of unlearned models against oracles on the forget points "
                 f"where forgetting matters most", fontsize=10)
    fig.tight_layout()
    name = f"margins-{safe(forget)}.png"
    fig.savefig(os.path.join(outdir, name))
    plt.close(fig)
    return name, (", ".join(str(int(p)) for p in points), methods, ranker)


# ---- 4. LDS ------------------------------------------------------------------------------

def plot_lds(f, outdir):
    """Returns (file name, mean LDS) or (None, reason)."""
    d = f.get("datamodel")
    if d is None or "lds_predicted_train" not in d or "lds_observed_train" not in d:
        return None, "no /datamodel/lds_predicted_train and lds_observed_train (stage fit with lds_subsets = 0?)"
    pred, obs = d["lds_predicted_train"][()], d["lds_observed_train"][()]
    if pred.shape != obs.shape or pred.size == 0:
        return None, f"/datamodel/lds_predicted_train {pred.shape} and lds_observed_train {obs.shape} do not match"
    mean = float(d.attrs["lds_train_mean"]) if "lds_train_mean" in d.attrs else float("nan")
    x, y = pred.ravel(), obs.ravel()
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    take = np.random.default_rng(0).choice(ok, size=min(LDS_SCATTER, ok.size), replace=False)
    per_target = d["lds_train"][()] if "lds_train" in d else None
    panels = 2 if per_target is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.6 * panels, 5.0), dpi=DPI, squeeze=False)
    ax = axes[0][0]
    ax.scatter(x[take], y[take], s=5, alpha=0.35, color="tab:blue", edgecolor="none")
    both = np.concatenate([x[take], y[take]])
    lo, hi = (both.min(), both.max()) if both.size else (0.0, 1.0)
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", label="y = x")
    ax.set_xlabel("predicted margin (datamodel)")
    ax.set_ylabel("observed margin (model trained on the subset)")
    ax.set_title(f"LDS subsets, {take.size} of {ok.size} (target, subset) pairs\n"
                 f"mean LDS on training targets {mean:.4f}", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    if per_target is not None:
        ax = axes[0][1]
        v = per_target[np.isfinite(per_target)]
        ax.hist(v, bins=40, color="tab:blue", alpha=0.7)
        ax.axvline(mean, color="black", ls="--", lw=1, label=f"mean {mean:.4f}")
        ax.set_xlabel("LDS of a training target (Spearman over subsets)")
        ax.set_ylabel("targets")
        ax.set_title(f"per-target LDS, {v.size} training targets", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    name = "lds.png"
    fig.savefig(os.path.join(outdir, name))
    plt.close(fig)
    return name, mean


# ---- index.html --------------------------------------------------------------------------

TABLE = (("forget", "forget set"), ("method", "method"),
         ("klom_forget_p95", "KLoM forget p95"), ("klom_forget_median", "KLoM forget median"),
         ("klom_retain_p95", "KLoM retain p95"), ("klom_val_p95", "KLoM val p95"),
         ("acc_forget_mean", "acc forget"), ("acc_retain_mean", "acc retain"), ("acc_val_mean", "acc val"),
         ("cost", "cost"), ("prep_cost", "prep cost"), ("time_cost", "time cost"), ("models", "models"))


def figure(name, caption):
    e = html.escape
    return (f'<figure><a href="{e(name)}"><img src="{e(name)}" alt="{e(name)}"></a>'
            f"<figcaption>{caption}</figcaption></figure>\n")


def write_index(outdir, study, f, rows, sections, lds):
    e = html.escape
    attrs = f.attrs
    out = ["<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">",
           f"<title>a2d plots: {e(os.path.basename(study))}</title>",
           "<style>body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em}"
           "table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px}"
           "td.n{text-align:right;font-family:monospace}tr.noise{color:#666;font-style:italic}"
           "img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}"
           "figcaption{font-size:0.9em;color:#333;max-width:70em}</style></head><body>",
           f"<h1>a2d study {e(os.path.basename(study))}</h1>",
           f"<p>{e(os.path.abspath(study))}: a2d {e(text(attrs.get('a2d_version', b'?')))}"
           f" (commit {e(text(attrs.get('git_commit', b'?')))}), deck {e(text(attrs.get('deck_path', b'?')))}."
           " KLoM: KL divergence between the distribution of margins of unlearned models and of oracles"
           " (models retrained without the forget set) per point; 0 means indistinguishable. The noise"
           " floor is the KLoM between two halves of the oracles, what a perfect unlearner scores with"
           " this many models. Cost: training examples processed, as a fraction of one retrain.</p>",
           "<h2>Summary (/eval/summary)</h2>\n<table><tr>"
           + "".join(f"<th>{e(h)}</th>" for _, h in TABLE) + "</tr>"]
    for r in rows:
        cls = ' class="noise"' if r["method"] == NOISE else ""
        cells = []
        for k, _ in TABLE:
            if k in ("forget", "method"):
                cells.append(f"<td>{e(r[k])}</td>")
            elif k == "models":
                cells.append(f'<td class="n">{fmt(r.get(k), 0)}</td>')
            else:
                digits = 4 if k.endswith("cost") else 3
                cells.append(f'<td class="n">{fmt(r.get(k, float("nan")), digits)}</td>')
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    out.append('<p>Contents: ' + ", ".join(f'<a href="#{e(safe(s["forget"]))}">{e(s["forget"])}</a>'
                                           for s in sections) + ', <a href="#lds">LDS</a></p>')
    for s in sections:
        fs = e(s["forget"])
        out.append(f'<h2 id="{e(safe(s["forget"]))}">Forget set {fs} ({s["size"]} points)</h2>')
        out.append(figure(s["tradeoff"],
                          "95th-percentile KLoM over the forget points against cost, one point per method "
                          "(log scale; methods with cost 0 sit in the shaded band at the left edge). "
                          "Hollow markers joined by a dashed arrow add the preparation cost (om's teacher "
                          "retrain). Dashed line: the noise floor; the dotted vertical line is one retrain."))
        out.append(figure(s["klom"],
                          "Empirical CDF of per-point KLoM per method on forget points, a sample of retain "
                          "points and validation points; the dashed black curve is the noise floor. An "
                          "unlearner indistinguishable from retraining follows the noise floor."))
        if s["margins"]:
            points, methods, ranker = s["margins_detail"]
            why = f"the largest KLoM of <code>{e(ranker)}</code>" if ranker else "the largest mean KLoM"
            out.append(figure(s["margins"],
                              f"Margins on the forget points with {why} (training indices {e(points)}): "
                              f"histogram of the oracles' margins (grey) and the unlearned models' "
                              f"({e(', '.join(methods))}; the last baseline is the best by KLoM p95), "
                              f"shared bins, normalised to density."))
        else:
            out.append(f"<p>Margin histograms skipped: {e(s['margins_detail'])}.</p>")
    out.append('<h2 id="lds">Datamodels: linear datamodeling score</h2>')
    if lds[0]:
        out.append(figure(lds[0],
                          f"Left: predicted against observed margins of training targets on the LDS "
                          f"subsets (a random sample of pairs; dashed y = x). Right: the per-target LDS "
                          f"(Spearman correlation over subsets); mean {lds[1]:.4f}."))
    else:
        out.append(f"<p>LDS plot skipped: {e(lds[1])}.</p>")
    out.append("</body></html>\n")
    path = os.path.join(outdir, "index.html")
    with open(path, "w") as fh:
        fh.write("\n".join(out))
    return path


def default_outdir(study):
    base = study[:-3] if study.endswith(".h5") else study
    return base + "-plots"


def main(argv):
    if len(argv) not in (2, 3) or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    study = argv[1]
    outdir = argv[2] if len(argv) == 3 else default_outdir(study)
    try:
        f = h5py.File(study, "r")
    except OSError as err:
        print(f"{study}: cannot open as an HDF5 file: {err}", file=sys.stderr)
        return 1
    with f:
        try:
            if "a2d_layout" not in f.attrs:
                raise StudyError(f"{study}: not an a2d study file (no a2d_layout attribute)")
            rows = read_summary(f, study)
            os.makedirs(outdir, exist_ok=True)
            methods_all = []
            for r in rows:
                if r["method"] not in methods_all:
                    methods_all.append(r["method"])
            colors = method_colors(methods_all)
            sections = []
            for forget in forget_sets(rows):
                methods = [r["method"] for r in rows if r["forget"] == forget]
                if f"eval/{forget}" not in f:
                    raise StudyError(f"{study}: /eval/summary names forget set {forget} but /eval/{forget}"
                                     f" is missing; rerun stage evaluate (`a2d evaluate DECK --force`)")
                size = len(f[f"forget/{forget}/indices"]) if f"forget/{forget}/indices" in f else "?"
                s = {"forget": forget, "size": size,
                     "tradeoff": plot_tradeoff(rows, forget, colors, outdir),
                     "klom": plot_klom(f, forget, methods, colors, outdir)}
                s["margins"], s["margins_detail"] = plot_margins(f, rows, forget, colors, outdir)
                sections.append(s)
            lds = plot_lds(f, outdir)
            index = write_index(outdir, study, f, rows, sections, lds)
        except StudyError as err:
            print(err, file=sys.stderr)
            return 1
    print(index)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
