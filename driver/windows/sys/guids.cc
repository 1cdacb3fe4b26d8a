// SPDX-License-Identifier: MIT
// The one translation unit that instantiates the GUIDs declared with DEFINE_GUID in
// portcls.h (IID_IMiniportWaveRT, CLSID_PortWaveRT, ...) and the driver's own. KS GUIDs
// declared with DEFINE_GUIDSTRUCT (KSCATEGORY_AUDIO, KSDATAFORMAT_SUBTYPE_PCM, ...) come
// from mingw-w64's static libksguid.a instead, as they would from the WDK's ksguid.lib.
#include <initguid.h>

#include "hush_km.h"

extern "C" const GUID IID_IHushAdapter = {0x5e2d9b4c, 0x7a41, 0x4c55, {0x9b, 0x1e, 0x3f, 0x0d, 0x6c, 0x8a, 0x2e, 0x11}};
extern "C" const GUID HUSH_PINNAME_SPEAKER = {0x5e2d9b4c, 0x7a41, 0x4c55, {0x9b, 0x1e, 0x3f, 0x0d, 0x6c, 0x8a, 0x11, 0xa1}};
extern "C" const GUID HUSH_PINNAME_MICROPHONE = {0x5e2d9b4c, 0x7a41, 0x4c55, {0x9b, 0x1e, 0x3f, 0x0d, 0x6c, 0x8a, 0x11, 0xa2}};
