// SPDX-License-Identifier: MIT
// The NEON kernels against the scalar ones, on aarch64: cross-compiled with
// aarch64-linux-gnu-g++ and run under qemu-aarch64 by CTest (tests/cross/CMakeLists.txt),
// since this machine is x86-64. Standalone (no GoogleTest for aarch64 here); exits 1 on
// any difference beyond the tolerances of tests/unit/test_nn_kernels.cc.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "nn/kernels.h"

int main() {
  using namespace hush::nn;
  const KernelTable* neon = KernelsByName("neon");
  const KernelTable* scalar = ScalarKernels();
  if (neon == nullptr) {
    std::printf("FAIL: no NEON kernels in an aarch64 build\n");
    return 1;
  }
  if (&BestKernels() != neon) {
    std::printf("FAIL: the best kernels on aarch64 should be NEON, got %s\n", BestKernels().name);
    return 1;
  }
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  int failures = 0;
  for (int rows : {1, 3, 8, 56, 96, 336}) {
    for (int cols : {1, 5, 96, 224}) {
      std::vector<float> w(static_cast<size_t>(rows * cols)), x(static_cast<size_t>(cols));
      for (auto& v : w) v = u(rng);
      for (auto& v : x) v = u(rng);
      std::vector<float> a(static_cast<size_t>(rows), 0.5f), b = a;
      scalar->matvec_accumulate(w.data(), x.data(), rows, cols, a.data());
      neon->matvec_accumulate(w.data(), x.data(), rows, cols, b.data());
      for (int r = 0; r < rows; ++r) failures += std::abs(a[r] - b[r]) > 1e-4f;
    }
  }
  std::vector<float> s, t;
  for (float v = -60.0f; v <= 60.0f; v += 0.01f) s.push_back(v);
  t = s;
  std::vector<float> s2 = s, t2 = t;
  neon->sigmoid(s.data(), static_cast<int>(s.size()));
  neon->tanh(t.data(), static_cast<int>(t.size()));
  for (size_t i = 0; i < s.size(); ++i) {
    const double v = s2[i];
    failures += std::abs(s[i] - 1.0 / (1.0 + std::exp(-v))) > 1e-6;
    failures += std::abs(t[i] - std::tanh(v)) > 2e-6;
  }
  const unsigned saved = SetFlushDenormals();
  volatile float tiny = 1e-30f;
  volatile float product = tiny * 1e-10f;
  const float flushed = product;
  RestoreFloatMode(saved);
  failures += flushed != 0.0f;
  std::printf("%s: NEON vs scalar, %d failures\n", failures == 0 ? "PASS" : "FAIL", failures);
  return failures == 0 ? 0 : 1;
}
