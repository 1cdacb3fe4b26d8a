#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every build and test dependency of Hush from Debian 12 packages.
# Idempotent: re-running only installs what is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libsndfile1-dev      # audio file I/O for `hush denoise` and `hush eval`
  libkissfft-dev       # FFT (mixed radix: the 960-point window is 2^6*3*5)
  libsoxr-dev          # resampler candidate (measured in docs/RESAMPLING.md)
  libspeexdsp-dev      # resampler used by the library + the SpeexDSP peer in the benchmark
  libsamplerate0-dev   # resampler candidate (measured only)
  libwebrtc-audio-processing-dev  # WebRTC NS peer, linked into the evaluation only
  libcli11-dev         # command line of the `hush` tool
  libgtest-dev libgmock-dev       # unit/property tests
  libbenchmark-dev     # per-hop cost benchmarks
  # Plugins and the real hosts that test them
  ladspa-sdk lv2-dev lilv-utils sordi
  libpipewire-0.3-dev  # `hush run`, the PipeWire service
  pipewire pipewire-bin wireplumber dbus-daemon   # a private PipeWire (+ session bus) for the service and filter-chain tests
  g++-aarch64-linux-gnu qemu-user      # the NEON kernels, cross-compiled and run under qemu
  g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix wine64 wine  # the Windows cross-build and its tests under Wine
  pulseaudio pulseaudio-utils  # a private PulseAudio that Wine shows as WASAPI endpoints: hush.exe's round trip (tests/windows/wasapi)
  mingw-w64-x86-64-dev binutils-mingw-w64-x86-64 python3  # the kernel driver: DDK headers (ddk/portcls.h), dlltool/objdump, PE checksum
  clang-14 libfuzzer-14-dev libclang-rt-14-dev   # the fuzz targets (tests/fuzz, scripts/fuzz.sh): clang, libFuzzer, its sanitizer runtimes
  # The training pipeline (training/, run with /usr/bin/python3) and its CI smoke test
  python3-torch python3-numpy python3-scipy python3-soundfile
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all ${#packages[@]} packages present"

# RNNoise for hush-eval, from the npm registry into build/peers/rnnoise (ignored by git).
# Optional: without it hush-eval says so and compares against the other peers. Node and
# npm come from Debian unless the machine already has them (a NodeSource node conflicts
# with Debian's npm package).
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 ||
    echo "setup: warning: could not install nodejs/npm; the RNNoise peer will be skipped"
fi
rnnoise_dir=build/peers/rnnoise
if [ ! -f "$rnnoise_dir/node_modules/@jitsi/rnnoise-wasm/dist/rnnoise-sync.js" ]; then
  mkdir -p "$rnnoise_dir"
  cp bench/peers/rnnoise/package.json "$rnnoise_dir/"
  if command -v npm >/dev/null 2>&1 && (cd "$rnnoise_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
    echo "setup: RNNoise peer installed in $rnnoise_dir"
  else
    echo "setup: warning: could not install the RNNoise peer from npm; hush-eval will skip it"
  fi
fi
