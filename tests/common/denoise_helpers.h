// SPDX-License-Identifier: MIT
// Drives a hush_denoiser over whole signals with chosen block sizes.
#ifndef HUSH_TESTS_COMMON_DENOISE_HELPERS_H
#define HUSH_TESTS_COMMON_DENOISE_HELPERS_H

#include <hush/hush.hpp>

#include <functional>
#include <vector>

namespace hush::test {

using Planar = std::vector<std::vector<float>>;

// Feeds `in` (plus `tail` frames of silence) through `d` in blocks whose lengths come
// from next_block(); returns everything the denoiser produced.
inline Planar RunBlocks(Denoiser& d, const Planar& in, size_t tail, const std::function<size_t()>& next_block) {
  const size_t channels = in.size();
  const size_t total = in[0].size() + tail;
  Planar padded(channels), out(channels, std::vector<float>(total, 0.0f));
  for (size_t c = 0; c < channels; ++c) {
    padded[c] = in[c];
    padded[c].resize(total, 0.0f);
  }
  std::vector<const float*> ip(channels);
  std::vector<float*> op(channels);
  size_t pos = 0;
  while (pos < total) {
    const size_t n = std::min(next_block(), total - pos);
    for (size_t c = 0; c < channels; ++c) {
      ip[c] = padded[c].data() + pos;
      op[c] = out[c].data() + pos;
    }
    if (d.Process(ip.data(), op.data(), n) != HUSH_OK) return {};
    pos += n;
  }
  return out;
}

inline hush_denoiser_config Config(uint32_t rate_hz, uint32_t channels, float atten_db = 30.0f,
                                   uint32_t max_block = 4096) {
  hush_denoiser_config c = DefaultConfig();
  c.sample_rate_hz = rate_hz;
  c.channels = channels;
  c.atten_limit_db = atten_db;
  c.max_block_frames = max_block;
  return c;
}

}  // namespace hush::test

#endif  // HUSH_TESTS_COMMON_DENOISE_HELPERS_H
