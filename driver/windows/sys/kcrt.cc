// SPDX-License-Identifier: MIT
// The little C++ runtime the driver needs, and nothing else: pool-backed operator
// new/delete and the pure-virtual trap. No static constructors exist to run.
#include "hush_km.h"

// Zero-filled, tagged pool memory; nullptr on failure. IRQL: <= DISPATCH_LEVEL for
// non-paged pools, PASSIVE_LEVEL for paged pool. ExAllocatePoolWithTag (not
// ExAllocatePool2) keeps the driver loadable on Windows 10 before 2004; the Nx pool type
// keeps the memory non-executable.
void* operator new(size_t bytes, POOL_TYPE pool) noexcept {
  if (bytes == 0) bytes = 1;
  void* p = ExAllocatePoolWithTag(pool, bytes, hush::km::kPoolTag);
  if (p != nullptr) RtlZeroMemory(p, bytes);
  return p;
}

// IRQL <= DISPATCH_LEVEL. Null is a no-op, as in standard C++.
void operator delete(void* p) noexcept {
  if (p != nullptr) ExFreePoolWithTag(p, hush::km::kPoolTag);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete(void* p, POOL_TYPE) noexcept { operator delete(p); }

// GCC points the pure slots of abstract vtables here. Reaching it is a driver bug that
// must not continue; the bug check carries a driver-defined code, 0x48555348 ("HUSH"),
// so a crash dump names the culprit at once. Any IRQL.
extern "C" void __cxa_pure_virtual() { KeBugCheckEx(0x48555348u, 1, 0, 0, 0); }
