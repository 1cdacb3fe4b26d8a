// SPDX-License-Identifier: MIT
// Project-owned compatibility layer over mingw-w64's DDK headers (Debian 12,
// mingw-w64-x86-64-dev 10.0.0), so the driver compiles as kernel-mode C++ with GCC.
// Every driver source includes this instead of <ntddk.h>/<portcls.h> directly.
//
// What mingw-w64 10 lacks or gets wrong, and what this file does about it (each item is
// written from Microsoft's public documentation, not copied from the WDK):
//  1. DECLSPEC_NOVTABLE / DECLSPEC_NOTHROW: defined by winnt.h, which kernel code never
//     includes, yet punknown.h/portcls.h/ks.h use them. Defined empty (they are MSVC
//     optimisation hints; GCC's vtable layout for single-inheritance COM interfaces is
//     the one the kernel's PortCls expects either way).
//  2. InterlockedBitTestAndSet/Reset: defined both by intrin-impl.h and by wdm.h, which
//     GCC's C++ front end rejects. The __INTRINSIC_DEFINED_* guards make intrin-impl.h
//     skip its copies so wdm.h's are the only ones.
//  3. KSRTAUDIO_HWLATENCY and KSRTAUDIO_HWREGISTER (ksmedia.h in the WDK) are used by
//     portcls.h's IMiniportWaveRTStream but not declared anywhere in mingw-w64 10.
//  4. TCHAR, used by one user-mode struct in ksmedia.h, is not declared in kernel mode.
//  5. KSDATAFORMAT_WAVEFORMATEXTENSIBLE (a KSDATAFORMAT followed by a
//     WAVEFORMATEXTENSIBLE, 104 bytes) is missing from mingw-w64 10's ksmedia.h.
// If a newer mingw-w64 adds any of these, the guards below keep this file harmless.
#ifndef HUSH_KM_COMPAT_H
#define HUSH_KM_COMPAT_H

#if !defined(__MINGW64__) || !defined(__cplusplus)
#error "hush_km_compat.h is for the mingw-w64 C++ kernel build only"
#endif

#ifndef DECLSPEC_NOVTABLE
#define DECLSPEC_NOVTABLE
#endif
#ifndef DECLSPEC_NOTHROW
#define DECLSPEC_NOTHROW
#endif
#ifndef __INTRINSIC_DEFINED_InterlockedBitTestAndSet
#define __INTRINSIC_DEFINED_InterlockedBitTestAndSet
#endif
#ifndef __INTRINSIC_DEFINED_InterlockedBitTestAndReset
#define __INTRINSIC_DEFINED_InterlockedBitTestAndReset
#endif

// ntifs.h (a superset of ntddk.h) declares the object-manager and security calls the back
// door uses (ObOpenObjectByPointer, ZwSetSecurityObject, RtlCreateAcl, ...); only the
// translation units that need it define HUSH_KM_WANT_NTIFS.
extern "C" {
#ifdef HUSH_KM_WANT_NTIFS
#include <ntifs.h>
#endif
#include <ntddk.h>
}

#ifndef _TCHAR_DEFINED
typedef WCHAR TCHAR;  // Only ksmedia.h's MMC time-code struct uses it; the driver never does.
#define _TCHAR_DEFINED
#endif

// KSRTAUDIO_HWLATENCY: the fixed delays of a WaveRT "hardware" path, in the units the
// docs give (FIFO bytes, chipset/codec delay in 100 ns units).
typedef struct {
  ULONG FifoSize;
  ULONG ChipsetDelay;
  ULONG CodecDelay;
} KSRTAUDIO_HWLATENCY, *PKSRTAUDIO_HWLATENCY;

// KSRTAUDIO_HWREGISTER: a memory-mapped position/clock register the client may read.
// Hush has none (GetPositionRegister/GetClockRegister return STATUS_NOT_SUPPORTED), but
// the interface needs the type.
typedef struct {
  PVOID Register;
  ULONG Width;
  ULONGLONG Numerator;
  ULONGLONG Denominator;
  ULONG Accuracy;
} KSRTAUDIO_HWREGISTER, *PKSRTAUDIO_HWREGISTER;

#include <portcls.h>
#include <ksmedia.h>

#ifndef HUSH_HAVE_KSDATAFORMAT_WAVEFORMATEXTENSIBLE
typedef struct {
  KSDATAFORMAT DataFormat;
  WAVEFORMATEXTENSIBLE WaveFormatExt;
} KSDATAFORMAT_WAVEFORMATEXTENSIBLE, *PKSDATAFORMAT_WAVEFORMATEXTENSIBLE;
#endif
// The layouts PortCls and the audio engine exchange; a mismatch here would corrupt every
// format negotiation, so the build fails instead.
static_assert(sizeof(KSDATAFORMAT) == 64, "KSDATAFORMAT layout");
static_assert(sizeof(WAVEFORMATEX) == 18, "WAVEFORMATEX is packed to 1 byte");
static_assert(sizeof(WAVEFORMATEXTENSIBLE) == 40, "WAVEFORMATEXTENSIBLE layout");
static_assert(sizeof(KSDATAFORMAT_WAVEFORMATEXTENSIBLE) == 104, "KSDATAFORMAT_WAVEFORMATEXTENSIBLE layout");
static_assert(sizeof(KSDATARANGE_AUDIO) == 88, "KSDATARANGE_AUDIO layout");

#endif  // HUSH_KM_COMPAT_H
