// SPDX-License-Identifier: MIT
#include "formats.h"

namespace hush::km {

namespace {

// Data ranges are static data PortCls reads in place: constant-initialised (the STATIC_*
// GUID macros expand to brace lists), so no constructor has to run.
#define HUSH_AUDIO_RANGE(SUBTYPE, BITS, RATE)                                                        \
  {                                                                                                  \
    {{sizeof(KSDATARANGE_AUDIO), 0, 0, 0, {STATICGUIDOF(KSDATAFORMAT_TYPE_AUDIO)}, {STATICGUIDOF(SUBTYPE)}, \
      {STATICGUIDOF(KSDATAFORMAT_SPECIFIER_WAVEFORMATEX)}}},                                          \
        2, BITS, BITS, RATE, RATE                                                                    \
  }

KSDATARANGE_AUDIO g_float48 = HUSH_AUDIO_RANGE(KSDATAFORMAT_SUBTYPE_IEEE_FLOAT, 32, 48000);
KSDATARANGE_AUDIO g_float44 = HUSH_AUDIO_RANGE(KSDATAFORMAT_SUBTYPE_IEEE_FLOAT, 32, 44100);
KSDATARANGE_AUDIO g_pcm48 = HUSH_AUDIO_RANGE(KSDATAFORMAT_SUBTYPE_PCM, 16, 48000);
KSDATARANGE_AUDIO g_pcm44 = HUSH_AUDIO_RANGE(KSDATAFORMAT_SUBTYPE_PCM, 16, 44100);
#undef HUSH_AUDIO_RANGE

KSDATARANGE g_bridge = {{sizeof(KSDATARANGE), 0, 0, 0, {STATICGUIDOF(KSDATAFORMAT_TYPE_AUDIO)},
                         {STATICGUIDOF(KSDATAFORMAT_SUBTYPE_ANALOG)}, {STATICGUIDOF(KSDATAFORMAT_SPECIFIER_NONE)}}};

constexpr ULONG kWaveFormatExOffset = sizeof(KSDATAFORMAT);

bool IsFloat(const GUID& subtype) { return SameGuid(subtype, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT); }
bool IsPcm(const GUID& subtype) { return SameGuid(subtype, KSDATAFORMAT_SUBTYPE_PCM); }

}  // namespace

const PKSDATARANGE kStreamDataRanges[kStreamRangeCount] = {
    // Order is preference: PortCls and the engine try the first ranges first.
    reinterpret_cast<PKSDATARANGE>(&g_float48), reinterpret_cast<PKSDATARANGE>(&g_float44),
    reinterpret_cast<PKSDATARANGE>(&g_pcm48), reinterpret_cast<PKSDATARANGE>(&g_pcm44)};
const PKSDATARANGE kBridgeDataRanges[1] = {&g_bridge};

NTSTATUS ParseDataFormat(const KSDATAFORMAT* format, ULONG available_bytes, driver::HushFormat* out) {
  if (format == nullptr || out == nullptr) return STATUS_INVALID_PARAMETER;
  if (available_bytes < sizeof(KSDATAFORMAT)) return STATUS_INVALID_PARAMETER;
  // FormatSize is the client's claim; never read past the smaller of it and the buffer.
  const ULONG size = format->FormatSize < available_bytes ? format->FormatSize : available_bytes;
  if (size < kWaveFormatExOffset + sizeof(WAVEFORMATEX)) return STATUS_INVALID_PARAMETER;
  if (!SameGuid(format->MajorFormat, KSDATAFORMAT_TYPE_AUDIO) ||
      !SameGuid(format->Specifier, KSDATAFORMAT_SPECIFIER_WAVEFORMATEX)) {
    return STATUS_NO_MATCH;
  }
  WAVEFORMATEX wfx;
  RtlCopyMemory(&wfx, reinterpret_cast<const UCHAR*>(format) + kWaveFormatExOffset, sizeof(wfx));  // unaligned
  bool is_float = false;
  if (wfx.wFormatTag == WAVE_FORMAT_EXTENSIBLE) {
    if (size < kWaveFormatExOffset + sizeof(WAVEFORMATEXTENSIBLE) ||
        wfx.cbSize < sizeof(WAVEFORMATEXTENSIBLE) - sizeof(WAVEFORMATEX)) {
      return STATUS_INVALID_PARAMETER;
    }
    WAVEFORMATEXTENSIBLE ext;
    RtlCopyMemory(&ext, reinterpret_cast<const UCHAR*>(format) + kWaveFormatExOffset, sizeof(ext));
    if (IsFloat(ext.SubFormat)) {
      is_float = true;
    } else if (!IsPcm(ext.SubFormat)) {
      return STATUS_NO_MATCH;
    }
    if (ext.Samples.wValidBitsPerSample != wfx.wBitsPerSample) return STATUS_NO_MATCH;
  } else if (wfx.wFormatTag == WAVE_FORMAT_IEEE_FLOAT) {
    is_float = true;
  } else if (wfx.wFormatTag != WAVE_FORMAT_PCM) {
    return STATUS_NO_MATCH;
  }
  // The KSDATAFORMAT's own SubFormat must agree with the WAVEFORMATEX.
  if (!(is_float ? IsFloat(format->SubFormat) : IsPcm(format->SubFormat))) return STATUS_NO_MATCH;
  const driver::HushFormat f = driver::HushMakeFormat(wfx.nSamplesPerSec, wfx.nChannels, is_float);
  if (driver::HushValidateFormat(f) != driver::kHushOk) return STATUS_NO_MATCH;
  if (wfx.wBitsPerSample != f.bits_per_sample || wfx.nBlockAlign != f.frame_bytes ||
      wfx.nAvgBytesPerSec != f.sample_rate_hz * f.frame_bytes) {
    return STATUS_NO_MATCH;
  }
  *out = f;
  return STATUS_SUCCESS;
}

void BuildExtensibleFormat(const driver::HushFormat& f, KSDATAFORMAT_WAVEFORMATEXTENSIBLE* out) {
  RtlZeroMemory(out, sizeof(*out));
  const bool is_float = f.sample_type == driver::kHushSampleFloat;
  out->DataFormat.FormatSize = sizeof(KSDATAFORMAT_WAVEFORMATEXTENSIBLE);
  out->DataFormat.Flags = 0;
  out->DataFormat.SampleSize = f.frame_bytes;
  out->DataFormat.MajorFormat = KSDATAFORMAT_TYPE_AUDIO;
  out->DataFormat.SubFormat = is_float ? KSDATAFORMAT_SUBTYPE_IEEE_FLOAT : KSDATAFORMAT_SUBTYPE_PCM;
  out->DataFormat.Specifier = KSDATAFORMAT_SPECIFIER_WAVEFORMATEX;
  WAVEFORMATEXTENSIBLE& w = out->WaveFormatExt;
  w.Format.wFormatTag = WAVE_FORMAT_EXTENSIBLE;
  w.Format.nChannels = f.channels;
  w.Format.nSamplesPerSec = f.sample_rate_hz;
  w.Format.nAvgBytesPerSec = f.sample_rate_hz * f.frame_bytes;
  w.Format.nBlockAlign = f.frame_bytes;
  w.Format.wBitsPerSample = f.bits_per_sample;
  w.Format.cbSize = sizeof(WAVEFORMATEXTENSIBLE) - sizeof(WAVEFORMATEX);
  w.Samples.wValidBitsPerSample = f.bits_per_sample;
  w.dwChannelMask = f.channels == 1 ? KSAUDIO_SPEAKER_MONO : KSAUDIO_SPEAKER_STEREO;
  w.SubFormat = out->DataFormat.SubFormat;
}

NTSTATUS IntersectDataRange(const KSDATARANGE* client, const KSDATARANGE* ours, ULONG out_bytes, PVOID result,
                            PULONG result_bytes) {
  if (client == nullptr || ours == nullptr || result_bytes == nullptr) return STATUS_INVALID_PARAMETER;
  if (client->FormatSize < sizeof(KSDATARANGE)) return STATUS_INVALID_PARAMETER;
  // Ours must be one of kStreamDataRanges (PortCls passes the pin's own range).
  bool is_ours = false;
  for (PKSDATARANGE r : kStreamDataRanges) is_ours |= (r == ours);
  if (!is_ours) return STATUS_NO_MATCH;
  const KSDATARANGE_AUDIO* mine = reinterpret_cast<const KSDATARANGE_AUDIO*>(ours);

  if (!IsWildcardGuid(client->MajorFormat) && !SameGuid(client->MajorFormat, KSDATAFORMAT_TYPE_AUDIO)) {
    return STATUS_NO_MATCH;
  }
  if (!IsWildcardGuid(client->SubFormat) && !SameGuid(client->SubFormat, mine->DataRange.SubFormat)) {
    return STATUS_NO_MATCH;
  }
  ULONG channels = mine->MaximumChannels;  // 2: stereo preferred
  if (SameGuid(client->Specifier, KSDATAFORMAT_SPECIFIER_WAVEFORMATEX)) {
    // An audio range: the client's limits apply, but only if it really is that big.
    if (client->FormatSize < sizeof(KSDATARANGE_AUDIO)) return STATUS_INVALID_PARAMETER;
    const KSDATARANGE_AUDIO* theirs = reinterpret_cast<const KSDATARANGE_AUDIO*>(client);
    if (theirs->MaximumChannels == 0) return STATUS_NO_MATCH;
    // (ULONG)-1 means "any number" in KSDATARANGE_AUDIO.
    if (theirs->MaximumChannels < channels) channels = theirs->MaximumChannels;
    if (theirs->MinimumBitsPerSample > mine->MinimumBitsPerSample ||
        theirs->MaximumBitsPerSample < mine->MaximumBitsPerSample ||
        theirs->MinimumSampleFrequency > mine->MinimumSampleFrequency ||
        theirs->MaximumSampleFrequency < mine->MaximumSampleFrequency) {
      return STATUS_NO_MATCH;
    }
  } else if (!IsWildcardGuid(client->Specifier)) {
    return STATUS_NO_MATCH;
  }

  const ULONG needed = sizeof(KSDATAFORMAT_WAVEFORMATEXTENSIBLE);
  if (out_bytes == 0) {
    *result_bytes = needed;
    return STATUS_BUFFER_OVERFLOW;
  }
  if (out_bytes < needed || result == nullptr) return STATUS_BUFFER_TOO_SMALL;
  const driver::HushFormat f = driver::HushMakeFormat(mine->MaximumSampleFrequency, static_cast<uint16_t>(channels),
                                                      IsFloat(mine->DataRange.SubFormat));
  if (driver::HushValidateFormat(f) != driver::kHushOk) return STATUS_NO_MATCH;
  BuildExtensibleFormat(f, static_cast<KSDATAFORMAT_WAVEFORMATEXTENSIBLE*>(result));
  *result_bytes = needed;
  return STATUS_SUCCESS;
}

}  // namespace hush::km
