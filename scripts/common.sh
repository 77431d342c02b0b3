# common.sh - shared by scripts/test and scripts/quickstart: install the
# Debian packages a2d needs (only those missing), and configure + build.
# Sourced, not run.

A2D_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything a2d builds, runs and tests with, by Debian package name.
A2D_PACKAGES=(
  build-essential cmake pkg-config git clang-format
  libopenmpi-dev openmpi-bin libscalapack-openmpi-dev petsc-dev
  libhdf5-openmpi-dev hdf5-tools libopenblas-dev zlib1g-dev
  dataset-fashion-mnist python3-h5py python3-numpy python3-matplotlib
  slurm-wlm munge valgrind
)

# What the tests need beyond that (scripts/test): PyTorch on CPU, for the worked
# example of bringing your own models (examples/pytorch, tests/cli/pytorch_example.sh).
A2D_TEST_PACKAGES=(python3-torch)

# Install the packages that are not installed yet (A2D_PACKAGES and any named);
# fast when none are missing.
a2d_install_packages() {
  local missing=() p
  for p in "${A2D_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# a2d_build DIR [cmake options...]: configure (once) and build in DIR.
a2d_build() {
  local dir=$1; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    echo "== configuring $dir"
    cmake -S "$A2D_TOP" -B "$dir" "$@" > "$dir.configure.log" 2>&1 ||
      { cat "$dir.configure.log"; return 1; }
  fi
  echo "== building $dir"
  cmake --build "$dir" -j "$(nproc)" > "$dir.build.log" 2>&1 ||
    { cat "$dir.build.log"; return 1; }
}

# Open MPI refuses root and more ranks than cores unless told; allow both.
a2d_mpi_env() {
  if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
  export OMPI_MCA_rmaps_base_oversubscribe=1
}
