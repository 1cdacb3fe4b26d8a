# SPDX-License-Identifier: MIT
# Fails when hush_windows_tests --list differs from the names tests/windows/CMakeLists.txt
# registers with ctest (a test added to the code but not to CMake would never run).
execute_process(COMMAND ${EMULATOR} ${EXE} --list OUTPUT_VARIABLE listed RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "--list failed: ${rc}")
endif()
string(REPLACE "\r" "" listed "${listed}")
string(STRIP "${listed}" listed)
string(REPLACE "\n" ";" listed "${listed}")
list(SORT listed)
set(expected ${EXPECTED})
list(SORT expected)
if(NOT listed STREQUAL expected)
  message(FATAL_ERROR "registered: ${listed}\nin CMake:   ${expected}")
endif()
