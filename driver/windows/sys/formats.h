// SPDX-License-Identifier: MIT
// The formats the two endpoints advertise (48 and 44.1 kHz, float32 and PCM16, mono and
// stereo), as KS data ranges, plus the two checks every format passes before the driver
// uses it: ParseDataFormat (a KSDATAFORMAT from PortCls/the audio engine) and
// IntersectDataRange (the pin's data-range intersection handler).
#ifndef HUSH_DRIVER_SYS_FORMATS_H
#define HUSH_DRIVER_SYS_FORMATS_H

#include "hush_km.h"

namespace hush::km {

// Four ranges per streaming pin, one per (sample type, rate): each has a single rate and
// bit depth, and 1..2 channels. Separate ranges (rather than 44100..48000 in one) stop a
// client from proposing, say, 46000 Hz, which a range would admit.
inline constexpr ULONG kStreamRangeCount = 4;
extern const PKSDATARANGE kStreamDataRanges[kStreamRangeCount];
// The analog range of bridge pins (no data flows through them).
extern const PKSDATARANGE kBridgeDataRanges[1];

// Validates a KSDATAFORMAT of `available_bytes` bytes (the caller's buffer size or, when
// unknown, DataFormat->FormatSize) and converts it: KSDATAFORMAT_TYPE_AUDIO,
// KSDATAFORMAT_SPECIFIER_WAVEFORMATEX, WAVE_FORMAT_PCM/IEEE_FLOAT or
// WAVE_FORMAT_EXTENSIBLE with subtype KSDATAFORMAT_SUBTYPE_PCM/_IEEE_FLOAT (and
// wValidBitsPerSample == wBitsPerSample, cbSize >= 22), and one of the advertised
// rate/channel/bit combinations with consistent nBlockAlign and nAvgBytesPerSec.
// Every length is checked before the field behind it is read.
// STATUS_INVALID_PARAMETER for malformed input, STATUS_NO_MATCH for a well-formed but
// unsupported format. Any IRQL (pure).
NTSTATUS ParseDataFormat(const KSDATAFORMAT* format, ULONG available_bytes, driver::HushFormat* out);

// Fills `out` (104 bytes, caller's) with the KSDATAFORMAT_WAVEFORMATEXTENSIBLE of `f`.
// Any IRQL (pure).
void BuildExtensibleFormat(const driver::HushFormat& f, KSDATAFORMAT_WAVEFORMATEXTENSIBLE* out);

// IMiniport::DataRangeIntersection for a streaming pin: `client` is the range the client
// asks about (any KSDATARANGE; audio ranges are honoured field by field, wildcards
// allowed), `ours` one of kStreamDataRanges. Chooses the best format in both (stereo over
// mono where the client allows it) and writes it to `result` as
// KSDATAFORMAT_WAVEFORMATEXTENSIBLE. Follows the KS size protocol: out_bytes == 0 ->
// *result_bytes = 104 and STATUS_BUFFER_OVERFLOW; 0 < out_bytes < 104 ->
// STATUS_BUFFER_TOO_SMALL; STATUS_NO_MATCH when nothing fits. PASSIVE_LEVEL (PortCls
// calls it from property handlers) but pure.
NTSTATUS IntersectDataRange(const KSDATARANGE* client, const KSDATARANGE* ours, ULONG out_bytes, PVOID result,
                            PULONG result_bytes);

}  // namespace hush::km

#endif  // HUSH_DRIVER_SYS_FORMATS_H
