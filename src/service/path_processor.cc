// SPDX-License-Identifier: MIT
#include "service/path_processor.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hush::service {
namespace {

constexpr uint32_t kMaxPieceFrames = 4096;
constexpr double kFadeS = 0.010;  // crossfade between the branches: 10 ms, inaudible as a click
// After a reset the denoiser runs this long before it is heard again: its first
// latency's worth of output is silence and its noise estimate needs a few hops.
constexpr double kWarmUpS = 0.3;
// Telemetry smoothing: a one-pole average over about 50 blocks.
constexpr double kSmoothing = 0.02;

uint64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

PathProcessor::PathProcessor(const hush_model* model, uint32_t sample_rate_hz, uint32_t channels,
                             uint32_t max_block_frames)
    : sample_rate_hz_(sample_rate_hz),
      channels_(channels),
      max_piece_frames_(std::min(kMaxPieceFrames, std::max<uint32_t>(1, max_block_frames))),
      latency_frames_(0),
      fade_step_(1.0 / std::max(1.0, kFadeS * sample_rate_hz)) {
  if (channels < 1 || channels > 8) throw std::runtime_error("a path has 1 to 8 channels");
  hush_denoiser_config config;
  hush_denoiser_config_init(&config);
  config.sample_rate_hz = sample_rate_hz;
  config.channels = channels;
  config.max_block_frames = max_piece_frames_;
  const hush_status status = hush_denoiser_create(model, &config, &denoiser_);
  if (status != HUSH_OK) {
    throw std::runtime_error(std::string("cannot create the denoiser (") + std::to_string(sample_rate_hz) + " Hz, " +
                             std::to_string(channels) + " channels): " + hush_status_string(status));
  }
  hush_denoiser_latency_frames(denoiser_, &latency_frames_);
  delay_.assign(channels, std::vector<float>(std::max<uint32_t>(1, latency_frames_), 0.0f));
  wet_.assign(channels, std::vector<float>(max_piece_frames_, 0.0f));
  dry_.assign(channels, std::vector<float>(max_piece_frames_, 0.0f));
  zeros_.assign(1, std::vector<float>(max_piece_frames_, 0.0f));
  in_ptrs_.resize(channels);
  out_ptrs_.resize(channels);
}

PathProcessor::~PathProcessor() { hush_denoiser_destroy(denoiser_); }

void PathProcessor::Process(const float* const* in, float* const* out, uint32_t frames) {
  const uint64_t start_ns = NowNs();
  const bool want = want_suppressing_.load(std::memory_order_relaxed);
  const float atten = atten_limit_db_.load(std::memory_order_relaxed);
  if (atten != applied_atten_db_) {
    hush_denoiser_set_atten_limit_db(denoiser_, atten);
    applied_atten_db_ = atten;
  }
  const double block_s = static_cast<double>(frames) / sample_rate_hz_;
  if (degraded_) {
    degraded_for_s_ += block_s;
    if (degraded_for_s_ >= kRetryAfterS) {  // try the suppressor again, from a clean state
      degraded_ = false;
      overloaded_blocks_ = 0;
      reset_pending_ = true;
      warm_up_s_ = 0.0;
    }
  }
  // The denoiser runs when its output is (or will soon be) heard.
  const bool run_denoiser = want && !degraded_;
  if (!run_denoiser) denoiser_stopped_ = true;  // a stale state is reset before it is used again
  if (run_denoiser && denoiser_stopped_) {
    denoiser_stopped_ = false;
    reset_pending_ = true;
    warm_up_s_ = 0.0;
  }
  if (reset_pending_) {
    hush_denoiser_reset(denoiser_);
    reset_pending_ = false;
  }
  for (uint32_t done = 0; done < frames;) {
    const uint32_t n = std::min(max_piece_frames_, frames - done);
    for (uint32_t c = 0; c < channels_; ++c) {
      in_ptrs_[c] = (in != nullptr && in[c] != nullptr) ? in[c] + done : zeros_[0].data();
      out_ptrs_[c] = out[c] + done;
    }
    ProcessPiece(in_ptrs_.data(), out_ptrs_.data(), n, run_denoiser);
    done += n;
  }
  if (run_denoiser) warm_up_s_ += block_s;

  uint64_t cost_ns = NowNs() - start_ns;
  const uint64_t simulated = simulated_cost_ns_.load(std::memory_order_relaxed);
  if (simulated != 0) cost_ns = simulated;
  const double load = block_s > 0 ? static_cast<double>(cost_ns) * 1e-9 / block_s : 0.0;
  if (run_denoiser) {
    overloaded_blocks_ = load > kOverloadFraction ? overloaded_blocks_ + 1 : 0;
    if (overloaded_blocks_ >= kOverloadBlocks) {
      degraded_ = true;
      degraded_for_s_ = 0.0;
      t_degradations_.fetch_add(1, std::memory_order_relaxed);
    }
    const double us_per_hop = load * 10000.0;  // 10 ms of audio = 10,000 µs
    const double previous = t_cpu_us_per_hop_.load(std::memory_order_relaxed);
    t_cpu_us_per_hop_.store(previous == 0 ? us_per_hop : previous + kSmoothing * (us_per_hop - previous),
                            std::memory_order_relaxed);
  }
  const double previous_load = t_load_.load(std::memory_order_relaxed);
  t_load_.store(previous_load + kSmoothing * (load - previous_load), std::memory_order_relaxed);
  float voice = 0.0f;
  if (run_denoiser) hush_denoiser_voice_probability(denoiser_, &voice);
  t_voice_.store(voice, std::memory_order_relaxed);
  t_suppressing_.store(mix_ > 0.5, std::memory_order_relaxed);
  t_degraded_.store(degraded_, std::memory_order_relaxed);
  t_blocks_.fetch_add(1, std::memory_order_relaxed);
  t_frames_.fetch_add(frames, std::memory_order_relaxed);
  t_last_block_.store(frames, std::memory_order_relaxed);
}

void PathProcessor::ProcessPiece(const float* const* in, float* const* out, uint32_t frames, bool run_denoiser) {
  // Dry branch first (in may alias out): the input delayed by exactly the latency.
  const size_t length = delay_[0].size();
  for (uint32_t c = 0; c < channels_; ++c) {
    float* line = delay_[c].data();
    size_t pos = delay_pos_;
    for (uint32_t i = 0; i < frames; ++i) {
      const float x = in[c][i];
      if (latency_frames_ == 0) {
        dry_[c][i] = x;
      } else {
        dry_[c][i] = line[pos];
        line[pos] = x;
        if (++pos == length) pos = 0;
      }
    }
  }
  delay_pos_ = latency_frames_ == 0 ? 0 : (delay_pos_ + frames) % length;

  const bool wet_ready = run_denoiser && warm_up_s_ >= kWarmUpS;
  if (run_denoiser) {
    float* wet[8];
    for (uint32_t c = 0; c < channels_; ++c) wet[c] = wet_[c].data();
    hush_denoiser_process(denoiser_, in, wet, frames);
  }
  const double target = wet_ready ? 1.0 : 0.0;
  for (uint32_t i = 0; i < frames; ++i) {
    if (mix_ < target) mix_ = std::min(target, mix_ + fade_step_);
    if (mix_ > target) mix_ = std::max(target, mix_ - fade_step_);
    // An equal-gain (linear) fade: both branches are the same signal, in phase.
    const float w = static_cast<float>(mix_);
    for (uint32_t c = 0; c < channels_; ++c) {
      const float wet_sample = run_denoiser ? wet_[c][i] : 0.0f;
      out[c][i] = w * wet_sample + (1.0f - w) * dry_[c][i];
    }
  }
}

PathTelemetry PathProcessor::Telemetry() const {
  PathTelemetry t;
  t.suppressing = t_suppressing_.load(std::memory_order_relaxed);
  t.degraded = t_degraded_.load(std::memory_order_relaxed);
  t.degradations = t_degradations_.load(std::memory_order_relaxed);
  t.blocks = t_blocks_.load(std::memory_order_relaxed);
  t.frames = t_frames_.load(std::memory_order_relaxed);
  t.last_block_frames = t_last_block_.load(std::memory_order_relaxed);
  t.cpu_us_per_hop = t_cpu_us_per_hop_.load(std::memory_order_relaxed);
  t.load = t_load_.load(std::memory_order_relaxed);
  t.voice_probability = t_voice_.load(std::memory_order_relaxed);
  return t;
}

}  // namespace hush::service
