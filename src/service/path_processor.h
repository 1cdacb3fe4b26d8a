// SPDX-License-Identifier: MIT
// PathProcessor: what one path of the service (the microphone or the speaker) does to
// each block the sound server hands over, on the sound server's real-time thread:
//
//   in ─┬─► hush_denoiser (latency L) ──────────────┐
//       └─► delay line of L frames (the dry signal) ─┴─► crossfade ─► out
//
// Both branches lag the input by exactly L frames, so switching between them (the user
// turns suppression off, or the suppressor cannot keep up) is a 10 ms crossfade, never a
// jump in time or a click, and the latency the service reports never changes.
//
// Overload: every block's processing time is measured (CLOCK_MONOTONIC, a vDSO call).
// When it exceeds kOverloadFraction of the block's duration in kOverloadBlocks
// consecutive blocks, the path degrades: it crossfades to the dry branch and stops
// calling the denoiser (so it costs only a copy), counts it, and tries again after
// kRetryAfterS with a reset denoiser. The graph is never blocked.
//
// Threads: Process() from one real-time thread only; the setters and Telemetry() from
// any thread (atomics). Everything is allocated in Create().
#ifndef HUSH_SERVICE_PATH_PROCESSOR_H
#define HUSH_SERVICE_PATH_PROCESSOR_H

#include <hush/hush.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hush::service {

struct PathTelemetry {
  bool suppressing = false;     // the denoised branch is what comes out (after any fade)
  bool degraded = false;        // bypassed because the suppressor could not keep up
  uint64_t degradations = 0;    // times it had to bypass for overload
  uint64_t blocks = 0;          // blocks processed
  uint64_t frames = 0;          // frames processed
  uint32_t last_block_frames = 0;
  double cpu_us_per_hop = 0;    // processing time per 10 ms of audio, smoothed (µs)
  double load = 0;              // processing time / block duration, smoothed (0..1+)
  float voice_probability = 0;  // of the latest hop, 0..1
};

class PathProcessor {
 public:
  static constexpr double kOverloadFraction = 0.7;  // of the block's duration
  static constexpr int kOverloadBlocks = 3;         // consecutive, so one page fault is not an overload
  static constexpr double kRetryAfterS = 5.0;

  // Not RT-safe. max_block_frames: the largest block Process() will see (longer ones are
  // processed in pieces). Throws std::runtime_error with the library's message.
  PathProcessor(const hush_model* model, uint32_t sample_rate_hz, uint32_t channels, uint32_t max_block_frames);
  ~PathProcessor();
  PathProcessor(const PathProcessor&) = delete;
  PathProcessor& operator=(const PathProcessor&) = delete;

  // [RT-safe] in/out: `channels` planar pointers of `frames` samples; in == nullptr (or
  // in[c] == nullptr) means silence (the real device is gone). out may alias in.
  void Process(const float* const* in, float* const* out, uint32_t frames);

  // [RT-safe] [any thread] Take effect at the next block.
  void SetSuppressing(bool on) { want_suppressing_.store(on, std::memory_order_relaxed); }
  void SetAttenLimitDb(float db) { atten_limit_db_.store(db, std::memory_order_relaxed); }
  // [RT-safe] Test hook: pretend every block took this long (ns), 0 = measure.
  void SetSimulatedCostNs(uint64_t ns) { simulated_cost_ns_.store(ns, std::memory_order_relaxed); }

  uint32_t LatencyFrames() const { return latency_frames_; }
  uint32_t SampleRateHz() const { return sample_rate_hz_; }
  uint32_t Channels() const { return channels_; }
  PathTelemetry Telemetry() const;  // [RT-safe] [any thread]

 private:
  void ProcessPiece(const float* const* in, float* const* out, uint32_t frames, bool run_denoiser);

  uint32_t sample_rate_hz_, channels_, max_piece_frames_, latency_frames_;
  hush_denoiser* denoiser_ = nullptr;
  // Dry branch: a circular delay line of latency_frames_ per channel.
  std::vector<std::vector<float>> delay_;
  size_t delay_pos_ = 0;
  std::vector<std::vector<float>> wet_, dry_, zeros_;  // one piece per channel
  std::vector<const float*> in_ptrs_;
  std::vector<float*> out_ptrs_;
  // Crossfade position: 0 = dry, 1 = wet; moves by 1/fade_frames_ per frame.
  double mix_ = 0.0;  // starts dry: a new denoiser warms up first
  double fade_step_;
  float applied_atten_db_ = -1.0f;
  int overloaded_blocks_ = 0;
  bool degraded_ = false;
  double degraded_for_s_ = 0.0;
  bool reset_pending_ = false;
  bool denoiser_stopped_ = false;
  double warm_up_s_ = 0.0;  // how long the denoiser has run since its last reset

  std::atomic<bool> want_suppressing_{true};
  std::atomic<float> atten_limit_db_{30.0f};
  std::atomic<uint64_t> simulated_cost_ns_{0};
  // Telemetry (written by Process, read anywhere).
  std::atomic<bool> t_suppressing_{true}, t_degraded_{false};
  std::atomic<uint64_t> t_degradations_{0}, t_blocks_{0}, t_frames_{0};
  std::atomic<uint32_t> t_last_block_{0};
  std::atomic<double> t_cpu_us_per_hop_{0}, t_load_{0};
  std::atomic<float> t_voice_{0};
};

}  // namespace hush::service

#endif  // HUSH_SERVICE_PATH_PROCESSOR_H
