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
