// SPDX-License-Identifier: MIT
#include "engine/sample_format.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hush::engine {

namespace {

constexpr double kS16Scale = 32768.0;
constexpr double kS24Scale = 8388608.0;
constexpr double kS32Scale = 2147483648.0;

inline int32_t Quantise(float v, double scale, int32_t max) {
  const double x = std::nearbyint(static_cast<double>(v) * scale);
  return static_cast<int32_t>(std::clamp(x, -static_cast<double>(max) - 1.0, static_cast<double>(max)));
}

inline float ReadSample(SampleFormat format, const uint8_t* p) {
  switch (format) {
    case SampleFormat::kS16: {
      int16_t v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<float>(v / kS16Scale);
    }
    case SampleFormat::kS24: {
      const int32_t v = static_cast<int32_t>(static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                                             (static_cast<uint32_t>(p[2]) << 16) | (p[2] & 0x80 ? 0xFF000000u : 0u));
      return static_cast<float>(v / kS24Scale);
    }
    case SampleFormat::kS24In32: {
      int32_t v;
      std::memcpy(&v, p, sizeof v);
      v = static_cast<int32_t>(static_cast<uint32_t>(v) << 8) >> 8;  // sign-extend bit 23
      return static_cast<float>(v / kS24Scale);
    }
    case SampleFormat::kS32: {
      int32_t v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<float>(v / kS32Scale);
    }
    case SampleFormat::kF32: {
      float v;
      std::memcpy(&v, p, sizeof v);
      return v;
    }
    case SampleFormat::kF64: {
      double v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<float>(v);
    }
  }
  return 0.0f;
}

inline void WriteSample(SampleFormat format, float v, uint8_t* p) {
  switch (format) {
    case SampleFormat::kS16: {
      const int16_t s = static_cast<int16_t>(Quantise(v, kS16Scale, 32767));
      std::memcpy(p, &s, sizeof s);
      return;
    }
    case SampleFormat::kS24: {
      const int32_t s = Quantise(v, kS24Scale, 8388607);
      p[0] = static_cast<uint8_t>(s & 0xFF);
      p[1] = static_cast<uint8_t>((s >> 8) & 0xFF);
      p[2] = static_cast<uint8_t>((s >> 16) & 0xFF);
      return;
    }
    case SampleFormat::kS24In32: {
      const int32_t s = Quantise(v, kS24Scale, 8388607);
      std::memcpy(p, &s, sizeof s);
      return;
    }
    case SampleFormat::kS32: {
      const int32_t s = Quantise(v, kS32Scale, 2147483647);
      std::memcpy(p, &s, sizeof s);
      return;
    }
    case SampleFormat::kF32:
      std::memcpy(p, &v, sizeof v);
      return;
    case SampleFormat::kF64: {
      const double d = v;
      std::memcpy(p, &d, sizeof d);
      return;
    }
  }
}

}  // namespace

size_t BytesPerSample(SampleFormat format) {
  switch (format) {
    case SampleFormat::kS16: return 2;
    case SampleFormat::kS24: return 3;
    case SampleFormat::kS24In32:
    case SampleFormat::kS32:
    case SampleFormat::kF32: return 4;
    case SampleFormat::kF64: return 8;
  }
  return 0;
}

void ToFloatPlanar(const BufferLayout& layout, const void* const* src, size_t frames, float* const* dst) {
  const size_t bytes = BytesPerSample(layout.format);
  const size_t channels = static_cast<size_t>(layout.channels);
  for (size_t c = 0; c < channels; ++c) {
    const uint8_t* base = static_cast<const uint8_t*>(layout.interleaved ? src[0] : src[c]);
    const size_t stride = layout.interleaved ? bytes * channels : bytes;
    const size_t offset = layout.interleaved ? bytes * c : 0;
    for (size_t i = 0; i < frames; ++i) dst[c][i] = ReadSample(layout.format, base + offset + i * stride);
  }
}

void FromFloatPlanar(const BufferLayout& layout, const float* const* src, size_t frames, void* const* dst) {
  const size_t bytes = BytesPerSample(layout.format);
  const size_t channels = static_cast<size_t>(layout.channels);
  for (size_t c = 0; c < channels; ++c) {
    uint8_t* base = static_cast<uint8_t*>(layout.interleaved ? dst[0] : dst[c]);
    const size_t stride = layout.interleaved ? bytes * channels : bytes;
    const size_t offset = layout.interleaved ? bytes * c : 0;
    for (size_t i = 0; i < frames; ++i) WriteSample(layout.format, src[c][i], base + offset + i * stride);
  }
}

void MixChannels(const float* const* in, int in_channels, float* const* out, int out_channels, size_t frames) {
  if (in_channels == out_channels) {
    for (int c = 0; c < out_channels; ++c) std::copy_n(in[c], frames, out[c]);
  } else if (in_channels == 1) {
    for (int c = 0; c < out_channels; ++c) std::copy_n(in[0], frames, out[c]);
  } else if (out_channels == 1) {
    const float gain = 1.0f / static_cast<float>(in_channels);
    for (size_t i = 0; i < frames; ++i) {
      float sum = 0.0f;
      for (int c = 0; c < in_channels; ++c) sum += in[c][i];
      out[0][i] = gain * sum;
    }
  } else {
    for (int c = 0; c < out_channels; ++c) {
      if (c < in_channels) {
        std::copy_n(in[c], frames, out[c]);
      } else {
        std::fill_n(out[c], frames, 0.0f);
      }
    }
  }
}

}  // namespace hush::engine
