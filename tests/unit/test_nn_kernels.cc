// SPDX-License-Identifier: MIT
// Every kernel variant this CPU can run against the scalar one, and the exp()
// approximation against libm.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "nn/kernels.h"

namespace hush::nn {
namespace {

std::vector<const KernelTable*> Variants() {
  std::vector<const KernelTable*> out;
  for (const char* name : {"scalar", "sse2", "avx2", "neon"}) {
    if (const KernelTable* table = KernelsByName(name)) out.push_back(table);
  }
  return out;
}

TEST(NnKernels, ScalarAndBestAreAlwaysAvailable) {
  ASSERT_NE(KernelsByName("scalar"), nullptr);
  EXPECT_EQ(KernelsByName("no-such-isa"), nullptr);
  EXPECT_NE(BestKernels().name, nullptr);
#if defined(__x86_64__)
  EXPECT_NE(KernelsByName("sse2"), nullptr);  // part of x86-64 itself
#endif
}

TEST(NnKernels, ExpApproxIsWithinTwoMillionthsOfLibm) {
  double worst = 0.0;
  for (float x = -80.0f; x <= 80.0f; x += 0.0137f) {
    const double exact = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::abs(ExpApprox(x) - exact) / exact);
  }
  EXPECT_LT(worst, 2e-6);  // Cephes' polynomial is good to ~1e-7; float rounding adds a few ulp
}

TEST(NnKernels, MatvecMatchesScalarForOddShapes) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int rows : {1, 3, 8, 31, 33, 56, 96, 336}) {
    for (int cols : {1, 5, 96, 224}) {
      std::vector<float> w(static_cast<size_t>(rows * cols)), x(static_cast<size_t>(cols)), bias(static_cast<size_t>(rows));
      for (auto& v : w) v = u(rng);
      for (auto& v : x) v = u(rng);
      for (auto& v : bias) v = u(rng);
      std::vector<float> expected = bias;
      ScalarKernels()->matvec_accumulate(w.data(), x.data(), rows, cols, expected.data());
      for (const KernelTable* table : Variants()) {
        std::vector<float> got = bias;
        table->matvec_accumulate(w.data(), x.data(), rows, cols, got.data());
        for (int r = 0; r < rows; ++r) {
          // Sums of up to 224 products of magnitude < 1, in another order or fused:
          // a few ulp of the running sum each, far below 1e-4.
          ASSERT_NEAR(got[r], expected[r], 1e-4f) << table->name << " rows " << rows << " cols " << cols;
        }
      }
    }
  }
}

TEST(NnKernels, ActivationsMatchLibmAndSaturate) {
  std::vector<float> input;
  for (float x = -60.0f; x <= 60.0f; x += 0.01f) input.push_back(x);
  input.push_back(1e30f);
  input.push_back(-1e30f);
  for (const KernelTable* table : Variants()) {
    std::vector<float> s = input, t = input;
    table->sigmoid(s.data(), static_cast<int>(s.size()));
    table->tanh(t.data(), static_cast<int>(t.size()));
    for (size_t i = 0; i < input.size(); ++i) {
      const double x = input[i];
      ASSERT_NEAR(s[i], 1.0 / (1.0 + std::exp(-x)), 1e-6) << table->name << " x=" << x;
      ASSERT_NEAR(t[i], std::tanh(x), 2e-6) << table->name << " x=" << x;
      ASSERT_TRUE(std::isfinite(s[i]) && std::isfinite(t[i]));
    }
  }
}

TEST(NnKernels, FlushDenormalsTurnsSubnormalResultsToZero) {
  const unsigned saved = SetFlushDenormals();
  volatile float tiny = 1e-30f;
  volatile float product = tiny * 1e-10f;  // 1e-40 is subnormal
  const float result = product;
  RestoreFloatMode(saved);
#if defined(__x86_64__) || defined(__aarch64__)
  EXPECT_EQ(result, 0.0f);
#else
  GTEST_SKIP() << "no flush-to-zero control on this architecture";
#endif
  volatile float again = tiny * 1e-10f;
  EXPECT_GT(static_cast<float>(again), 0.0f) << "RestoreFloatMode must restore gradual underflow";
}

}  // namespace
}  // namespace hush::nn
