#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, from a fresh Debian 12 machine: installs dependencies, builds
# with warnings as errors, and runs every test (unit, golden, property, RT, integration,
# quality), then the whole suite again under AddressSanitizer + UBSan, and the engine's
# two-thread stress test under ThreadSanitizer.
# Tests that need ../shared/data skip, saying so, where it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release -DHUSH_WERROR=ON >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

# Everything again under AddressSanitizer + UndefinedBehaviorSanitizer (the RT interposer
# test is left out there: the sanitizers replace the same symbols).
cmake --preset asan-ubsan -DHUSH_WERROR=ON >/dev/null
cmake --build --preset asan-ubsan -j "$jobs"
ctest --preset asan-ubsan -j "$jobs"

# The SPSC ring, the bridge and the driver's FrameRing with real threads, under
# ThreadSanitizer (only those targets).
cmake --preset tsan -DHUSH_WERROR=ON >/dev/null
cmake --build --preset tsan -j "$jobs" --target hush_engine_stress_tests hush_driver_stress_tests
ctest --preset tsan -L tsan

# Every parser under libFuzzer + ASan + UBSan (clang-14): the committed seeds and
# regression inputs replayed, then 10 s of fuzzing per target (docs/FUZZING.md has the
# longer runs). Fails on any crash, leak, hang or sanitizer report.
bash scripts/fuzz.sh 10

# The Windows cross-build (mingw-w64, static) and its tests under a headless Wine:
# the C API, the engine's threads, the portable DSP, the driver's shared headers
# (docs/windows/cross-build.md). Other Windows tests join when they pass reliably.
bash scripts/build-windows.sh -R '^windows\.'

# hush.exe under Wine against a private PulseAudio: a real capture -> denoise -> render
# round trip, checked for continuity, noise attenuation and speech kept
# (docs/windows/engine.md). Timing-sensitive on a loaded machine (Wine's render side can
# run dry), so a failure is run once more from scratch, as the PipeWire service test is.
roundtrip=(bash tests/windows/wasapi/wine_roundtrip_test.sh build/windows/tools/hush-win/hush.exe build/release/tools/hush/hush)
"${roundtrip[@]}" || { echo "Wine round trip failed once; once more from scratch"; "${roundtrip[@]}"; }
