// SPDX-License-Identifier: MIT
#include "backends/wasapi/denoise_path.h"

#include <algorithm>
#include <stdexcept>

namespace hush::wasapi {

DenoisePath::DenoisePath(const hush_model* model, const DenoisePathConfig& config) : config_(config) {
  auto rate_ok = [](int hz) { return hz >= 8000 && hz <= 192000; };
  if (config.channels < 1 || config.channels > 8 || !rate_ok(config.producer_rate_hz) ||
      !rate_ok(config.consumer_rate_hz)) {
    throw std::invalid_argument("DenoisePath: channels 1..8 and 8..192 kHz");
  }
  hush_denoiser_config dc;
  hush_denoiser_config_init(&dc);
  dc.sample_rate_hz = static_cast<uint32_t>(config.producer_rate_hz);
  dc.channels = static_cast<uint32_t>(config.channels);
  dc.max_block_frames = static_cast<uint32_t>(kMaxBlockFrames);
  dc.atten_limit_db = config.atten_limit_db;
  const hush_status status = hush_denoiser_create(model, &dc, &denoiser_);
  if (status != HUSH_OK) throw std::runtime_error(std::string("cannot create the denoiser: ") + hush_status_string(status));
  hush_denoiser_latency_frames(denoiser_, &latency_frames_);

  engine::BridgeConfig bc;
  bc.channels = config.channels;
  bc.producer_rate_hz = config.producer_rate_hz;
  bc.consumer_rate_hz = config.consumer_rate_hz;
  bc.max_block_frames = kMaxBlockFrames;
  bc.target_latency_ms = config.target_latency_ms;
  bc.ring_ms = config.ring_ms;
  try {
    bridge_ = std::make_unique<engine::Bridge>(bc);
  } catch (...) {
    hush_denoiser_destroy(denoiser_);
    throw;
  }
  scratch_.assign(static_cast<size_t>(config.channels), std::vector<float>(kMaxBlockFrames, 0.0f));
  push_piece_frames_ = std::max<size_t>(1, static_cast<size_t>(config.producer_rate_hz / 400));
  for (auto& s : scratch_) scratch_ptrs_.push_back(s.data());
}

DenoisePath::~DenoisePath() { hush_denoiser_destroy(denoiser_); }

void DenoisePath::OnCapture(const float* const* planar, size_t frames, double time_s) {
  frames = std::min(frames, kMaxBlockFrames);  // the endpoints never pass more; never copy past scratch
  if (hush_denoiser_process(denoiser_, planar, scratch_ptrs_.data(), frames) != HUSH_OK) {
    // Cannot happen with frames <= max_block_frames; if it does, pass the block dry
    // rather than leave a hole in time.
    errors_.fetch_add(1, std::memory_order_relaxed);
    for (size_t c = 0; c < scratch_.size(); ++c) std::copy_n(planar[c], frames, scratch_ptrs_[c]);
  }
  // Into the bridge in pieces of push_piece_frames_ (2.5 ms), each with its own end time,
  // so the bridge's continuous estimate of the producer's position follows the device
  // clock in small steps. (The pieces were first a workaround: the Bridge used to count
  // overdue frames of device-stamped packets as excess fill and re-centre, dropping
  // audio, when Wine delivered a packet 25 ms late; fixed in the Bridge since, and tested
  // by Bridge.BlocksStampedInThePastAreNotAnOverrun.)
  const double rate = static_cast<double>(config_.producer_rate_hz);
  for (size_t done = 0; done < frames;) {
    const size_t n = std::min(push_piece_frames_, frames - done);
    const float* piece[8];
    for (size_t c = 0; c < scratch_ptrs_.size(); ++c) piece[c] = scratch_ptrs_[c] + done;
    done += n;
    bridge_->Push(piece, n, time_s < 0.0 ? time_s : time_s - static_cast<double>(frames - done) / rate);
  }
  captured_.fetch_add(frames, std::memory_order_relaxed);
}

void DenoisePath::OnRender(float* const* planar, size_t frames, double time_s) {
  bridge_->Pull(planar, std::min(frames, kMaxBlockFrames), time_s);
  rendered_.fetch_add(frames, std::memory_order_relaxed);
}

void DenoisePath::SetAttenLimitDb(float db) { hush_denoiser_set_atten_limit_db(denoiser_, std::clamp(db, 0.0f, 100.0f)); }

DenoisePathTelemetry DenoisePath::Telemetry() const {
  DenoisePathTelemetry t;
  t.bridge = bridge_->Telemetry();
  t.captured_frames = captured_.load(std::memory_order_relaxed);
  t.rendered_frames = rendered_.load(std::memory_order_relaxed);
  t.denoise_errors = errors_.load(std::memory_order_relaxed);
  t.denoiser_latency_frames = latency_frames_;
  hush_denoiser_voice_probability(denoiser_, &t.voice_probability);
  return t;
}

}  // namespace hush::wasapi
