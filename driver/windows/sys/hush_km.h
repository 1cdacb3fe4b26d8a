// SPDX-License-Identifier: MIT
// Shared kernel-mode vocabulary of the Hush driver: the pool tag, allocation, GUID
// comparison, a spin-lock guard, and the driver's own GUIDs. Kernel-mode C++ rules for
// every file that includes this: no exceptions, no RTTI, no STL, no static objects with
// constructors (there is no CRT to run them), no floating point (the kernel does not
// save FPU state for us), no stack frame near 4 KiB (no __chkstk).
#ifndef HUSH_DRIVER_SYS_HUSH_KM_H
#define HUSH_DRIVER_SYS_HUSH_KM_H

#include "hush_km_compat.h"

#include "hush_driver/ioctl_protocol.h"
#include "hush_driver/ring.h"

namespace hush::km {

// "Hush" as it reads in pool dumps (!poolused, Driver Verifier): the tag's bytes in
// memory order are 'H','u','s','h' (little-endian ULONG).
inline constexpr ULONG kPoolTag = static_cast<ULONG>('H') | static_cast<ULONG>('u') << 8 |
                                  static_cast<ULONG>('s') << 16 | static_cast<ULONG>('h') << 24;

// The driver's version as reported by IOCTL_HUSH_GET_INFO (major << 16 | minor).
inline constexpr uint32_t kDriverVersion = 0x00010000u;

// Byte-wise GUID equality without memcmp (portable to the freestanding build). Any IRQL.
inline bool SameGuid(const GUID& a, const GUID& b) {
  const unsigned char* x = reinterpret_cast<const unsigned char*>(&a);
  const unsigned char* y = reinterpret_cast<const unsigned char*>(&b);
  unsigned char diff = 0;
  for (unsigned i = 0; i < sizeof(GUID); ++i) diff |= static_cast<unsigned char>(x[i] ^ y[i]);
  return diff == 0;
}

// True for the all-zero GUID, which KS uses as the wildcard (KSDATAFORMAT_TYPE_WILDCARD,
// _SUBTYPE_WILDCARD, _SPECIFIER_WILDCARD are all GUID_NULL).
inline bool IsWildcardGuid(const GUID& g) {
  static constexpr GUID kNull = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};
  return SameGuid(g, kNull);
}

// Holds a KSPIN_LOCK for a scope. Raises to DISPATCH_LEVEL; callable at IRQL <=
// DISPATCH_LEVEL. The code under it must touch only non-paged memory.
class SpinLockGuard {
 public:
  explicit SpinLockGuard(KSPIN_LOCK* lock) : lock_(lock) { KeAcquireSpinLock(lock_, &old_irql_); }
  ~SpinLockGuard() { KeReleaseSpinLock(lock_, old_irql_); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  KSPIN_LOCK* lock_;
  KIRQL old_irql_ = PASSIVE_LEVEL;
};

// Debug output for start-up and error paths only (never the audio data path: DbgPrintEx
// formats synchronously). Visible in WinDbg or DebugView with "Capture Kernel".
#define HUSH_KM_LOG(fmt, ...) \
  DbgPrintEx(DPFLTR_IHVAUDIO_ID, DPFLTR_ERROR_LEVEL, "hush: " fmt "\n", ##__VA_ARGS__)

}  // namespace hush::km

// Allocation: `new (NonPagedPoolNx) T(...)` zero-fills and tags; it returns nullptr on
// failure (no exceptions), so every caller checks. IRQL <= DISPATCH_LEVEL for non-paged
// pool, PASSIVE_LEVEL for paged. Defined in kcrt.cc.
void* operator new(size_t bytes, POOL_TYPE pool) noexcept;
void operator delete(void* p) noexcept;
void operator delete(void* p, size_t bytes) noexcept;
void operator delete(void* p, POOL_TYPE pool) noexcept;  // matches the placement form

// The adapter object's private interface id: QueryInterface on the adapter's IUnknown
// (which PortCls hands each miniport's Init) with this id yields the HushAdapter itself.
// {5E2D9B4C-7A41-4C55-9B1E-3F0D6C8A2E11} (generated for Hush).
extern "C" const GUID IID_IHushAdapter;
// Pin name GUIDs of the two endpoints' bridge pins; the INF maps them to the friendly
// names under MediaCategories. {...11A1} speaker, {...11A2} microphone.
extern "C" const GUID HUSH_PINNAME_SPEAKER;
extern "C" const GUID HUSH_PINNAME_MICROPHONE;

#endif  // HUSH_DRIVER_SYS_HUSH_KM_H
