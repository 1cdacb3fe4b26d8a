// SPDX-License-Identifier: MIT
// A minimal test harness for the Windows build (Debian has no mingw-w64 GoogleTest):
// tests register themselves with HUSH_TEST, checks record failures with file and line,
// and the process exits non-zero if any check failed or the named test does not exist.
//
//   hush_windows_tests.exe            run every test
//   hush_windows_tests.exe NAME...    run only these (ctest runs one per entry)
//   hush_windows_tests.exe --list     print the names
//
// Not for audio threads: failures print through stdio.
#ifndef HUSH_TESTS_WINDOWS_WIN_TEST_H
#define HUSH_TESTS_WINDOWS_WIN_TEST_H

#include <cmath>
#include <cstdio>

namespace hush::wintest {

using TestFunction = void (*)();

// Adds a test to the registry (static-initialisation time; the registry is a
// function-local static, so the order of translation units does not matter).
void Register(const char* name, TestFunction function);
// Records one failed check of the running test and prints where and why.
void Fail(const char* file, int line, const char* what);

struct Registrar {
  Registrar(const char* name, TestFunction function) { Register(name, function); }
};

}  // namespace hush::wintest

#define HUSH_TEST(name)                                                  \
  static void name();                                                    \
  static const ::hush::wintest::Registrar name##_registrar(#name, name); \
  static void name()

// The check continues the test after a failure (so one run reports every broken check);
// HUSH_REQUIRE returns from the test function instead (for checks later code relies on).
#define HUSH_CHECK(condition)                                                          \
  do {                                                                                 \
    if (!(condition)) ::hush::wintest::Fail(__FILE__, __LINE__, "HUSH_CHECK(" #condition ")"); \
  } while (0)
#define HUSH_REQUIRE(condition)                                                          \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      ::hush::wintest::Fail(__FILE__, __LINE__, "HUSH_REQUIRE(" #condition ")");         \
      return;                                                                            \
    }                                                                                    \
  } while (0)
// |a - b| <= tolerance, printing both values on failure. NaN fails.
#define HUSH_CHECK_NEAR(a, b, tolerance)                                                      \
  do {                                                                                        \
    const double hush_a_ = static_cast<double>(a), hush_b_ = static_cast<double>(b);          \
    if (!(std::fabs(hush_a_ - hush_b_) <= static_cast<double>(tolerance))) {                  \
      std::printf("  %s = %.9g, %s = %.9g\n", #a, hush_a_, #b, hush_b_);                      \
      ::hush::wintest::Fail(__FILE__, __LINE__, "HUSH_CHECK_NEAR(" #a ", " #b ", " #tolerance ")"); \
    }                                                                                         \
  } while (0)
// a <= b, printing both values on failure.
#define HUSH_CHECK_LE(a, b)                                                          \
  do {                                                                               \
    const double hush_a_ = static_cast<double>(a), hush_b_ = static_cast<double>(b); \
    if (!(hush_a_ <= hush_b_)) {                                                     \
      std::printf("  %s = %.9g, %s = %.9g\n", #a, hush_a_, #b, hush_b_);             \
      ::hush::wintest::Fail(__FILE__, __LINE__, "HUSH_CHECK_LE(" #a ", " #b ")");    \
    }                                                                                \
  } while (0)

#endif  // HUSH_TESTS_WINDOWS_WIN_TEST_H
