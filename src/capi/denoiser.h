// SPDX-License-Identifier: MIT
// The object behind hush_denoiser: adapts any sample rate and block size to the
// suppressor's 48 kHz, 480-frame hops, with a constant, reported latency.
//
//   in (rate R, any block) -> [resample R -> 48 kHz] -> FIFO -> hops -> FIFO
//     -> [resample 48 kHz -> R] -> out (same block length)
//
// The output FIFO starts with `prefill` frames of silence: just enough that every call
// can return as many frames as it was given, whatever the block size. That costs at most
// one hop (479 frames at 48 kHz) on top of the suppressor's own 480-frame delay.
//
// Threads: Process/Reset/VoiceProbabilities on one thread (the audio thread); the
// setters and VoiceProbability() from any thread (relaxed atomics, read once per hop).
#ifndef HUSH_CAPI_DENOISER_H
#define HUSH_CAPI_DENOISER_H

#include <hush/hush.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dsp/resampler.h"
#include "suppressor/suppressor.h"

namespace hush {

// Input samples are limited to this magnitude (60 dB over full scale): see Process().
inline constexpr float kMaxInputMagnitude = 1000.0f;

// Planar sample FIFO for up to 8 channels, with capacity fixed at construction.
class PlanarFifo {
 public:
  PlanarFifo(int channels, size_t capacity_frames);
  size_t Frames() const { return frames_; }
  size_t FreeFrames() const { return capacity_frames_ - frames_; }
  float* Data(int channel) { return data_[static_cast<size_t>(channel)].data(); }
  float* Tail(int channel) { return Data(channel) + frames_; }
  void Commit(size_t frames) { frames_ += frames; }
  void AppendZeros(size_t frames);
  void Consume(size_t frames);  // drops the oldest frames
  void Clear() { frames_ = 0; }

 private:
  std::vector<std::vector<float>> data_;
  size_t capacity_frames_;
  size_t frames_ = 0;
};

class Denoiser {
 public:
  // Throws std::invalid_argument for a config out of range, std::bad_alloc.
  Denoiser(std::shared_ptr<const SuppressorFactory> factory, const hush_denoiser_config& config);

  hush_status Process(const float* const* in, float* const* out, size_t frames);
  uint32_t LatencyFrames() const { return latency_frames_; }
  int Channels() const { return channels_; }
  void SetAttenLimitDb(float atten_limit_db) { atten_limit_db_.store(atten_limit_db, std::memory_order_relaxed); }
  void SetVadGate(float threshold, float hold_ms) {
    vad_threshold_.store(threshold, std::memory_order_relaxed);
    vad_hold_ms_.store(hold_ms, std::memory_order_relaxed);
  }
  float VoiceProbability() const { return voice_probability_.load(std::memory_order_relaxed); }
  size_t VoiceProbabilities(float* probabilities, size_t capacity) const;
  void Reset();

  // Times the output FIFO ran dry (a bug if ever non-zero: the prefill is sized so it
  // cannot happen). For tests.
  uint64_t UnderrunCount() const { return underruns_; }

 private:
  void RunHops();

  std::shared_ptr<const SuppressorFactory> factory_;  // keeps the model alive
  std::unique_ptr<Suppressor> suppressor_;
  int sample_rate_hz_;
  int channels_;
  size_t max_block_frames_;
  bool resampling_;
  std::vector<std::unique_ptr<dsp::Resampler>> to_internal_;    // R -> 48 kHz, per channel
  std::vector<std::unique_ptr<dsp::Resampler>> from_internal_;  // 48 kHz -> R
  size_t prefill_frames_;  // at 48 kHz
  uint32_t latency_frames_;
  PlanarFifo input_;   // 48 kHz, waiting for a full hop
  PlanarFifo output_;  // 48 kHz, processed
  std::vector<std::vector<float>> scratch_;  // sanitised copy of the caller's block
  std::vector<float> hop_probabilities_;
  size_t hop_count_ = 0;
  uint64_t underruns_ = 0;

  std::atomic<float> atten_limit_db_;
  std::atomic<float> vad_threshold_;
  std::atomic<float> vad_hold_ms_;
  std::atomic<float> voice_probability_{0.0f};
  static_assert(std::atomic<float>::is_always_lock_free, "setters must be lock-free");
};

}  // namespace hush

#endif  // HUSH_CAPI_DENOISER_H
