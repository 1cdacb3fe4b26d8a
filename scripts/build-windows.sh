#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-builds Hush for Windows x86-64 (the windows-cross preset: mingw-w64 with posix
# threads, everything static) and runs its tests under Wine. Installs nothing: the
# packages come from scripts/setup.sh (g++-mingw-w64-x86-64-posix, wine64, wine).
#
#   scripts/build-windows.sh            configure + build + ctest in build/windows
#   HUSH_WINDOWS_BUILD_DIR=dir ...      another build directory (a fresh one to time it)
#   JOBS=n ...                          build/test parallelism (default 2)
#   scripts/build-windows.sh -L windows extra arguments go to ctest (here: one label)
#
# Wine runs headless: a private prefix inside the build directory, no Mono/Gecko
# prompts (WINEDLLOVERRIDES), no debug chatter; console programs need no X display. The
# first run creates the prefix (wineboot), timed below; the prefix's wineserver is shut
# down at the end so nothing lingers.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${HUSH_WINDOWS_BUILD_DIR:-build/windows}
case "$build_dir" in /*) ;; *) build_dir=$PWD/$build_dir ;; esac
jobs=${JOBS:-2}
export HUSH_WERROR=${HUSH_WERROR:-ON}

missing=()
command -v x86_64-w64-mingw32-g++-posix >/dev/null || missing+=(g++-mingw-w64-x86-64-posix)
wine=$(command -v wine64 || command -v /usr/lib/wine/wine64 || command -v wine || true)
[ -n "$wine" ] || missing+=(wine64)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "build-windows: missing ${missing[*]} (scripts/setup.sh installs them)" >&2
  exit 1
fi

start=$(date +%s)
cmake --preset windows-cross -B "$build_dir" >/dev/null
cmake --build "$build_dir" -j "$jobs"
built=$(date +%s)

export WINEPREFIX=${WINEPREFIX:-$build_dir/wine-prefix}
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY
stop_wine() { wineserver -k >/dev/null 2>&1 || true; }
trap stop_wine EXIT
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  mkdir -p "$WINEPREFIX"
  boot_start=$(date +%s)
  wineboot -i >/dev/null 2>&1 || true
  wineserver -w
  echo "build-windows: Wine prefix created in $(( $(date +%s) - boot_start )) s ($WINEPREFIX)"
fi
status=0
ctest --test-dir "$build_dir" -j "$jobs" --output-on-failure "$@" || status=$?
echo "build-windows: build $(( built - start )) s, Wine + tests $(( $(date +%s) - built )) s"
exit "$status"
