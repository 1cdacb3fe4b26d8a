// SPDX-License-Identifier: MIT
// Sample-format conversion between device buffers and the engine's planar float.
//
// Integer formats map full scale to [-1, 1): s16 divides by 2^15, s24 by 2^23, s32 by
// 2^31; float to integer rounds to nearest and clips. Round trips are exact for s16, s24
// (packed or in 32) and f32; s32 keeps 24 significant bits (float's mantissa) and f64
// keeps float precision — the engine works in float. All functions are [RT-safe].
#ifndef HUSH_ENGINE_SAMPLE_FORMAT_H
#define HUSH_ENGINE_SAMPLE_FORMAT_H

#include <cstddef>
#include <cstdint>

namespace hush::engine {

enum class SampleFormat {
  kS16,     // int16
  kS24,     // 24-bit packed, 3 bytes little-endian
  kS24In32, // 24-bit in the low bits of an int32 (sign-extended), as ALSA's S24_LE
  kS32,     // int32
  kF32,     // float
  kF64,     // double
};

size_t BytesPerSample(SampleFormat format);

// Device buffer layout: all channels of a frame together (interleaved) or one buffer per
// channel (planar).
struct BufferLayout {
  SampleFormat format = SampleFormat::kF32;
  int channels = 1;
  bool interleaved = true;
};

// src: interleaved -> src[0] holds frames*channels samples; planar -> src[c] per channel.
// dst[c]: `frames` floats per channel.
void ToFloatPlanar(const BufferLayout& layout, const void* const* src, size_t frames, float* const* dst);
void FromFloatPlanar(const BufferLayout& layout, const float* const* src, size_t frames, void* const* dst);

// Channel mixing with defined gains (planar float, in and out distinct):
//   same count: copy;  mono -> N: the mono signal on every channel (gain 1);
//   N -> mono: the mean of all channels (gain 1/N, so a correlated signal keeps its level);
//   otherwise: channel i -> i for i < min(N, M); extra outputs are silent and extra
//   inputs are dropped (a device's channel map decides more; the engine does not guess).
void MixChannels(const float* const* in, int in_channels, float* const* out, int out_channels, size_t frames);

}  // namespace hush::engine

#endif  // HUSH_ENGINE_SAMPLE_FORMAT_H
