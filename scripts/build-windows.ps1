# SPDX-License-Identifier: MIT
# Builds hush.exe natively on Windows with MSYS2's UCRT64 toolchain (GCC with posix
# threads, as the cross build uses). Written and reviewed on Linux; NOT run here (no
# Windows machine): docs/windows/engine.md lists what was verified where.
#
#   1. Install MSYS2 (https://www.msys2.org), then in its UCRT64 shell:
#        pacman -S --needed mingw-w64-ucrt-x86_64-gcc mingw-w64-ucrt-x86_64-cmake \
#                            mingw-w64-ucrt-x86_64-ninja mingw-w64-ucrt-x86_64-pkgconf
#   2. From PowerShell in the checkout:  .\scripts\build-windows.ps1
#      (-Msys C:\msys64 if MSYS2 is elsewhere; -BuildDir to build elsewhere)
#   3. The result: build\windows-native\tools\hush-win\hush.exe (static: copy it anywhere).
param(
  [string]$Msys = "C:\msys64",
  [string]$BuildDir = "build\windows-native"
)
$ErrorActionPreference = "Stop"
$ucrt = Join-Path $Msys "ucrt64\bin"
if (-not (Test-Path (Join-Path $ucrt "g++.exe"))) {
  throw "No MSYS2 UCRT64 g++ in $ucrt: install MSYS2 and the packages listed at the top of this script."
}
$env:PATH = "$ucrt;$env:PATH"
Set-Location (Join-Path $PSScriptRoot "..")
# The same switches as the windows-cross preset: the project's own FFT/resamplers
# (HUSH_PORTABLE_DSP), no Linux-only parts; -static so hush.exe needs no MSYS2 DLLs.
cmake -S . -B $BuildDir -G Ninja `
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUSH_PORTABLE_DSP=ON `
  -DHUSH_BUILD_TESTS=OFF -DHUSH_BUILD_TOOLS=OFF -DHUSH_BUILD_PLUGINS=OFF -DHUSH_BUILD_BENCH=OFF `
  -DHUSH_WITH_PIPEWIRE=OFF "-DCMAKE_EXE_LINKER_FLAGS=-static -static-libgcc -static-libstdc++"
if ($LASTEXITCODE -ne 0) { throw "cmake configure failed" }
cmake --build $BuildDir --target hush_win hush_wasapi_tests
if ($LASTEXITCODE -ne 0) { throw "build failed" }
& (Join-Path $BuildDir "tests\windows\wasapi\hush_wasapi_tests.exe")
if ($LASTEXITCODE -ne 0) { throw "hush_wasapi_tests failed" }
Write-Host "built $BuildDir\tools\hush-win\hush.exe; try: hush.exe devices"
