// SPDX-License-Identifier: MIT
#include "backends/wasapi/wave_format.h"

#include <cstdio>

namespace hush::wasapi {
namespace {

std::string Fail(const char* what, unsigned value) {
  char text[160];
  std::snprintf(text, sizeof text, "unsupported device format: %s (%u)", what, value);
  return text;
}

}  // namespace

FormatCheck CheckWaveFormat(const WaveFormatFields& f) {
  FormatCheck result;
  uint16_t kind = f.format_tag;  // PCM or IEEE float, after looking inside EXTENSIBLE
  uint16_t valid_bits = f.bits_per_sample;
  if (f.format_tag == kWaveFormatExtensible) {
    // 22 = sizeof(WAVEFORMATEXTENSIBLE) - sizeof(WAVEFORMATEX): without it the fields
    // below were never there.
    if (f.extra_size < 22) {
      result.error = Fail("WAVEFORMATEXTENSIBLE with cbSize < 22", f.extra_size);
      return result;
    }
    if (!f.sub_format_is_standard || (f.sub_format != kWaveFormatPcm && f.sub_format != kWaveFormatIeeeFloat)) {
      result.error = Fail("SubFormat is neither KSDATAFORMAT_SUBTYPE_PCM nor _IEEE_FLOAT; Data1", f.sub_format);
      return result;
    }
    kind = static_cast<uint16_t>(f.sub_format);
    valid_bits = f.valid_bits_per_sample == 0 ? f.bits_per_sample : f.valid_bits_per_sample;
    if (valid_bits > f.bits_per_sample) {
      result.error = Fail("wValidBitsPerSample larger than the container", valid_bits);
      return result;
    }
  } else if (f.format_tag != kWaveFormatPcm && f.format_tag != kWaveFormatIeeeFloat) {
    result.error = Fail("wFormatTag", f.format_tag);
    return result;
  }
  if (f.channels < 1 || f.channels > kMaxChannels) {
    result.error = Fail("channel count (1..8 supported)", f.channels);
    return result;
  }
  if (f.samples_per_sec < static_cast<uint32_t>(kMinSampleRateHz) ||
      f.samples_per_sec > static_cast<uint32_t>(kMaxSampleRateHz)) {
    result.error = Fail("sample rate (8000..192000 Hz supported)", f.samples_per_sec);
    return result;
  }
  engine::SampleFormat sample = engine::SampleFormat::kF32;
  if (kind == kWaveFormatIeeeFloat) {
    if (f.bits_per_sample == 32) {
      sample = engine::SampleFormat::kF32;
    } else if (f.bits_per_sample == 64) {
      sample = engine::SampleFormat::kF64;
    } else {
      result.error = Fail("IEEE float container bits (32 or 64 supported)", f.bits_per_sample);
      return result;
    }
  } else {
    switch (f.bits_per_sample) {
      case 16: sample = engine::SampleFormat::kS16; break;
      case 24: sample = engine::SampleFormat::kS24; break;
      // WASAPI left-justifies 20/24 valid bits in a 32-bit container: as int32 they read
      // at the right scale, the low bits being zero.
      case 32: sample = engine::SampleFormat::kS32; break;
      default:
        result.error = Fail("PCM container bits (16, 24 or 32 supported)", f.bits_per_sample);
        return result;
    }
  }
  const size_t frame_bytes = engine::BytesPerSample(sample) * f.channels;
  if (f.block_align != frame_bytes) {
    // A buffer's frame stride comes from nBlockAlign; one that disagrees with the sample
    // size would make every copy walk off the end of the device's buffer.
    result.error = Fail("nBlockAlign disagrees with channels x container bytes", f.block_align);
    return result;
  }
  result.ok = true;
  result.format.layout = engine::BufferLayout{sample, static_cast<int>(f.channels), true};
  result.format.sample_rate_hz = static_cast<int>(f.samples_per_sec);
  result.format.channel_mask = f.format_tag == kWaveFormatExtensible ? f.channel_mask : 0;
  result.format.bytes_per_frame = frame_bytes;
  return result;
}

std::string DescribeWaveFormat(const WaveFormatFields& f) {
  const bool extensible = f.format_tag == kWaveFormatExtensible;
  const uint32_t kind = extensible ? f.sub_format : f.format_tag;
  const char* name = kind == kWaveFormatIeeeFloat ? "float" : kind == kWaveFormatPcm ? "pcm" : "other";
  char text[160];
  if (extensible && f.valid_bits_per_sample != 0 && f.valid_bits_per_sample != f.bits_per_sample) {
    std::snprintf(text, sizeof text, "%u Hz, %u ch, %s%u (%u valid, extensible, mask 0x%x)", f.samples_per_sec,
                  f.channels, name, f.bits_per_sample, f.valid_bits_per_sample, f.channel_mask);
  } else {
    std::snprintf(text, sizeof text, "%u Hz, %u ch, %s%u%s", f.samples_per_sec, f.channels, name,
                  f.bits_per_sample, extensible ? " (extensible)" : "");
  }
  return text;
}

}  // namespace hush::wasapi
