/*
 * schema.c - every section and key a deck may contain: one table per section.
 *
 * Each key: name, type, list element type, default (NULL = required), range,
 * choices, the stages whose results depend on it (a change to such a key
 * makes a completed stage out of date), and one sentence for docs/deck.md.
 * Adding a key is one line here; the parser, `a2d check` and the docs follow.
 */
#include "a2d/deck.h"
#include "a2d/names.h"

#define KEY(name, type, def, range, choices, stages, doc) \
  { name, type, A2D_KEY_STRING, def, range, choices, stages, doc }
#define LIST(name, elem, def, range, choices, stages, doc) \
  { name, A2D_KEY_LIST, elem, def, range, choices, stages, doc }
#define END \
  { NULL, 0, 0, NULL, NULL, NULL, NULL, NULL }

/* [output]: where the study file goes. */
static const a2d_key_spec output_keys[] = {
    KEY("path", A2D_KEY_STRING, NULL, NULL, NULL, NULL,
        "Path of the HDF5 study file; created if missing, resumed if present."),
    END};

/* [import]: outputs of models trained elsewhere (docs/import.md). */
static const a2d_key_spec import_keys[] = {
    KEY("path", A2D_KEY_STRING, "", NULL, NULL, NULL,
        "The import: an HDF5 file or a folder of .npy files in the layout of docs/import.md, "
        "relative to the deck's folder. Stages whose source is import read it; a change to the "
        "arrays a stage read makes it out of date, like a changed key."),
    END};

/* [data]: the data set, how many examples, and feature scaling. */
static const a2d_key_spec data_keys[] = {
    KEY("source", A2D_KEY_ENUM, "fashion-mnist", NULL,
        "fashion-mnist|mnist|idx|csv|hdf5|synthetic|import", "prepare",
        "Where the examples come from: an MNIST-layout IDX directory (fashion-mnist, mnist, idx), "
        "CSV or HDF5 files, the seeded synthetic generator (Gaussian class clusters), or the "
        "[import] (labels, and features if it has them: docs/import.md)."),
    KEY("path", A2D_KEY_STRING, "", NULL, NULL, "prepare",
        "IDX sources: the directory holding train-/t10k- files (empty: "
        "/usr/share/datasets/fashion-mnist for fashion-mnist, /usr/share/datasets/mnist for "
        "mnist). csv and hdf5: the training file."),
    KEY("val_path", A2D_KEY_STRING, "", NULL, NULL, "prepare",
        "csv and hdf5: the validation file; empty: validation examples are drawn from the "
        "training file, disjoint from the training examples. IDX sources use the t10k split."),
    KEY("n_train", A2D_KEY_INT, "0", "[0, inf)", NULL, "prepare",
        "Training examples to use, a seeded random selection; 0 = all available."),
    KEY("n_val", A2D_KEY_INT, "0", "[0, inf)", NULL, "prepare",
        "Validation examples to use, a seeded random selection; 0 = all of the validation source "
        "(must be set when validation examples come from the training file)."),
    KEY("seed", A2D_KEY_INT, "0", "[0, inf)", NULL, "prepare",
        "Seed of the example selection and of the synthetic generator."),
    KEY("scaling", A2D_KEY_ENUM, "unit", NULL, "none|unit|standard", "prepare",
        "Feature scaling fitted on the training examples: none; unit (global min and max of the "
        "training features to 0 and 1, so pixels / 255); standard (per-feature mean 0, "
        "variance 1)."),
    KEY("classes", A2D_KEY_INT, "0", "[0, inf)", NULL, "prepare",
        "Number of classes for csv, hdf5 and synthetic data; 0 = infer (max label + 1), or 10 "
        "for synthetic. IDX sources have 10."),
    KEY("label_column", A2D_KEY_INT, "0", "[-1, inf)", NULL, "prepare",
        "csv: 0-based column of the label; -1 = the last column."),
    KEY("header", A2D_KEY_ENUM, "auto", NULL, "auto|yes|no", "prepare",
        "csv: whether the first line is a header; auto = yes if it holds a non-numeric field."),
    KEY("features", A2D_KEY_INT, "20", "[1, inf)", NULL, "prepare",
        "synthetic: number of features."),
    KEY("separation", A2D_KEY_REAL, "3", "[0, inf)", NULL, "prepare",
        "synthetic: standard deviation of the class centres (unit noise around them)."),
    END};

/* [model]: the classifier trained by every stage. */
static const a2d_key_spec model_keys[] = {
    KEY("kind", A2D_KEY_ENUM, "mlp", NULL, A2D_CHOICES(A2D_MODEL_KIND_NAMES),
        "train,ensemble,unlearn,oracle",
        "Model kind: logreg (multinomial logistic regression) or mlp (ReLU hidden layers)."),
    LIST("hidden", A2D_KEY_INT, "256, 128", "[1, inf)", NULL, "train,ensemble,unlearn,oracle",
         "mlp: sizes of the hidden layers, input side first (ignored by logreg)."),
    END};

/* [train]: the optimiser, and the base models of stage train. */
static const a2d_key_spec train_keys[] = {
    KEY("source", A2D_KEY_ENUM, "a2d", NULL, "a2d|import", "train",
        "a2d: train the base models here; import: read their outputs from the [import] "
        "(train/..., [train] models rows; docs/import.md). Imported base models have no "
        "parameters: methods that fine-tune them must be imported too."),
    KEY("models", A2D_KEY_INT, "4", "[1, inf)", NULL, "train",
        "Number of base models K trained on the whole training set (model k from seed, k)."),
    KEY("seed", A2D_KEY_INT, "0", "[0, inf)", NULL, "train",
        "Seed of the base models' initialisation and data order."),
    KEY("epochs", A2D_KEY_INT, "10", "[1, inf)", NULL, "train,ensemble,unlearn,oracle",
        "Passes over the training examples."),
    KEY("batch", A2D_KEY_INT, "128", "[1, inf)", NULL, "train,ensemble,unlearn,oracle",
        "Minibatch size."),
    KEY("lr", A2D_KEY_REAL, "0.05", "(0, inf)", NULL, "train,ensemble,unlearn,oracle",
        "Peak learning rate of SGD."),
    KEY("momentum", A2D_KEY_REAL, "0.9", "[0, 1)", NULL, "train,ensemble,unlearn,oracle",
        "SGD momentum."),
    KEY("nesterov", A2D_KEY_BOOL, "false", NULL, NULL, "train,ensemble,unlearn,oracle",
        "Use Nesterov momentum."),
    KEY("weight_decay", A2D_KEY_REAL, "0.0005", "[0, inf)", NULL, "train,ensemble,unlearn,oracle",
        "L2 weight decay added to the gradient of every parameter (as torch.optim.SGD)."),
    KEY("schedule", A2D_KEY_ENUM, "cosine", NULL, "constant|step|linear|cosine",
        "train,ensemble,unlearn,oracle",
        "Learning-rate schedule per step: constant; step (times step_gamma every step_epochs); "
        "linear (warm-up, then linear decay to 0); cosine (warm-up, then cosine decay to 0)."),
    KEY("warmup_epochs", A2D_KEY_REAL, "0", "[0, inf)", NULL, "train,ensemble,unlearn,oracle",
        "linear and cosine: epochs of linear warm-up from 0 to lr."),
    KEY("step_epochs", A2D_KEY_REAL, "5", "(0, inf)", NULL, "train,ensemble,unlearn,oracle",
        "step: epochs between learning-rate decays."),
    KEY("step_gamma", A2D_KEY_REAL, "0.1", "(0, 1]", NULL, "train,ensemble,unlearn,oracle",
        "step: factor applied at each decay."),
    END};

/* [ensemble]: the subset-retrain ensemble behind the datamodels. */
static const a2d_key_spec ensemble_keys[] = {
    KEY("source", A2D_KEY_ENUM, "a2d", NULL, "a2d|import", "ensemble",
        "a2d: train the ensemble here; import: read its masks and outputs from the [import] "
        "(ensemble/..., docs/import.md), with its LDS models (lds/...) if it has them."),
    KEY("models", A2D_KEY_INT, "256", "[1, inf)", NULL, "ensemble",
        "Number of models M, each trained on its own random subset."),
    KEY("alpha", A2D_KEY_REAL, "0.5", "(0, 1]", NULL, "ensemble,trak",
        "Subset size as a fraction of the training examples (rounded to the nearest integer); "
        "also the size of the LDS subsets and of TRAK's calibration subsets."),
    KEY("seed", A2D_KEY_INT, "1", "[0, inf)", NULL, "ensemble",
        "Seed of the subsets and of the models' initialisation and data order."),
    KEY("save_logits", A2D_KEY_BOOL, "false", NULL, NULL, "ensemble",
        "Also store every model's logits (M x n x C; per-class datamodels need them)."),
    KEY("chunk", A2D_KEY_INT, "32", "[1, inf)", NULL, NULL,
        "Models per checkpoint: a killed run resumes after the last finished chunk. Results do "
        "not depend on it."),
    END};

/* [datamodel]: the sparse linear datamodels fitted by stage fit, and their LDS. */
static const a2d_key_spec datamodel_keys[] = {
    KEY("output", A2D_KEY_ENUM, "margin", NULL, "margin|logits", "fit",
        "What each datamodel predicts: margin (one regression per target) or logits (one per "
        "target and class, rows target-major; needs [ensemble] save_logits)."),
    KEY("val_fraction", A2D_KEY_REAL, "0.1", "(0, 0.5]", NULL, "fit",
        "Fraction of the ensemble's models held out to choose lambda per target."),
    KEY("path_length", A2D_KEY_INT, "20", "[2, 1000]", NULL, "fit",
        "Number of lambdas on the path, log-spaced from lambda_max down."),
    KEY("lambda_ratio", A2D_KEY_REAL, "0.01", "(0, 1)", NULL, "fit",
        "lambda_min / lambda_max of the path."),
    KEY("patience", A2D_KEY_INT, "2", "[0, inf)", NULL, "fit",
        "Stop a target's path after this many lambdas without a better validation error "
        "(0: always solve the whole path). The last lambdas are the dearest: on the quickstart "
        "2 fits twice as fast as 4 at an LDS 0.001 lower (docs/algorithms.md)."),
    KEY("tolerance", A2D_KEY_REAL, "1e-6", "(0, 1)", NULL, "fit",
        "Coordinate descent stops when no coordinate lowers the objective by more than "
        "tolerance x the variance of the target. Chosen by the predictions: on the quickstart "
        "1e-6 gives an LDS within 0.001 of 1e-13's, 5 times faster (docs/algorithms.md)."),
    KEY("topk", A2D_KEY_INT, "0", "[0, inf)", NULL, "fit",
        "Keep only the topk largest |theta| of each row (the reduced attribution model); 0 "
        "keeps all."),
    KEY("seed", A2D_KEY_INT, "2", "[0, inf)", NULL, "fit,trak",
        "Seed of the fitting / validation split and of the LDS subsets and models."),
    KEY("lds_subsets", A2D_KEY_INT, "20", "[0, inf)", NULL, "fit,trak",
        "Fresh random alpha-subsets on which the LDS compares predicted and observed outputs "
        "(0: no LDS)."),
    KEY("lds_seeds", A2D_KEY_INT, "1", "[1, inf)", NULL, "fit,trak",
        "Models trained per LDS subset (different seeds), their margins averaged."),
    KEY("block", A2D_KEY_INT, "128", "[1, inf)", NULL, "fit",
        "Targets per work unit and checkpoint of the regression (their X^T y are one GEMM)."),
    END};

/* [attribution]: where dmm and dm_direct take their predictions from, and TRAK's settings. */
static const a2d_key_spec attribution_keys[] = {
    KEY("method", A2D_KEY_ENUM, "datamodels", NULL, "datamodels|trak",
        "ensemble,fit,trak,tune,unlearn",
        "The attribution behind dmm and dm_direct: datamodels (sparse regressions on the "
        "subset-retrain ensemble: stages ensemble and fit, [ensemble], [datamodel]) or trak "
        "(TRAK from the [train] base models' gradients: stage trak, no ensemble; margins only, "
        "anchored targets only, no group term)."),
    KEY("base_models", A2D_KEY_INT, "0", "[0, inf)", NULL, "trak",
        "TRAK: how many of the [train] base models (the first) give features, averaged; 0: all "
        "of them. At no training cost; the features' cost grows with them."),
    KEY("models", A2D_KEY_INT, "0", "[0, inf)", NULL, "trak",
        "TRAK: train this many models of its own on the whole training set ([train] settings, "
        "seeds from [attribution] seed) and take their features instead of the base models' "
        "(their training is charged to the setup cost); 0: the base models."),
    KEY("dims", A2D_KEY_INT, "1024", "[1, 65536]", NULL, "trak",
        "TRAK: dimensions k of the random projection of each example's margin gradient."),
    KEY("lambda", A2D_KEY_REAL, "0.01", "[0, inf)", NULL, "trak",
        "TRAK: ridge added to the kernel Phi^T Phi, in units of its mean diagonal entry (0: none; "
        "the kernel must then be positive definite, dims below the training points)."),
    KEY("calibration_models", A2D_KEY_INT, "16", "[0, inf)", NULL, "trak",
        "TRAK: models trained on fresh alpha-subsets ([ensemble] alpha) on which one scale of "
        "the predicted margin shifts is fitted by least squares against the observed shifts "
        "(their cost is counted; never the oracles). 0: no calibration, scale 1."),
    KEY("seed", A2D_KEY_INT, "4", "[0, inf)", NULL, "trak",
        "TRAK: seed of the projections and of the calibration subsets and models."),
    END};

/* [forget]: the forget sets, each a named entry, and the clustering behind cluster:J:K. */
static const a2d_key_spec forget_keys[] = {
    KEY("seed", A2D_KEY_INT, "3", "[0, inf)", NULL, "forget",
        "Seed of the random forget sets (each set is drawn from (seed, its name), so adding a "
        "set leaves the others unchanged) and of the k-means++ start."),
    KEY("clusters", A2D_KEY_INT, "10", "[1, 1000]", NULL, "forget",
        "cluster:J:K sets: number of k-means clusters of the training features."),
    KEY("kmeans_iterations", A2D_KEY_INT, "50", "[1, 10000]", NULL, "forget",
        "cluster:J:K sets: at most this many Lloyd iterations (fewer once no point moves)."),
    END};
static const a2d_key_spec forget_named =
    KEY("<name>", A2D_KEY_STRING, NULL, NULL, NULL, "forget,unlearn,oracle",
        "A forget set called <name> (lower case, digits, _ and -): random:K (K random training "
        "points), class:C:K (K random points of class C), cluster:J:K (the K training points "
        "nearest the centre of k-means cluster J) or file:PATH (an index list, one index per "
        "line, # comments allowed; a relative PATH is relative to the deck's folder). Indices "
        "are positions in the prepared training set, 0 to n_train - 1.");

/* [unlearn]: which methods stage unlearn runs. */
static const a2d_key_spec unlearn_keys[] = {
    LIST("methods", A2D_KEY_ENUM, "none, ga, gd, ascent_descent, scrub, om, dm_direct, dmm", NULL,
         A2D_CHOICES(A2D_UNLEARN_METHOD_NAMES), "tune,unlearn",
         "Unlearning methods to run for every forget set and base model (newton: logreg only); "
         "each method's settings are in its [unlearn.<method>] section."),
    KEY("seed", A2D_KEY_INT, "4", "[0, inf)", NULL, "tune,unlearn",
        "Seed of the methods' data order and retain samples, and of the OM teachers."),
    KEY("chunk", A2D_KEY_INT, "4", "[1, inf)", NULL, NULL,
        "Tasks per rank between checkpoints: a killed run resumes after the last finished "
        "round. Results do not depend on it."),
    END};

/* The group term's keys of the methods that use datamodels (dmm, dm_direct). */
#define GROUP_KEYS                                                                                 \
  KEY("group_term", A2D_KEY_BOOL, "true", NULL, NULL, "tune,unlearn",                              \
      "Add the forget set's group term to the datamodels' predictions (the ensemble's response "   \
      "to the number of forget points in a subset, beyond the sparse coefficients; "               \
      "docs/algorithms.md)."),                                                                     \
      KEY("group_threshold", A2D_KEY_REAL, "2", "[0, inf)", NULL, "tune,unlearn",                  \
          "The group term's slope is soft-thresholded at this many standard errors: only effects " \
          "the ensemble resolves are added (on every row, or on the rows of non-forget points "    \
          "when group_pool is on)."),                                                              \
      KEY("group_pool", A2D_KEY_BOOL, "true", NULL, NULL, "tune,unlearn",                          \
          "The forget points' own rows share strength: their slopes are shrunk towards the "       \
          "forget set's mean slope (empirical Bayes) instead of towards zero.")

/* The optimiser keys every fine-tuning method has, with that method's defaults. */
#define FINETUNE_KEYS(stage, opt, lr, decay, epochs, batch)                                      \
  KEY("optimizer", A2D_KEY_ENUM, opt, NULL, "sgd|adam", stage,                                   \
      "Optimizer of the fine-tune: sgd (with momentum) or adam (beta 0.9, 0.999, eps 1e-8)."),   \
      KEY("lr", A2D_KEY_REAL, lr, "(0, inf)", NULL, stage, "Learning rate of the first epoch."), \
      KEY("lr_decay", A2D_KEY_REAL, decay, "(0, 1]", NULL, stage,                                \
          "Factor applied to the learning rate after every epoch."),                             \
      KEY("epochs", A2D_KEY_INT, epochs, "[0, inf)", NULL, stage, "Epochs of the fine-tune."),   \
      KEY("batch", A2D_KEY_INT, batch, "[1, inf)", NULL, stage, "Minibatch size."),              \
      KEY("momentum", A2D_KEY_REAL, "0.9", "[0, 1)", NULL, stage, "sgd: momentum."),             \
      KEY("weight_decay", A2D_KEY_REAL, "0", "[0, inf)", NULL, stage,                            \
          "L2 weight decay added to the gradient (both optimizers, as torch does).")

/*
 * The keys of the methods that fine-tune towards target outputs (om, dmm);
 * `auto_is` says what match = auto matches for the method.
 */
#define MATCH_KEYS(auto_is)                                                                      \
  KEY("retain_multiple", A2D_KEY_REAL, "3", "[0, inf)", NULL, "tune,unlearn",                    \
      "Each epoch matches the forget set plus a fresh random sample of retain points this many " \
      "times its size."),                                                                        \
      KEY("match", A2D_KEY_ENUM, "auto", NULL, "auto|logits|margin", "tune,unlearn",             \
          "What is matched with squared error: logits, margin, or auto (" auto_is ").")

/* Where a method's unlearned models come from. */
#define SOURCE_KEY                                                                              \
  KEY("source", A2D_KEY_ENUM, "a2d", NULL, "a2d|import", "tune,unlearn",                        \
      "a2d: run the method here; import: read its unlearned models' outputs and cost from the " \
      "[import] (unlearn/<forget>/<method>/..., [train] models rows per forget set; "           \
      "docs/import.md).")

static const a2d_key_spec unlearn_ga_keys[] = {
    SOURCE_KEY, FINETUNE_KEYS("tune,unlearn", "sgd", "0.01", "1", "2", "64"), END};
static const a2d_key_spec unlearn_gd_keys[] = {
    SOURCE_KEY, FINETUNE_KEYS("tune,unlearn", "sgd", "0.01", "1", "1", "128"), END};
static const a2d_key_spec unlearn_ascent_descent_keys[] = {
    SOURCE_KEY, FINETUNE_KEYS("tune,unlearn", "sgd", "0.01", "1", "1", "128"),
    KEY("ascent_lr", A2D_KEY_REAL, "0.01", "(0, inf)", NULL, "tune,unlearn",
        "Learning rate of the ascent passes on the forget set (decayed like lr)."),
    END};
static const a2d_key_spec unlearn_scrub_keys[] = {
    SOURCE_KEY,
    FINETUNE_KEYS("tune,unlearn", "sgd", "0.005", "1", "2", "128"),
    KEY("max_epochs", A2D_KEY_INT, "1", "[0, inf)", NULL, "tune,unlearn",
        "Epochs (the first ones) that begin with a max-step: ascent on the KL divergence to the "
        "original model over the forget set."),
    KEY("alpha", A2D_KEY_REAL, "1", "[0, inf)", NULL, "tune,unlearn",
        "Weight of the KL divergence to the original model in the retain-set min-steps."),
    KEY("gamma", A2D_KEY_REAL, "1", "[0, inf)", NULL, "tune,unlearn",
        "Weight of the cross-entropy in the retain-set min-steps."),
    KEY("temperature", A2D_KEY_REAL, "4", "(0, inf)", NULL, "tune,unlearn",
        "Softmax temperature of the KL divergences (scaled by temperature^2)."),
    END};
static const a2d_key_spec unlearn_om_keys[] = {
    SOURCE_KEY, FINETUNE_KEYS("tune,unlearn", "adam", "0.001", "0.95", "10", "64"),
    MATCH_KEYS("logits when the targets have them"), END};
static const a2d_key_spec unlearn_dm_direct_keys[] = {
    SOURCE_KEY,
    KEY("form", A2D_KEY_ENUM, "anchored", NULL, "anchored|direct", "tune,unlearn",
        "Datamodel prediction: anchored (the base model's outputs minus the forget points' "
        "attributions) or direct (theta . 1[retain] + intercept)."),
    GROUP_KEYS, END};
static const a2d_key_spec unlearn_dmm_keys[] = {
    SOURCE_KEY,
    FINETUNE_KEYS("tune,unlearn", "adam", "0.001", "0.95", "10", "64"),
    MATCH_KEYS("logits with per-class datamodels, margin with margin datamodels"),
    KEY("form", A2D_KEY_ENUM, "anchored", NULL, "anchored|direct", "tune,unlearn",
        "Datamodel targets: anchored (base outputs minus the forget points' attributions) or "
        "direct (theta . 1[retain] + intercept)."),
    GROUP_KEYS,
    END};
static const a2d_key_spec unlearn_newton_keys[] = {
    SOURCE_KEY,
    KEY("gradient", A2D_KEY_ENUM, "difference", NULL, "difference|retain", "tune,unlearn",
        "The step's gradient: difference (grad L_R - grad L_S at the trained model: what removing "
        "the forget points changes; right for a model trained short of the optimum) or retain "
        "(grad L_R: also finishes the training)."),
    KEY("damping", A2D_KEY_REAL, "0.01", "[0, inf)", NULL, "tune,unlearn",
        "Added to the Hessian's diagonal (Levenberg-Marquardt), beside [train] weight_decay; 0 "
        "gives the exact Newton step, which overshoots from a model trained short of the "
        "optimum (docs/algorithms.md)."),
    KEY("max_iterations", A2D_KEY_INT, "1000", "[1, inf)", NULL, "tune,unlearn",
        "Conjugate-gradient iterations at most (PETSc KSP cg); not converging is an error."),
    KEY("tolerance", A2D_KEY_REAL, "0.001", "(0, 1)", NULL, "tune,unlearn",
        "Relative residual at which conjugate gradients stop."),
    END};

/* [oracle]: models retrained from scratch on each retain set, the reference of evaluation. */
static const a2d_key_spec oracle_keys[] = {
    KEY("source", A2D_KEY_ENUM, "a2d", NULL, "a2d|import", "oracle",
        "a2d: retrain the oracles here; import: read every forget set's oracles from the "
        "[import] (oracle/<forget>/..., N rows, or 2N with noise_floor; docs/import.md)."),
    KEY("models", A2D_KEY_INT, "8", "[1, inf)", NULL, "oracle",
        "Oracles N per forget set, retrained on the retain set with [train]'s recipe."),
    KEY("seed", A2D_KEY_INT, "5", "[0, inf)", NULL, "oracle",
        "Seed of the oracles' initialisation and data order (streams disjoint from the OM "
        "teachers')."),
    KEY("noise_floor", A2D_KEY_BOOL, "true", NULL, NULL, "oracle,evaluate",
        "Train N more oracles per forget set (2N in all) for the noise floor: KLoM between N "
        "oracles and the N others, at the N every method is compared at. false: no floor."),
    KEY("chunk", A2D_KEY_INT, "2", "[1, inf)", NULL, NULL,
        "Oracles per rank between checkpoints. Results do not depend on it."),
    END};

/* [tune]: held-out tuning of the methods' settings on tuning twins of the forget sets. */
static const a2d_key_spec tune_keys[] = {
    KEY("configs", A2D_KEY_INT, "0", "[0, inf)", NULL, "tune",
        "Configurations tried per method, each drawn from the method's [tune.<method>] space "
        "(a method without a space gets one: the deck's values). Stage unlearn then uses each "
        "method's best on the reported sets. 0: no tuning, the deck's values are used."),
    KEY("models", A2D_KEY_INT, "10", "[1, inf)", NULL, "tune",
        "Base models each configuration unlearns (the first ones of stage train)."),
    KEY("oracles", A2D_KEY_INT, "20", "[1, inf)", NULL, "tune",
        "Oracles retrained per tuning set, the reference of the tuning criterion."),
    KEY("seed", A2D_KEY_INT, "7", "[0, inf)", NULL, "tune",
        "Seed of the configurations' draws, of the tuning sets' oracles (streams of their own) "
        "and of their retain samples."),
    KEY("retain_points", A2D_KEY_INT, "500", "[0, inf)", NULL, "tune",
        "Retain points of each tuning set whose KLoM enters the criterion (a seeded sample; 0: "
        "all)."),
    KEY("chunk", A2D_KEY_INT, "8", "[1, inf)", NULL, NULL,
        "Tasks per rank between checkpoints. Results do not depend on it."),
    END};
static const a2d_key_spec no_keys[] = {END};
static const a2d_key_spec tune_named =
    KEY("<forget set>", A2D_KEY_STRING, NULL, NULL, NULL, "tune",
        "The tuning twin of reported forget set <forget set>, in [forget]'s spec forms. Without "
        "one, a random set's twin is another draw of the same size, a class set's the next class "
        "no reported set uses, a cluster set's the unused cluster of the nearest size; a file set "
        "needs one.");
static const a2d_key_spec tune_method_named =
    KEY("<key>", A2D_KEY_STRING, NULL, NULL, NULL, "tune",
        "A key of [unlearn.<method>] and the space its tuned values are drawn from: "
        "log:LO:HI (log-uniform; learning rates), lin:LO:HI, int:LO:HI or A | B | C. Each "
        "drawn value is checked like the key.");

/* [evaluate]: KLoM, accuracy and cost of every method against the oracles. */
static const a2d_key_spec evaluate_keys[] = {
    KEY("retain_points", A2D_KEY_INT, "1000", "[0, inf)", NULL, "evaluate",
        "Retain points whose KLoM is computed: a seeded random sample of this many per forget "
        "set (0: all of them)."),
    KEY("seed", A2D_KEY_INT, "6", "[0, inf)", NULL, "evaluate",
        "Seed of the retain sample and of the bootstrap's resamples."),
    KEY("bootstrap", A2D_KEY_INT, "200", "[0, inf)", NULL, "evaluate",
        "Bootstrap resamples behind every interval: each draws the unlearned models (by base "
        "model, shared by the methods), the oracles and the points with replacement. 95% "
        "percentile intervals on every KLoM95; two methods differ only where the paired "
        "interval of their difference excludes 0. 0: no intervals."),
    KEY("klom", A2D_KEY_ENUM, "a2d", NULL, "a2d|benchmark", "tune,evaluate",
        "KLoM's form: a2d counts every sample and floors the oracles' histogram without "
        "renormalising it; benchmark is the public KLOM benchmark's numpy form (np.digitize "
        "leaves a sample at the top of the range out; scipy's entropy renormalises the floored "
        "histogram). docs/algorithms.md gives both."),
    END};

/* [study]: a parameter study, expanded into one deck per case by `a2d study expand`. */
static const a2d_key_spec study_keys[] = {
    KEY("mode", A2D_KEY_ENUM, "grid", NULL, "grid|zip", NULL,
        "How the swept keys combine: grid (every combination, the last key varying fastest) or "
        "zip (the i-th values of every key together; all keys list as many values)."),
    END};
static const a2d_key_spec study_named =
    KEY("<section.key>", A2D_KEY_STRING, NULL, NULL, NULL, NULL,
        "A key of another section to sweep and its values separated by |, each checked like the "
        "key itself: `unlearn.dmm.lr = 0.0003 | 0.001`, `forget.shirts = class:6:50 | "
        "class:6:200`, `model.hidden = 128 | 256, 128`. A deck run directly uses the key's own "
        "value; only `a2d study expand` applies these.");

const a2d_section_spec a2d_deck_schema[] = {
    {"output", "Where results are written.", output_keys, NULL, 0},
    {"import", "Outputs of models trained elsewhere, read by the stages whose source is import.",
     import_keys, NULL, 0},
    {"data", "The data set: source, number of examples, scaling. Used by stage `prepare`.",
     data_keys, NULL, 0},
    {"model", "The model trained by stages `train` and `ensemble` (and later ones).", model_keys,
     NULL, 0},
    {"train",
     "Training: the optimiser and schedule (shared by every stage that trains), and the "
     "base models of stage `train`.",
     train_keys, NULL, 0},
    {"ensemble", "The subset-retrain ensemble of stage `ensemble`.", ensemble_keys, NULL, 0},
    {"datamodel", "Datamodels: the regression of stage `fit`, and its linear datamodeling score.",
     datamodel_keys, NULL, 0},
    {"attribution",
     "The attribution method behind dmm and dm_direct, and TRAK's settings (stage `trak`).",
     attribution_keys, NULL, 0},
    {"forget", "Forget sets of stage `forget`: named entries `<name> = spec`, plus the keys below.",
     forget_keys, &forget_named, 0},
    {"unlearn", "Stage `unlearn`: the methods run for every forget set and base model.",
     unlearn_keys, NULL, 0},
    {"unlearn.ga", "Gradient ascent on the forget set.", unlearn_ga_keys, NULL, 0},
    {"unlearn.gd", "Gradient descent (fine-tuning) on the retain set.", unlearn_gd_keys, NULL, 0},
    {"unlearn.ascent_descent",
     "Each epoch: an ascent pass on the forget set, then a descent pass on the retain set.",
     unlearn_ascent_descent_keys, NULL, 0},
    {"unlearn.scrub",
     "SCRUB (Kurmanji et al. 2023): teacher-student unlearning with the original model as "
     "teacher.",
     unlearn_scrub_keys, NULL, 0},
    {"unlearn.om", "Oracle matching: fine-tune towards a retrained teacher's outputs.",
     unlearn_om_keys, NULL, 0},
    {"unlearn.dm_direct", "The datamodels' predicted margins, without a model.",
     unlearn_dm_direct_keys, NULL, 0},
    {"unlearn.dmm", "Datamodel matching: oracle matching with datamodel-predicted targets.",
     unlearn_dmm_keys, NULL, 0},
    {"unlearn.newton", "One Newton step on the retain set's regularised objective (logreg only).",
     unlearn_newton_keys, NULL, 0},
    {"tune",
     "Stage `tune`: every method's settings chosen on tuning twins of the forget sets, with "
     "oracles of their own, by the same criterion and the same number of configurations "
     "(docs/tuning.md); named entries give a reported set's twin explicitly.",
     tune_keys, &tune_named, 0},
    {"tune.ga", "Search space of [unlearn.ga]: `<key> = space` entries.", no_keys,
     &tune_method_named, 0},
    {"tune.gd", "Search space of [unlearn.gd]: `<key> = space` entries.", no_keys,
     &tune_method_named, 0},
    {"tune.ascent_descent", "Search space of [unlearn.ascent_descent]: `<key> = space` entries.",
     no_keys, &tune_method_named, 0},
    {"tune.scrub", "Search space of [unlearn.scrub]: `<key> = space` entries.", no_keys,
     &tune_method_named, 0},
    {"tune.om", "Search space of [unlearn.om]: `<key> = space` entries.", no_keys,
     &tune_method_named, 0},
    {"tune.dm_direct", "Search space of [unlearn.dm_direct]: `<key> = space` entries.", no_keys,
     &tune_method_named, 0},
    {"tune.dmm", "Search space of [unlearn.dmm]: `<key> = space` entries.", no_keys,
     &tune_method_named, 0},
    {"tune.newton", "Search space of [unlearn.newton]: `<key> = space` entries.", no_keys,
     &tune_method_named, 0},
    {"oracle", "Stage `oracle`: the retrained models every method is judged against.", oracle_keys,
     NULL, 0},
    {"evaluate",
     "Stage `evaluate`: KLoM of every method against the oracles, accuracy and cost; `a2d "
     "report` prints it.",
     evaluate_keys, NULL, 0},
    {"study",
     "A parameter study: `a2d study expand DECK` writes one deck per case into a folder, with a "
     "manifest; Slurm array tasks run them (docs/cluster.md) and `a2d study collect FOLDER` "
     "gathers their summaries.",
     study_keys, &study_named, 1},
    {NULL, NULL, NULL, NULL, 0}};
