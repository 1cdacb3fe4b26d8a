// SPDX-License-Identifier: MIT
// The few numeric kernels the neural suppressor needs, in several instruction sets,
// chosen once at run time from what the CPU supports:
//   AVX2+FMA (x86-64 since 2013), SSE2 (every x86-64), NEON (aarch64), scalar.
// All variants compute the same thing with the same exp() approximation, so results
// agree to a few ulp whatever the machine; tests compare every variant the CPU can run
// against the scalar one.
//
// [RT-safe] every function: no allocation, no locks, no I/O.
#ifndef HUSH_NN_KERNELS_H
#define HUSH_NN_KERNELS_H

namespace hush::nn {

struct KernelTable {
  const char* name;
  // y[r] += sum_c w[c * rows + r] * x[c]: weights stored input-major ("column-major"),
  // so the inner loop runs along y with no horizontal sums. rows need not be a multiple
  // of the vector width.
  void (*matvec_accumulate)(const float* w, const float* x, int rows, int cols, float* y);
  void (*sigmoid)(float* v, int n);  // in place
  void (*tanh)(float* v, int n);     // in place
};

// The best table for this CPU (HUSH_NN_KERNELS=scalar|sse2|avx2|neon overrides it when
// the CPU supports that variant; for benchmarks and tests). Thread-safe.
const KernelTable& BestKernels();
// A named variant, or nullptr when this build or CPU cannot run it.
const KernelTable* KernelsByName(const char* name);

// Per instruction set (defined in kernels_<isa>.cc; nullptr-returning where not built).
const KernelTable* ScalarKernels();
const KernelTable* Sse2Kernels();
const KernelTable* Avx2Kernels();
const KernelTable* NeonKernels();

// The shared exp() approximation (Cephes' expf polynomial: relative error < 2e-7 over
// [-87, 88]), scalar form; the SIMD files implement the same steps lane-wise.
float ExpApprox(float x);

// Sets flush-to-zero / denormals-are-zero for the calling thread and returns the old
// state for RestoreFloatMode (a decaying GRU state drifts into subnormal numbers, which
// x86 handles in slow microcode).
unsigned SetFlushDenormals();
void RestoreFloatMode(unsigned saved);

}  // namespace hush::nn

#endif  // HUSH_NN_KERNELS_H
