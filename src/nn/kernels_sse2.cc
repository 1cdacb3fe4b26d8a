// SPDX-License-Identifier: MIT
#include "nn/kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>

#include "nn/exp_approx.h"

namespace hush::nn {
namespace {

// floor() for SSE2, which has no round instruction: truncate, then fix negatives.
inline __m128 Floor(__m128 x) {
  const __m128 t = _mm_cvtepi32_ps(_mm_cvttps_epi32(x));
  return _mm_sub_ps(t, _mm_and_ps(_mm_cmpgt_ps(t, x), _mm_set1_ps(1.0f)));
}

inline __m128 Exp(__m128 x) {
  using namespace exp_approx;
  x = _mm_min_ps(_mm_set1_ps(kMaxInput), _mm_max_ps(_mm_set1_ps(kMinInput), x));
  const __m128 n = Floor(_mm_add_ps(_mm_mul_ps(x, _mm_set1_ps(kLog2e)), _mm_set1_ps(0.5f)));
  __m128 r = _mm_sub_ps(x, _mm_mul_ps(n, _mm_set1_ps(kLn2Hi)));
  r = _mm_sub_ps(r, _mm_mul_ps(n, _mm_set1_ps(kLn2Lo)));
  __m128 p = _mm_set1_ps(kP5);
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP4));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP3));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP2));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP1));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP0));
  p = _mm_add_ps(_mm_add_ps(_mm_mul_ps(_mm_mul_ps(p, r), r), r), _mm_set1_ps(1.0f));
  const __m128i bits = _mm_slli_epi32(_mm_add_epi32(_mm_cvttps_epi32(n), _mm_set1_epi32(127)), 23);
  return _mm_mul_ps(p, _mm_castsi128_ps(bits));
}

void Matvec(const float* w, const float* x, int rows, int cols, float* y) {
  const int vec_rows = rows & ~3;
  for (int c = 0; c < cols; ++c) {
    const __m128 xc = _mm_set1_ps(x[c]);
    const float* column = w + static_cast<long>(c) * rows;
    int r = 0;
    for (; r < vec_rows; r += 4) {
      _mm_storeu_ps(y + r, _mm_add_ps(_mm_loadu_ps(y + r), _mm_mul_ps(_mm_loadu_ps(column + r), xc)));
    }
    for (; r < rows; ++r) y[r] += column[r] * x[c];
  }
}

void Sigmoid(float* v, int n) {
  int i = 0;
  const __m128 one = _mm_set1_ps(1.0f);
  for (; i + 4 <= n; i += 4) {
    const __m128 e = Exp(_mm_sub_ps(_mm_setzero_ps(), _mm_loadu_ps(v + i)));
    _mm_storeu_ps(v + i, _mm_div_ps(one, _mm_add_ps(one, e)));
  }
  for (; i < n; ++i) v[i] = 1.0f / (1.0f + ExpApprox(-v[i]));
}

void Tanh(float* v, int n) {
  int i = 0;
  const __m128 one = _mm_set1_ps(1.0f);
  const __m128 two = _mm_set1_ps(2.0f);
  for (; i + 4 <= n; i += 4) {
    const __m128 e = Exp(_mm_mul_ps(_mm_set1_ps(-2.0f), _mm_loadu_ps(v + i)));
    _mm_storeu_ps(v + i, _mm_sub_ps(_mm_div_ps(two, _mm_add_ps(one, e)), one));
  }
  for (; i < n; ++i) v[i] = 2.0f / (1.0f + ExpApprox(-2.0f * v[i])) - 1.0f;
}

constexpr KernelTable kSse2{"sse2", Matvec, Sigmoid, Tanh};

}  // namespace

const KernelTable* Sse2Kernels() { return &kSse2; }

}  // namespace hush::nn

#else
namespace hush::nn {
const KernelTable* Sse2Kernels() { return nullptr; }
}  // namespace hush::nn
#endif
