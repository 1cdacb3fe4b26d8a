// SPDX-License-Identifier: MIT
#include "nn/kernels.h"

#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <initializer_list>

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace hush::nn {

namespace {

bool CpuHasAvx2Fma() {
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

const KernelTable& Select() {
  if (const char* forced = std::getenv("HUSH_NN_KERNELS")) {
    if (const KernelTable* table = KernelsByName(forced)) return *table;
  }
  for (const char* name : {"avx2", "neon", "sse2"}) {
    if (const KernelTable* table = KernelsByName(name)) return *table;
  }
  return *ScalarKernels();
}

}  // namespace

const KernelTable* KernelsByName(const char* name) {
  if (name == nullptr) return nullptr;
  if (std::strcmp(name, "scalar") == 0) return ScalarKernels();
  if (std::strcmp(name, "sse2") == 0) return Sse2Kernels();
  if (std::strcmp(name, "neon") == 0) return NeonKernels();
  if (std::strcmp(name, "avx2") == 0) return CpuHasAvx2Fma() ? Avx2Kernels() : nullptr;
  return nullptr;
}

const KernelTable& BestKernels() {
  static const KernelTable& table = Select();  // thread-safe static initialisation
  return table;
}

unsigned SetFlushDenormals() {
#if defined(__x86_64__) || defined(_M_X64)
  const unsigned saved = _mm_getcsr();
  _mm_setcsr(saved | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
  return saved;
#elif defined(__aarch64__)
  uint64_t fpcr;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  __asm__ __volatile__("msr fpcr, %0" ::"r"(fpcr | (1ull << 24)));  // FZ
  return static_cast<unsigned>(fpcr);
#else
  return 0;
#endif
}

void RestoreFloatMode(unsigned saved) {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_setcsr(saved);
#elif defined(__aarch64__)
  const uint64_t fpcr = saved;
  __asm__ __volatile__("msr fpcr, %0" ::"r"(fpcr));
#else
  (void)saved;
#endif
}

}  // namespace hush::nn
