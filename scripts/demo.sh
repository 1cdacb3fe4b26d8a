#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on a fresh Debian 12 machine: install dependencies, build, and denoise a
# bundled example — a real noisy recording from ../shared/data when present, else a
# noisy voice-like file the project synthesises — then print what was done.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target hush_cli hush-example >/dev/null

out_dir=build/demo
mkdir -p "$out_dir"
sample=../shared/data/samples/pairs/noisy/p287_001.flac
if [ -f "$sample" ]; then
  input=$sample
  echo "demo: denoising a real noisy recording: $input"
else
  input=$out_dir/noisy_example.wav
  build/release/tools/example/hush-example "$input"
  echo "demo: ../shared/data is absent; denoising a synthesised noisy example: $input"
fi
build/release/tools/hush/hush denoise "$input" -o "$out_dir/denoised.wav"
echo "demo: listen to $input and $out_dir/denoised.wav"
