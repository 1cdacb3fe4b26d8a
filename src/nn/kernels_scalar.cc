// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "nn/exp_approx.h"
#include "nn/kernels.h"

namespace hush::nn {

float ExpApprox(float x) {
  using namespace exp_approx;
  x = std::min(kMaxInput, std::max(kMinInput, x));
  // n = round(x / ln2) by floor(x log2e + 0.5), as the SIMD variants do.
  const float n = std::floor(x * kLog2e + 0.5f);
  float r = x - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = kP5;
  p = p * r + kP4;
  p = p * r + kP3;
  p = p * r + kP2;
  p = p * r + kP1;
  p = p * r + kP0;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

namespace {

void MatvecScalar(const float* w, const float* x, int rows, int cols, float* y) {
  for (int c = 0; c < cols; ++c) {
    const float xc = x[c];
    const float* column = w + static_cast<long>(c) * rows;
    for (int r = 0; r < rows; ++r) y[r] += column[r] * xc;
  }
}

void SigmoidScalar(float* v, int n) {
  for (int i = 0; i < n; ++i) v[i] = 1.0f / (1.0f + ExpApprox(-v[i]));
}

void TanhScalar(float* v, int n) {
  // tanh(x) = 2 sigmoid(2x) - 1: one exp, and saturates cleanly at +-1.
  for (int i = 0; i < n; ++i) v[i] = 2.0f / (1.0f + ExpApprox(-2.0f * v[i])) - 1.0f;
}

constexpr KernelTable kScalar{"scalar", MatvecScalar, SigmoidScalar, TanhScalar};

}  // namespace

const KernelTable* ScalarKernels() { return &kScalar; }

}  // namespace hush::nn
