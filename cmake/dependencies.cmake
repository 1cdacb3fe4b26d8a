# SPDX-License-Identifier: MIT
# Every dependency is a Debian 12 package (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
# HUSH_PORTABLE_DSP: the project's own FFT and resamplers (src/dsp/portable_*) instead of
# kissfft, SpeexDSP and libsamplerate. Debian has no mingw-w64 builds of those, so it is
# forced on for Windows; on Linux it is off (the Debian libraries), and the unit tests
# compare the portable code against them on every run.
option(HUSH_PORTABLE_DSP "Use the project-owned FFT and resamplers instead of kissfft/SpeexDSP/libsamplerate" OFF)
if(CMAKE_SYSTEM_NAME STREQUAL "Windows")
  set(HUSH_PORTABLE_DSP ON CACHE BOOL "" FORCE)
endif()
# hush_dsp_deps / hush_engine_deps: what hush_dsp and hush_engine link for their FFT and
# resamplers (nothing when portable).
add_library(hush_dsp_deps INTERFACE)
add_library(hush_engine_deps INTERFACE)
if(HUSH_PORTABLE_DSP)
  target_compile_definitions(hush_dsp_deps INTERFACE HUSH_PORTABLE_DSP=1)
  target_compile_definitions(hush_engine_deps INTERFACE HUSH_PORTABLE_DSP=1)
endif()
if(NOT CMAKE_SYSTEM_NAME STREQUAL "Windows")
  # Also with HUSH_PORTABLE_DSP on Linux: the tests and benchmarks compare against these.
  pkg_check_modules(KISSFFT REQUIRED IMPORTED_TARGET kissfft-float)
  pkg_check_modules(SPEEXDSP REQUIRED IMPORTED_TARGET speexdsp)
  pkg_check_modules(SAMPLERATE REQUIRED IMPORTED_TARGET samplerate)  # the engine's drift resampler
endif()
if(NOT HUSH_PORTABLE_DSP)
  target_link_libraries(hush_dsp_deps INTERFACE PkgConfig::KISSFFT PkgConfig::SPEEXDSP)
  target_link_libraries(hush_engine_deps INTERFACE PkgConfig::SAMPLERATE)
endif()
if((HUSH_BUILD_TOOLS OR HUSH_BUILD_BENCH OR HUSH_BUILD_TESTS OR HUSH_FUZZ) AND NOT CMAKE_SYSTEM_NAME STREQUAL "Windows")
  pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
endif()
if(HUSH_BUILD_TOOLS OR HUSH_BUILD_BENCH)
  find_package(CLI11 CONFIG QUIET)
  if(NOT CLI11_FOUND)
    # Debian's libcli11-dev ships the header and a pkg-config file.
    pkg_check_modules(CLI11 REQUIRED IMPORTED_TARGET CLI11)
    add_library(CLI11::CLI11 ALIAS PkgConfig::CLI11)
  endif()
endif()
option(HUSH_WITH_PIPEWIRE "Build `hush run`, the PipeWire service (Linux)" ON)
if(HUSH_WITH_PIPEWIRE AND HUSH_BUILD_TOOLS)
  pkg_check_modules(PIPEWIRE REQUIRED IMPORTED_TARGET libpipewire-0.3)
endif()
if(HUSH_BUILD_BENCH)
  find_package(benchmark REQUIRED)
  pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
  pkg_check_modules(WEBRTC_APM REQUIRED IMPORTED_TARGET webrtc-audio-processing)
endif()
if(HUSH_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
