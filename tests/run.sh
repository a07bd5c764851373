#!/usr/bin/env bash
# Runs every test of the repository on a fresh Debian 12 machine: installs the system packages
# the tests need (as root, or through sudo), then formatting, lints and the whole test suite.
#
#   bash tests/run.sh
#
# Needs a Rust toolchain (rustc/cargo 1.95) on PATH.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# --- system packages ------------------------------------------------------------------------------
# Build:       gcc, libc6-dev (the linker; C parts of some crates).
# Tests:       mariadb-client (`mysql`) and curl talk to the StarRocks stand-in as StarRocks' docs do;
#              xvfb, x11-utils, xdotool and imagemagick run the real window and take its screenshot.
# Window:      the libraries winit, glutin and wgpu load at run time (X11, GL/EGL through Mesa
#              llvmpipe, Vulkan through lavapipe), fontconfig and a font.
# Keyring:     dbus (dbus-daemon) and gnome-keyring: a real Secret Service for the keyring test.
# Flink:       Java 17 and Maven build the exported Flink job and run it on a local mini-cluster
#              (its Maven downloads are cached under target/emulators/maven).
# Packaging:   lintian, desktop-file-utils, appstream, systemd (systemd-analyze) and man-db judge
#              the .deb, its desktop entry, AppStream metadata, unit and man pages; binutils strips
#              the tarball's binary.
packages=(
    dbus gnome-keyring
    gcc libc6-dev
    mariadb-client curl ca-certificates
    xvfb x11-utils xdotool imagemagick
    libgl1-mesa-dri libglx-mesa0 libegl1 libegl-mesa0 mesa-vulkan-drivers libvulkan1
    libx11-6 libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon-x11-0
    libfontconfig1 fonts-dejavu-core
    openjdk-17-jdk-headless maven
    lintian desktop-file-utils appstream systemd binutils man-db
)

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
else
    as_root=(sudo)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg -s "$package" >/dev/null 2>&1; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "run.sh: installing ${missing[*]}"
    if [[ $(id -u) -eq 0 ]]; then
        as_root=()
    elif command -v sudo >/dev/null; then
        as_root=(sudo)
    else
        echo "run.sh: missing Debian packages (${missing[*]}); run as root or install sudo" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update
    "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "run.sh: all system packages present"
fi

# --- emulators (npm / PyPI) -----------------------------------------------------------------------
# ferrokinesis (the main Kinesis emulator) is a crate embedded in the tests. The conformance group
# runs kinesalite and kinesis-local (= kinesis-mock) from npm; the preflight tests run moto_server
# (PyPI) for EC2/STS. They go under target/emulators/ (KS_EMULATORS_DIR), installed once.
KS_EMULATORS_DIR="${KS_EMULATORS_DIR:-$PWD/target/emulators}"
export KS_EMULATORS_DIR
mkdir -p "$KS_EMULATORS_DIR"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "run.sh: installing nodejs and npm"
    "${as_root[@]}" apt-get update
    "${as_root[@]}" apt-get install -y --no-install-recommends nodejs npm
fi
if [[ ! -f "$KS_EMULATORS_DIR/npm/node_modules/kinesalite/cli.js" || ! -f "$KS_EMULATORS_DIR/npm/node_modules/kinesis-local/main.js" ]]; then
    echo "run.sh: npm install kinesalite@3.3.3 kinesis-local@0.6.2"
    npm install --no-audit --no-fund --prefix "$KS_EMULATORS_DIR/npm" kinesalite@3.3.3 kinesis-local@0.6.2
fi
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "run.sh: installing python3-venv"
    "${as_root[@]}" apt-get update
    "${as_root[@]}" apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
# aws-kinesis-agg: the KPL aggregation library many Lambda producers use (the KPL tests run a
# producer written with it, tests/producers/aggregating_producer.py).
if [[ ! -x "$KS_EMULATORS_DIR/venv/bin/moto_server" ]] \
    || ! "$KS_EMULATORS_DIR/venv/bin/python" -c 'import aws_kinesis_agg' 2>/dev/null; then
    echo "run.sh: pip install moto[server]==5.2.5 aws_kinesis_agg==1.2.3 into $KS_EMULATORS_DIR/venv"
    python3 -m venv "$KS_EMULATORS_DIR/venv"
    "$KS_EMULATORS_DIR/venv/bin/pip" install --quiet "moto[server]==5.2.5" "aws_kinesis_agg==1.2.3"
fi

# --- toolchain ------------------------------------------------------------------------------------
if ! command -v cargo >/dev/null; then
    echo "run.sh: cargo is not on PATH; install Rust 1.95 (rustup) first" >&2
    exit 1
fi
cargo --version

# --- environment ----------------------------------------------------------------------------------
# Tests stay on 127.0.0.1: without this the AWS default chain (ours, boto3's) asks the EC2 instance
# metadata service at 169.254.169.254 when it finds no credentials.
export AWS_EC2_METADATA_DISABLED=true
# winit probes Wayland through XDG_RUNTIME_DIR; give the GUI tests a private one.
XDG_RUNTIME_DIR="$(mktemp -d -t ks-xdg-runtime-XXXXXX)"
chmod 0700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
# The GUI test starts its own Xvfb and sets DISPLAY for the app; keep a desktop session's
# Wayland socket out of the tests.
unset WAYLAND_DISPLAY

# A clean run builds everything once: incremental caches would only add ~2 GB to target/ (the
# last failed CI run died in the linker with SIGBUS, which is what a full disk looks like).
export CARGO_INCREMENTAL=0

# --- checks ---------------------------------------------------------------------------------------
echo "run.sh: cargo fmt --all --check"
cargo fmt --all --check

echo "run.sh: cargo clippy --workspace --all-targets --locked -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "run.sh: cargo test --workspace --locked --no-run"
cargo test --workspace --locked --no-run

# The packaging tests (packaging/tests/packages.rs) judge the packages: built here, outside the
# test run, so that the tests' own call of the script finds them up to date. They package the
# debug binary the build above made: a cold release build would add 15 minutes here and over 30 on
# the CI machine, where the whole run must stay inside 90. `bash packaging/build-packages.sh` alone
# packages the release binary.
export KS_PACKAGE_PROFILE=dev
echo "run.sh: KS_PACKAGE_PROFILE=dev bash packaging/build-packages.sh"
bash packaging/build-packages.sh

echo "run.sh: cargo test --workspace --locked"
cargo test --workspace --locked
