// SPDX-License-Identifier: MIT
#include "nn/kernels.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include "nn/exp_approx.h"

namespace hush::nn {
namespace {

inline float32x4_t Exp(float32x4_t x) {
  using namespace exp_approx;
  x = vminq_f32(vdupq_n_f32(kMaxInput), vmaxq_f32(vdupq_n_f32(kMinInput), x));
  const float32x4_t n = vrndmq_f32(vaddq_f32(vmulq_f32(x, vdupq_n_f32(kLog2e)), vdupq_n_f32(0.5f)));
  float32x4_t r = vsubq_f32(x, vmulq_f32(n, vdupq_n_f32(kLn2Hi)));
  r = vsubq_f32(r, vmulq_f32(n, vdupq_n_f32(kLn2Lo)));
  float32x4_t p = vdupq_n_f32(kP5);
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(kP4));
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(kP3));
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(kP2));
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(kP1));
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(kP0));
  p = vaddq_f32(vaddq_f32(vmulq_f32(vmulq_f32(p, r), r), r), vdupq_n_f32(1.0f));
  const int32x4_t bits = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(bits));
}

void Matvec(const float* w, const float* x, int rows, int cols, float* y) {
  const int vec_rows = rows & ~3;
  for (int c = 0; c < cols; ++c) {
    const float32x4_t xc = vdupq_n_f32(x[c]);
    const float* column = w + static_cast<long>(c) * rows;
    int r = 0;
    for (; r < vec_rows; r += 4) vst1q_f32(y + r, vfmaq_f32(vld1q_f32(y + r), vld1q_f32(column + r), xc));
    for (; r < rows; ++r) y[r] += column[r] * x[c];
  }
}

void Sigmoid(float* v, int n) {
  int i = 0;
  const float32x4_t one = vdupq_n_f32(1.0f);
  for (; i + 4 <= n; i += 4) {
    const float32x4_t e = Exp(vnegq_f32(vld1q_f32(v + i)));
    vst1q_f32(v + i, vdivq_f32(one, vaddq_f32(one, e)));
  }
  for (; i < n; ++i) v[i] = 1.0f / (1.0f + ExpApprox(-v[i]));
}

void Tanh(float* v, int n) {
  int i = 0;
  const float32x4_t one = vdupq_n_f32(1.0f);
  const float32x4_t two = vdupq_n_f32(2.0f);
  for (; i + 4 <= n; i += 4) {
    const float32x4_t e = Exp(vmulq_f32(vdupq_n_f32(-2.0f), vld1q_f32(v + i)));
    vst1q_f32(v + i, vsubq_f32(vdivq_f32(two, vaddq_f32(one, e)), one));
  }
  for (; i < n; ++i) v[i] = 2.0f / (1.0f + ExpApprox(-2.0f * v[i])) - 1.0f;
}

constexpr KernelTable kNeon{"neon", Matvec, Sigmoid, Tanh};

}  // namespace

const KernelTable* NeonKernels() { return &kNeon; }

}  // namespace hush::nn

#else
namespace hush::nn {
const KernelTable* NeonKernels() { return nullptr; }
}  // namespace hush::nn
#endif
