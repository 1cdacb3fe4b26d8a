#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Hush kernel driver, hush.sys (PortCls WaveRT miniport + back door), with
# mingw-w64 and its DDK headers, then checks the image: PE32+ native subsystem, imports
# only from ntoskrnl.exe and portcls.sys, no exports, no static constructors,
# a valid PE checksum (the kernel loader verifies drivers' checksums).
# It cannot load the driver here; docs/windows/driver.md has the Windows steps.
#
#   scripts/build-driver.sh [OUT_DIR] [--harness | --harness-only]   (default build/driver)
#
# --harness also links the driver's objects into a user-mode program with a fake kernel
# (driver/windows/sys/tests/wine/km_harness.cc) and runs it under Wine: DriverEntry,
# StartDevice, the back door's IRPs and both streams, against recorded stand-ins for
# every ntoskrnl/portcls import. Needs wine (exit 77, "skipped", without it).
# --harness-only does just that, with the objects a previous run left in OUT_DIR.
#
# Needs: g++-mingw-w64-x86-64-posix (or -win32), mingw-w64-x86-64-dev,
# binutils-mingw-w64-x86-64, python3 (all installed by scripts/setup.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
harness=0
out_arg=""
for a in "$@"; do
  case "$a" in
    --harness) harness=1 ;;
    --harness-only) harness=2 ;;
    *) out_arg="$a" ;;
  esac
done
out="$(mkdir -p "${out_arg:-$root/build/driver}" && cd "${out_arg:-$root/build/driver}" && pwd)"
src="$root/driver/windows/sys"
jobs="${HUSH_DRIVER_JOBS:-2}"

cxx=""
for c in x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-g++-win32 x86_64-w64-mingw32-g++; do
  if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
done
# Missing tools exit 77, which CTest reports as skipped (scripts/setup.sh installs them).
[ -n "$cxx" ] || { echo "build-driver: SKIPPED: no x86_64-w64-mingw32 g++ (install g++-mingw-w64-x86-64-posix)" >&2; exit 77; }
ddk=/usr/share/mingw-w64/include/ddk
[ -f "$ddk/portcls.h" ] || { echo "build-driver: SKIPPED: $ddk/portcls.h missing (install mingw-w64-x86-64-dev)" >&2; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "build-driver: SKIPPED: python3 missing (PE checksum)" >&2; exit 77; }
objdump=x86_64-w64-mingw32-objdump
dlltool=x86_64-w64-mingw32-dlltool

# Kernel-mode C++: freestanding, no exceptions/RTTI/thread-safe statics (no CRT behind
# them), no stack protector (no __security_cookie), no stack probes (___chkstk_ms is in
# libgcc, which is not linked: any frame that needs one fails the link instead).
# _WIN32_WINNT/NTDDI_VERSION: Windows 10 (the WaveRT notification interfaces are Vista+).
# The DDK is an -isystem directory: its COM interfaces trip -Wnon-virtual-dtor by design
# (objects die through Release, never through delete on an interface pointer).
cxxflags=(
  -std=c++20 -O2 -g0
  -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-stack-protector
  -fno-builtin-malloc -mno-stack-arg-probe -fno-strict-aliasing
  -Wall -Wextra -Wshadow -Werror
  -D_AMD64_ -D_WIN64 -D_KERNEL_MODE=1 -DNTDDI_VERSION=0x0A000000 -D_WIN32_WINNT=0x0A00
  -I"$root/driver/windows/compat" -I"$root/driver/windows/shared" -isystem "$ddk"
)
sources=(adapter.cc adapter_common.cc backdoor.cc descriptors.cc formats.cc guids.cc kcrt.cc mintopo.cc minwavert.cc)

objs=()
for f in "${sources[@]}"; do objs+=("$out/obj/${f%.cc}.o"); done
if [ "$harness" != 2 ]; then
mkdir -p "$out/obj"
printf '%s\n' "${sources[@]}" |
  xargs -P "$jobs" -I{} sh -c 'f="$1"; shift; exec "$@" -c "'"$src"'/$f" -o "'"$out"'/obj/${f%.cc}.o"' _ {} "$cxx" "${cxxflags[@]}"

# Import libraries from the project's .def files, which list exactly the exports the
# driver calls: PortCls (mingw-w64 ships no libportcls.a) and ntoskrnl (one import
# descriptor, and KeQueryPerformanceCounter from ntoskrnl.exe, not hal.dll).
"$dlltool" -d "$src/portcls.def" -l "$out/obj/libhush_portcls.a" -k
"$dlltool" -d "$src/ntoskrnl.def" -l "$out/obj/libhush_ntoskrnl.a" -k

# Link: a native-subsystem image (not a DLL, as MSVC's /DRIVER makes it) with DriverEntry as entry, kernel section
# alignment, no exports (--exclude-all-symbols; GCC would otherwise export everything),
# ASLR/NX flags, and only the project's import libraries (plus mingw-w64's libksguid.a:
# static GUID data, as the WDK's ksguid.lib).
"$cxx" -o "$out/hush.sys" "${objs[@]}" \
  -nostdlib -nostartfiles -s \
  -Wl,--subsystem,native:10.0 -Wl,--entry,DriverEntry -Wl,--image-base,0x140000000 \
  -Wl,--file-alignment,0x200 -Wl,--section-alignment,0x1000 \
  -Wl,--dynamicbase -Wl,--nxcompat -Wl,--high-entropy-va -Wl,--exclude-all-symbols \
  -Wl,--no-insert-timestamp \
  -L"$out/obj" -lhush_portcls -lhush_ntoskrnl -lksguid

# The PE checksum (IMAGE_OPTIONAL_HEADER.CheckSum): ld leaves it 0, the kernel refuses
# drivers whose checksum is wrong. Standard algorithm: 16-bit one's-complement-style sum
# of the file with the field itself counted as 0, plus the file length.
python3 - "$out/hush.sys" <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
pe = struct.unpack_from("<I", data, 0x3C)[0]
field = pe + 4 + 20 + 64          # signature + COFF header + offset of CheckSum
struct.pack_into("<I", data, field, 0)
total = 0
padded = data + (b"\0" if len(data) % 2 else b"")
for (word,) in struct.iter_unpack("<H", padded):
    total += word
    total = (total & 0xFFFF) + (total >> 16)
total = (total & 0xFFFF) + (total >> 16)
struct.pack_into("<I", data, field, (total + len(data)) & 0xFFFFFFFF)
open(path, "wb").write(data)
PY

# ---- Checks: fail the build if the image is not what a kernel driver must be. ----
dump="$("$objdump" -p "$out/hush.sys")"
fail() { echo "build-driver: CHECK FAILED: $*" >&2; exit 1; }
grep -q 'Magic[[:space:]]*020b' <<<"$dump" || fail "not PE32+"
grep -qE 'Subsystem[[:space:]]+00000001' <<<"$dump" || fail "subsystem is not native"
grep -qE 'CheckSum[[:space:]]+0*[1-9a-f]' <<<"$dump" || fail "PE checksum not set"
dlls="$(sed -n 's/^[[:space:]]*DLL Name: //p' <<<"$dump" | tr 'A-Z' 'a-z' | sort | tr '\n' ' ')"
[ "$dlls" = "ntoskrnl.exe portcls.sys " ] || fail "imports must be exactly ntoskrnl.exe and portcls.sys, once each (got: $dlls)"
for d in $dlls; do
  case "$d" in ntoskrnl.exe | portcls.sys) ;; *) fail "unexpected import from $d" ;; esac
done
grep -q 'portcls.sys' <<<"$dlls" || fail "no portcls.sys import"
grep -q 'ntoskrnl.exe' <<<"$dlls" || fail "no ntoskrnl.exe import"
if grep -q 'There is an export table' <<<"$dump"; then fail "the driver exports symbols"; fi
sections="$("$objdump" -h "$out/hush.sys")"
if grep -qE '\.(ctors|dtors|init_array|fini_array|tls)' <<<"$sections"; then fail "static constructors or TLS present"; fi
imports="$(awk '/DLL Name:/{dll=$3} /^[[:space:]]+[0-9a-f]+[[:space:]]+[0-9]+[[:space:]]+[A-Za-z_]/{print dll": "$3}' <<<"$dump")"
printf '%s\n' "$imports" >"$out/hush.sys.imports"
echo "build-driver: $out/hush.sys ($(stat -c %s "$out/hush.sys") bytes), imports from: $dlls"
echo "build-driver: $(wc -l <"$out/hush.sys.imports") imported functions, listed in $out/hush.sys.imports"

fi

# ---- Optional: the driver's objects against a fake kernel, under Wine. ----
if [ "$harness" != 0 ]; then
  for o in "${objs[@]}"; do
    [ -f "$o" ] || { echo "build-driver: $o missing: build the driver first" >&2; exit 1; }
  done
  wine=""
  for w in wine64 wine; do
    if command -v "$w" >/dev/null 2>&1; then wine="$w"; break; fi
  done
  [ -n "$wine" ] || { echo "build-driver: SKIPPED harness: wine missing" >&2; exit 77; }
  # User-mode C++ (hosted, so printf and malloc exist), same headers and warnings; the
  # driver's objects are linked unchanged, their __imp_ calls bound to the stand-ins.
  "$cxx" -std=c++20 -O1 -Wall -Wextra -Wshadow -Werror -fno-exceptions -fno-rtti \
    -D_AMD64_ -D_WIN64 -DNTDDI_VERSION=0x0A000000 -D_WIN32_WINNT=0x0A00 \
    -I"$root/driver/windows/compat" -I"$root/driver/windows/shared" -I"$src" -isystem "$ddk" \
    -c "$src/tests/wine/km_harness.cc" -o "$out/obj/km_harness.o"
  "$cxx" -static -o "$out/hush_km_harness.exe" "$out/obj/km_harness.o" "${objs[@]}" -lksguid -limagehlp
  echo "build-driver: running the fake-kernel harness under $wine"
  # From OUT_DIR, so hush.sys is a plain relative name for imagehlp's checksum check.
  (cd "$out" && WINEDEBUG=-all "$wine" hush_km_harness.exe hush.sys)
fi
