# SPDX-License-Identifier: MIT
# One place for warnings and sanitizers, applied to project targets through hush_options.
add_library(hush_options INTERFACE)
target_compile_options(hush_options INTERFACE -Wall -Wextra -Wshadow)
if(HUSH_WERROR)
  target_compile_options(hush_options INTERFACE -Werror)
endif()
if(HUSH_SANITIZE)
  target_compile_options(hush_options INTERFACE -fsanitize=${HUSH_SANITIZE} -fno-omit-frame-pointer
                                                -fno-sanitize-recover=all)
  target_link_options(hush_options INTERFACE -fsanitize=${HUSH_SANITIZE})
endif()
if(HUSH_FUZZ)
  # Coverage instrumentation for libFuzzer in everything the fuzzers link; the fuzzer
  # executables themselves add -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt).
  target_compile_options(hush_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
