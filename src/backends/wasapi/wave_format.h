// SPDX-License-Identifier: MIT
// What a WASAPI endpoint's WAVEFORMATEX(TENSIBLE) means for the engine, decided by
// portable code (no Windows headers) so the negotiation rules are unit-tested on Linux too.
//
// Accepted: WAVE_FORMAT_PCM (16/24/32-bit), WAVE_FORMAT_IEEE_FLOAT (32/64-bit) and
// WAVE_FORMAT_EXTENSIBLE with KSDATAFORMAT_SUBTYPE_PCM or _IEEE_FLOAT, 1..8 channels,
// 8..192 kHz. For EXTENSIBLE the container (wBitsPerSample) and the valid bits
// (Samples.wValidBitsPerSample) are both checked: 24 valid bits in a 32-bit container is
// the engine's kS24In32 only when the samples are low-aligned, which Windows' is not
// (WASAPI puts them in the high bits, so a 24-in-32 buffer reads correctly as kS32).
// Anything else (8-bit, A-law, AC-3 passthrough, inconsistent block alignment) is refused
// with a message that names the field, never guessed at.
#ifndef HUSH_BACKENDS_WASAPI_WAVE_FORMAT_H
#define HUSH_BACKENDS_WASAPI_WAVE_FORMAT_H

#include <cstdint>
#include <string>

#include "engine/sample_format.h"

namespace hush::wasapi {

// The wire values of the fields that matter (mmreg.h / ksmedia.h), so this file needs no
// Windows header.
inline constexpr uint16_t kWaveFormatPcm = 0x0001;
inline constexpr uint16_t kWaveFormatIeeeFloat = 0x0003;
inline constexpr uint16_t kWaveFormatExtensible = 0xFFFE;
inline constexpr int kMinSampleRateHz = 8000;
inline constexpr int kMaxSampleRateHz = 192000;
inline constexpr int kMaxChannels = 8;

// The fields of a WAVEFORMATEX (+ the EXTENSIBLE part when format_tag says so), copied
// out by the Windows code. sub_format: the EXTENSIBLE SubFormat GUID's first 32 bits
// (Data1), which is the WAVE_FORMAT_* tag for every KSDATAFORMAT_SUBTYPE_* derived from
// one; sub_format_is_standard: the other 12 bytes are the standard suffix
// {xxxxxxxx-0000-0010-8000-00AA00389B71}.
struct WaveFormatFields {
  uint16_t format_tag = 0;
  uint16_t channels = 0;
  uint32_t samples_per_sec = 0;
  uint32_t avg_bytes_per_sec = 0;
  uint16_t block_align = 0;
  uint16_t bits_per_sample = 0;
  uint16_t extra_size = 0;           // cbSize: >= 22 for EXTENSIBLE
  uint16_t valid_bits_per_sample = 0;  // EXTENSIBLE only
  uint32_t channel_mask = 0;           // EXTENSIBLE only
  uint32_t sub_format = 0;             // EXTENSIBLE only
  bool sub_format_is_standard = false; // EXTENSIBLE only
};

// The engine's reading of a device buffer: interleaved `layout` frames at sample_rate_hz.
struct DeviceFormat {
  engine::BufferLayout layout;  // always interleaved for WASAPI
  int sample_rate_hz = 0;
  uint32_t channel_mask = 0;    // 0 when the device gave none
  size_t bytes_per_frame = 0;
};

struct FormatCheck {
  bool ok = false;
  DeviceFormat format;
  std::string error;  // why not, naming the field, when !ok
};

// Decides whether the engine can read/write buffers of this format. Pure and thread-safe;
// allocates only for the error message (not RT-safe; called when a stream opens).
FormatCheck CheckWaveFormat(const WaveFormatFields& fields);

// "48000 Hz, 2 ch, float32 (extensible)" for logs and `hush.exe devices`.
std::string DescribeWaveFormat(const WaveFormatFields& fields);

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_WAVE_FORMAT_H
