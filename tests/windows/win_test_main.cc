// SPDX-License-Identifier: MIT
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

#include "win_test.h"

namespace hush::wintest {

namespace {

struct Entry {
  const char* name;
  TestFunction function;
};

std::vector<Entry>& Registry() {
  static std::vector<Entry> registry;
  return registry;
}

int g_failures = 0;  // failed checks of the running test (tests run one at a time)

}  // namespace

void Register(const char* name, TestFunction function) { Registry().push_back({name, function}); }

void Fail(const char* file, int line, const char* what) {
  ++g_failures;
  std::printf("  FAILED %s:%d: %s\n", file, line, what);
  std::fflush(stdout);
}

}  // namespace hush::wintest

int main(int argc, char** argv) {
  using hush::wintest::Registry;
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto& entry : Registry()) std::printf("%s\n", entry.name);
    return 0;
  }
  // Every name asked for must exist: a typo in CMake must fail, not pass with 0 tests.
  for (int i = 1; i < argc; ++i) {
    bool found = false;
    for (const auto& entry : Registry()) found = found || std::strcmp(entry.name, argv[i]) == 0;
    if (!found) {
      std::printf("no test named %s (see --list)\n", argv[i]);
      return 2;
    }
  }
  int failed_tests = 0, ran = 0;
  for (const auto& entry : Registry()) {
    bool selected = argc == 1;
    for (int i = 1; i < argc; ++i) selected = selected || std::strcmp(entry.name, argv[i]) == 0;
    if (!selected) continue;
    std::printf("[ RUN  ] %s\n", entry.name);
    std::fflush(stdout);
    hush::wintest::g_failures = 0;
    const auto start = std::chrono::steady_clock::now();
    try {
      entry.function();
    } catch (const std::exception& e) {
      hush::wintest::Fail(__FILE__, __LINE__, e.what());
    } catch (...) {
      hush::wintest::Fail(__FILE__, __LINE__, "unknown exception");
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ++ran;
    if (hush::wintest::g_failures > 0) ++failed_tests;
    std::printf("[ %s ] %s (%.0f ms)\n", hush::wintest::g_failures > 0 ? "FAIL" : " OK ", entry.name, ms);
    std::fflush(stdout);
  }
  std::printf("%d of %d tests failed\n", failed_tests, ran);
  return failed_tests > 0 || ran == 0 ? 1 : 0;
}
