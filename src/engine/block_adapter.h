// SPDX-License-Identifier: MIT
// Turns a device's blocks of any size into fixed blocks (the suppressor's hop) and back,
// like Oboe's FixedBlockAdapter: Process() takes and returns `frames` frames in every
// call and runs the fixed-block callback as often as whole blocks are available.
// Output lags input by block_frames - 1 frames, the least that works for every block
// pattern. Planar float, channels and the largest device block fixed at construction;
// Process() is [RT-safe].
#ifndef HUSH_ENGINE_BLOCK_ADAPTER_H
#define HUSH_ENGINE_BLOCK_ADAPTER_H

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace hush::engine {

class BlockAdapter {
 public:
  BlockAdapter(int channels, size_t block_frames, size_t max_device_frames)
      : channels_(static_cast<size_t>(channels)),
        block_(block_frames),
        input_(channels_, std::vector<float>(block_frames + max_device_frames, 0.0f)),
        output_(channels_, std::vector<float>(2 * block_frames + max_device_frames, 0.0f)),
        max_device_frames_(max_device_frames) {
    if (channels < 1 || block_frames < 1 || max_device_frames < 1) throw std::invalid_argument("BlockAdapter");
    Reset();
  }

  size_t LatencyFrames() const { return block_ - 1; }

  // [RT-safe] in[c]/out[c]: `frames` (<= max_device_frames) samples; out may alias in.
  // `process_block(in_planar, out_planar)` gets pointers to block_frames per channel.
  template <typename ProcessBlock>
  bool Process(const float* const* in, float* const* out, size_t frames, ProcessBlock&& process_block) {
    if (frames > max_device_frames_) return false;
    for (size_t c = 0; c < channels_; ++c) std::copy_n(in[c], frames, input_[c].data() + in_fill_);
    in_fill_ += frames;
    const float* block_in[8];
    float* block_out[8];
    size_t offset = 0;
    while (in_fill_ - offset >= block_) {
      for (size_t c = 0; c < channels_ && c < 8; ++c) {
        block_in[c] = input_[c].data() + offset;
        block_out[c] = output_[c].data() + out_fill_;
      }
      process_block(block_in, block_out);
      out_fill_ += block_;
      offset += block_;
    }
    for (size_t c = 0; c < channels_; ++c) {
      std::memmove(input_[c].data(), input_[c].data() + offset, (in_fill_ - offset) * sizeof(float));
      std::copy_n(output_[c].data(), frames, out[c]);
      std::memmove(output_[c].data(), output_[c].data() + frames, (out_fill_ - frames) * sizeof(float));
    }
    in_fill_ -= offset;
    out_fill_ -= frames;
    return true;
  }

  // [RT-safe]
  void Reset() {
    in_fill_ = 0;
    out_fill_ = block_ - 1;  // the latency: silence first
    for (auto& channel : output_) std::fill(channel.begin(), channel.end(), 0.0f);
  }

 private:
  size_t channels_;
  size_t block_;
  std::vector<std::vector<float>> input_, output_;
  size_t max_device_frames_;
  size_t in_fill_ = 0, out_fill_ = 0;
};

}  // namespace hush::engine

#endif  // HUSH_ENGINE_BLOCK_ADAPTER_H
