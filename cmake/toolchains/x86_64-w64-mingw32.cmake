# SPDX-License-Identifier: MIT
# Cross-compiling Hush for 64-bit Windows with Debian's mingw-w64 (package
# g++-mingw-w64-x86-64-posix). Used by the `windows-cross` preset:
#   cmake --preset windows-cross && cmake --build --preset windows-cross && ctest --preset windows-cross
#
# Why the -posix compilers: the default (win32-thread) variant of Debian's mingw-w64 has no
# std::thread / std::mutex; the posix variant implements them on winpthreads.
# Why -static: the .exe must run on a bare Windows (and under Wine) without
# libstdc++-6.dll, libgcc_s_seh-1.dll or libwinpthread-1.dll beside it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(HUSH_MINGW_TRIPLE x86_64-w64-mingw32)
find_program(CMAKE_C_COMPILER NAMES ${HUSH_MINGW_TRIPLE}-gcc-posix REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${HUSH_MINGW_TRIPLE}-g++-posix REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${HUSH_MINGW_TRIPLE}-windres)
find_program(CMAKE_AR NAMES ${HUSH_MINGW_TRIPLE}-gcc-ar-posix ${HUSH_MINGW_TRIPLE}-ar)
find_program(CMAKE_RANLIB NAMES ${HUSH_MINGW_TRIPLE}-gcc-ranlib-posix ${HUSH_MINGW_TRIPLE}-ranlib)

# Headers and libraries come from the mingw-w64 sysroot only, never from the Linux host
# (the host's kissfft/speexdsp/... are Linux builds; see HUSH_PORTABLE_DSP).
set(CMAKE_FIND_ROOT_PATH /usr/${HUSH_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config would otherwise report the host's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/${HUSH_MINGW_TRIPLE}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Everything static: libgcc, libstdc++ and winpthread end up inside each .exe/.dll.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# ctest (and add_test(COMMAND <target>)) runs the test programs under Wine (Debian's
# wine64). Without Wine the build still works; only the tests cannot run.
find_program(HUSH_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(HUSH_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HUSH_WINE})
endif()
