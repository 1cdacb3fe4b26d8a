// SPDX-License-Identifier: MIT
#include "nn/kernels.h"

// Compiled with -mavx2 -mfma (this file only); called only after a CPUID check.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "nn/exp_approx.h"

namespace hush::nn {
namespace {

inline __m256 Floor(__m256 x) { return _mm256_floor_ps(x); }

inline __m256 Exp(__m256 x) {
  using namespace exp_approx;
  x = _mm256_min_ps(_mm256_set1_ps(kMaxInput), _mm256_max_ps(_mm256_set1_ps(kMinInput), x));
  const __m256 n = Floor(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)), _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(kLn2Hi)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(kLn2Lo)));
  __m256 p = _mm256_set1_ps(kP5);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP4));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP3));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP2));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP1));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP0));
  p = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, r), r), r), _mm256_set1_ps(1.0f));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

void Matvec(const float* w, const float* x, int rows, int cols, float* y) {
  // Blocks of 32 rows stay in four registers across all columns: y is loaded and stored
  // once per block, not once per column.
  int r0 = 0;
  for (; r0 + 32 <= rows; r0 += 32) {
    __m256 a0 = _mm256_loadu_ps(y + r0), a1 = _mm256_loadu_ps(y + r0 + 8);
    __m256 a2 = _mm256_loadu_ps(y + r0 + 16), a3 = _mm256_loadu_ps(y + r0 + 24);
    const float* column = w + r0;
    for (int c = 0; c < cols; ++c, column += rows) {
      const __m256 xc = _mm256_set1_ps(x[c]);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(column), xc, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(column + 8), xc, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(column + 16), xc, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(column + 24), xc, a3);
    }
    _mm256_storeu_ps(y + r0, a0);
    _mm256_storeu_ps(y + r0 + 8, a1);
    _mm256_storeu_ps(y + r0 + 16, a2);
    _mm256_storeu_ps(y + r0 + 24, a3);
  }
  for (; r0 + 8 <= rows; r0 += 8) {
    __m256 a = _mm256_loadu_ps(y + r0);
    const float* column = w + r0;
    for (int c = 0; c < cols; ++c, column += rows) {
      a = _mm256_fmadd_ps(_mm256_loadu_ps(column), _mm256_set1_ps(x[c]), a);
    }
    _mm256_storeu_ps(y + r0, a);
  }
  for (; r0 < rows; ++r0) {
    float a = y[r0];
    for (int c = 0; c < cols; ++c) a += w[static_cast<long>(c) * rows + r0] * x[c];
    y[r0] = a;
  }
}

void Sigmoid(float* v, int n) {
  int i = 0;
  const __m256 one = _mm256_set1_ps(1.0f);
  for (; i + 8 <= n; i += 8) {
    const __m256 e = Exp(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_loadu_ps(v + i)));
    _mm256_storeu_ps(v + i, _mm256_div_ps(one, _mm256_add_ps(one, e)));
  }
  for (; i < n; ++i) v[i] = 1.0f / (1.0f + ExpApprox(-v[i]));
}

void Tanh(float* v, int n) {
  int i = 0;
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 two = _mm256_set1_ps(2.0f);
  for (; i + 8 <= n; i += 8) {
    const __m256 e = Exp(_mm256_mul_ps(_mm256_set1_ps(-2.0f), _mm256_loadu_ps(v + i)));
    _mm256_storeu_ps(v + i, _mm256_sub_ps(_mm256_div_ps(two, _mm256_add_ps(one, e)), one));
  }
  for (; i < n; ++i) v[i] = 2.0f / (1.0f + ExpApprox(-2.0f * v[i])) - 1.0f;
}

constexpr KernelTable kAvx2{"avx2", Matvec, Sigmoid, Tanh};

}  // namespace

const KernelTable* Avx2Kernels() { return &kAvx2; }

}  // namespace hush::nn

#else
namespace hush::nn {
const KernelTable* Avx2Kernels() { return nullptr; }
}  // namespace hush::nn
#endif
