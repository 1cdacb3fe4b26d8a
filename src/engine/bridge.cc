// SPDX-License-Identifier: MIT
#include "engine/bridge.h"

#if !HUSH_PORTABLE_DSP
#include <samplerate.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>
#include <stdexcept>

namespace hush::engine {

namespace {

// Loop filter: two one-pole smoothers of 0.2 s on the fill, then PI with natural
// frequency 0.8 rad/s (0.13 Hz) and damping 1. A 1000 ppm offset then peaks at ~0.5 ms
// of latency error during lock-in and settles within ~5 s; ratio ripple from 1024-frame
// blocks stays below 5 ppm (FM sidebands under -90 dB).
constexpr double kSmoothingSeconds = 0.35;
constexpr double kLoopOmega = 0.6;
constexpr double kLoopDamping = 1.0;
// +-0.5 % (5,000 ppm): covers real clocks (< 1,000 ppm) with room for the loop to
// correct; larger jumps of the fill are re-centred instead of slewed (a 1 % ratio for
// seconds would be an audible 17-cent pitch shift).
constexpr double kMaxCorrection = 0.005;
constexpr double kRecentreAboveMs = 15.0;  // fill this far above target: re-centre
constexpr double kLockToleranceMs = 1.0;
constexpr double kLockHoldSeconds = 0.5;
constexpr double kFadeMs = 5.0;
constexpr double kDriftAverageSeconds = 10.0;
constexpr double kIntegrateWithinMs = 3.0;          // fades and crossfades: short, and click-free
#if HUSH_PORTABLE_DSP
// Comparable to SRC_SINC_FASTEST (80 % bandwidth, 97 dB): 32 zero crossings a side, a
// 96 dB stop band starting at Nyquist, passband to 0.81 of Nyquist (19.5 kHz at 48 kHz).
constexpr dsp::SincFilterSpec kDriftFilter{32, 96.0};
#endif

}  // namespace

Bridge::Bridge(const BridgeConfig& config)
    : config_(config),
      nominal_ratio_(static_cast<double>(config.producer_rate_hz) / config.consumer_rate_hz),
      target_frames_(static_cast<size_t>(config.target_latency_ms * config.producer_rate_hz / 1000.0)),
      ring_([&] {
        if (config.channels < 1 || config.channels > 8 || config.producer_rate_hz < 8000 ||
            config.producer_rate_hz > 192000 || config.consumer_rate_hz < 8000 || config.consumer_rate_hz > 192000 ||
            config.max_block_frames < 1 || config.target_latency_ms <= 0.0 ||
            config.ring_ms < 2.0 * config.target_latency_ms) {
          throw std::invalid_argument("BridgeConfig out of range");
        }
        return static_cast<size_t>(config.ring_ms * config.producer_rate_hz / 1000.0) * static_cast<size_t>(config.channels);
      }()) {
  const size_t channels = Channels();
  const size_t max_in = static_cast<size_t>(static_cast<double>(config.max_block_frames) * nominal_ratio_ * (1.0 + kMaxCorrection)) + 64;
  scratch_in_.assign(max_in * channels, 0.0f);
  scratch_out_.assign(config.max_block_frames * channels, 0.0f);
  const size_t fade = static_cast<size_t>(kFadeMs * config.consumer_rate_hz / 1000.0);
  crossfade_.assign(fade * channels, 0.0f);
  if (config.carry_audio) {
#if HUSH_PORTABLE_DSP
    // zero_delay: like libsamplerate, output starts at the first input frame (the fade-in
    // covers the stream's start; a causal resampler would put the onset, with its sinc
    // pre-ringing, W frames into the fade and click).
    resampler_ = std::make_unique<dsp::VariableResampler>(config.channels, nominal_ratio_, kMaxCorrection, kDriftFilter,
                                                          /*zero_delay=*/true);
#else
    int error = 0;
    resampler_ = reinterpret_cast<SRC_STATE_tag*>(src_new(SRC_SINC_FASTEST, config.channels, &error));
    if (resampler_ == nullptr) throw std::bad_alloc();
#endif
  }
}

#if HUSH_PORTABLE_DSP
Bridge::~Bridge() = default;
#else
Bridge::~Bridge() {
  if (resampler_ != nullptr) src_delete(reinterpret_cast<SRC_STATE*>(resampler_));
}
#endif

namespace {
double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void Bridge::Push(const float* const* in, size_t frames, double time_s) {
  const size_t channels = Channels();
  const double now = time_s >= 0.0 ? time_s : SteadySeconds();
  const size_t samples = frames * channels;
  if (ring_.WritableSize() < samples) {
    // Never overwrite unread data: drop this block, count it, ask the consumer to
    // re-centre (it will crossfade over the gap).
    ring_.CountOverrun();
    overrun_pending_.store(true, std::memory_order_release);
    return;
  }
  auto publish = [&] {
    last_push_frames_.store(frames, std::memory_order_relaxed);
    last_push_time_s_.store(now, std::memory_order_release);
  };
  if (!config_.carry_audio) {
    ring_.CommitWrite(samples);
    publish();
    return;
  }
  const RingRegions<float> regions = ring_.WriteRegions(samples);
  size_t i = 0;
  for (size_t f = 0; f < frames; ++f) {
    for (size_t c = 0; c < channels; ++c, ++i) {
      float* slot = i < regions.first_size ? regions.first + i : regions.second + (i - regions.first_size);
      *slot = in[c][f];
    }
  }
  ring_.CommitWrite(samples);
  publish();
}

void Bridge::UpdateLoop(double fill_frames, size_t frames) {
  const double dt = static_cast<double>(frames) / config_.consumer_rate_hz;
  const double a = 1.0 - std::exp(-dt / kSmoothingSeconds);
  if (!smoothing_started_) {
    smooth1_ = smooth2_ = fill_frames;
    smoothing_started_ = true;
  }
  smooth1_ += a * (fill_frames - smooth1_);
  smooth2_ += a * (smooth1_ - smooth2_);
  const double error = smooth2_ - static_cast<double>(target_frames_);
  // Gains per frame of error: the fill moves at rate_p * (drift - correction) frames/s.
  const double rate = config_.producer_rate_hz;
  const double kp = 2.0 * kLoopDamping * kLoopOmega / rate;
  const double ki = kLoopOmega * kLoopOmega / rate;
  // Integrate only small errors: drift moves the fill slowly (1000 ppm is 1 ms per
  // second), so a fill far from target means an xrun in the making, and integrating it
  // would wind the drift estimate up for seconds after the recovery.
  if (std::abs(error) * 1000.0 / rate < kIntegrateWithinMs) {
    integral_ = std::clamp(integral_ + ki * error * dt, -kMaxCorrection, kMaxCorrection);
  }
  correction_ = std::clamp(kp * error + integral_, -kMaxCorrection, kMaxCorrection);

  if (std::abs(error) * 1000.0 / rate < kLockToleranceMs) {
    lock_time_s_ += dt;
  } else {
    lock_time_s_ = 0.0;
  }
  // The integrator is the drift; callback jitter makes it wander by a few ppm, so the
  // reported estimate is its 10 s average.
  const double b = 1.0 - std::exp(-dt / kDriftAverageSeconds);
  drift_average_ = drift_started_ ? drift_average_ + b * (integral_ - drift_average_) : integral_;
  drift_started_ = true;
  fill_frames_.store(smooth2_, std::memory_order_relaxed);
  drift_ppm_.store(drift_average_ * 1e6, std::memory_order_relaxed);
  ratio_.store(1.0 + correction_, std::memory_order_relaxed);
  locked_.store(lock_time_s_ >= kLockHoldSeconds, std::memory_order_relaxed);
}

size_t Bridge::Resample(float* interleaved_out, size_t frames, double ratio) {
  const size_t channels = Channels();
  if (!config_.carry_audio) {
    consumed_fraction_ += static_cast<double>(frames) * ratio;
    const size_t whole = static_cast<size_t>(consumed_fraction_);
    const size_t available = ring_.ReadableSize() / channels;
    if (available < whole) {
      ring_.Skip(available * channels);
      consumed_fraction_ = 0.0;
      return static_cast<size_t>(static_cast<double>(available) / ratio);
    }
    ring_.Skip(whole * channels);
    consumed_fraction_ -= static_cast<double>(whole);
    std::fill_n(interleaved_out, frames * channels, 0.0f);
    return frames;
  }
#if !HUSH_PORTABLE_DSP
  SRC_STATE* src = reinterpret_cast<SRC_STATE*>(resampler_);
#endif
  size_t produced = 0;
  const size_t scratch_frames = scratch_in_.size() / channels;
  for (int attempt = 0; attempt < 4 && produced < frames; ++attempt) {
    const size_t wanted = std::min(scratch_frames, static_cast<size_t>(static_cast<double>(frames - produced) * ratio) + 8);
    const RingRegions<const float> regions = ring_.ReadRegions(wanted * channels);
    std::copy_n(regions.first, regions.first_size, scratch_in_.data());
    std::copy_n(regions.second, regions.second_size, scratch_in_.data() + regions.first_size);
#if HUSH_PORTABLE_DSP
    // Takes the input the output needs plus its W frames of look-ahead, which it holds
    // (as libsamplerate does): the same accounting as below counts them as latency.
    size_t used = 0, generated = 0;
    resampler_->Process(scratch_in_.data(), regions.Size() / channels, &used, interleaved_out + produced * channels,
                        frames - produced, &generated, ratio);
    ring_.CommitRead(used * channels);
    produced += generated;
    held_frames_ += static_cast<double>(used) - static_cast<double>(generated) * ratio;
    if (used == 0 && generated == 0) break;  // starved
#else
    SRC_DATA data{};
    data.data_in = scratch_in_.data();
    data.input_frames = static_cast<long>(regions.Size() / channels);
    data.data_out = interleaved_out + produced * channels;
    data.output_frames = static_cast<long>(frames - produced);
    data.src_ratio = 1.0 / ratio;  // libsamplerate's ratio is output / input
    data.end_of_input = 0;
    if (src_process(src, &data) != 0) break;
    ring_.CommitRead(static_cast<size_t>(data.input_frames_used) * channels);
    produced += static_cast<size_t>(data.output_frames_gen);
    // libsamplerate takes in more than it needs and keeps it: that input is still
    // latency, so the loop must count it.
    held_frames_ += static_cast<double>(data.input_frames_used) - static_cast<double>(data.output_frames_gen) * ratio;
    if (data.input_frames_used == 0 && data.output_frames_gen == 0) break;  // starved
#endif
  }
  return produced;
}

double Bridge::ProducerLagFrames(double now) const {
  // Frames of the producer's last block that, counted continuously, are not due yet.
  const double push_time = last_push_time_s_.load(std::memory_order_acquire);
  const double block = static_cast<double>(last_push_frames_.load(std::memory_order_relaxed));
  if (push_time < 0.0) return 0.0;
  // A late callback (its block is overdue) makes this negative: the device has those
  // frames, they just have not arrived. Bounded, in case a timestamp is wrong.
  return block - std::clamp((now - push_time) * config_.producer_rate_hz, 0.0, 4.0 * block);
}

size_t Bridge::StartFill(size_t frames, double now) const {
  // A late producer block makes the lag negative; never below the target itself.
  const double extra = std::max(0.0, static_cast<double>(frames) * nominal_ratio_ + ProducerLagFrames(now));
  return target_frames_ + static_cast<size_t>(extra) + 1;
}

void Bridge::Recentre(size_t frames, double now) {
  // Leave the target plus what this Pull is about to consume (the loop measures after
  // consumption) plus the not-yet-due part of the producer's last block (it measures the
  // producer's position continuously), so the loop starts with no error.
  const size_t channels = Channels();
  const size_t keep = StartFill(frames, now);
  const size_t fill = ring_.ReadableSize() / channels;
  if (fill > keep) ring_.Skip((fill - keep) * channels);
  smoothing_started_ = false;
  lock_time_s_ = 0.0;
  consumed_fraction_ = 0.0;
#if HUSH_PORTABLE_DSP
  if (config_.carry_audio) resampler_->Reset();
#else
  if (config_.carry_audio) src_reset(reinterpret_cast<SRC_STATE*>(resampler_));
#endif
  held_frames_ = 0.0;
}

void Bridge::Pull(float* const* out, size_t frames, double time_s) {
  const auto start = std::chrono::steady_clock::now();
  const double now = time_s >= 0.0 ? time_s : SteadySeconds();
  const size_t channels = Channels();
  frames = std::min(frames, config_.max_block_frames);
  float* y = scratch_out_.data();
  const size_t fade_frames = crossfade_.size() / channels;
  const size_t needed = StartFill(frames, now);

  if (state_ == State::kFilling && ring_.ReadableSize() / channels >= needed) {
    // (Re)start exactly at the target; the integrator keeps its drift estimate.
    Recentre(frames, now);
    state_ = State::kRunning;
    fade_in_remaining_ = fade_frames;
  }
  if (state_ == State::kFilling) {
    std::fill_n(y, frames * channels, 0.0f);
  } else {
    size_t crossfade = 0;
    // What the ring really holds beyond the target. A late producer block (negative lag)
    // counts for the loop below (the device has those frames), but not here: a capture
    // packet that arrives 25 ms late would otherwise look like 15 ms too much audio and
    // throw good audio away (seen with hush.exe under Wine, docs/windows/engine.md).
    const double excess_ms = (static_cast<double>(ring_.ReadableSize() / channels) + held_frames_ -
                              std::max(0.0, ProducerLagFrames(now)) - static_cast<double>(target_frames_) -
                              static_cast<double>(frames) * nominal_ratio_) *
                             1000.0 / config_.producer_rate_hz;
    // An overrun, or a fill far above target (the consumer stalled while the producer
    // kept going): jump back to the target instead of slewing for seconds.
    if (overrun_pending_.exchange(false, std::memory_order_acquire) || excess_ms > kRecentreAboveMs) {
      // The old stream's next few ms, then jump to the target and crossfade into it.
      crossfade = std::min(fade_frames, frames);
      Resample(crossfade_.data(), crossfade, nominal_ratio_ * (1.0 + correction_));
      Recentre(frames, now);
      recentres_.fetch_add(1, std::memory_order_relaxed);
    }
    const size_t produced = Resample(y, frames, nominal_ratio_ * (1.0 + correction_));
    // The fill as if the producer delivered continuously: its last block counts only
    // for the part of its period that has elapsed.
    UpdateLoop(static_cast<double>(ring_.ReadableSize() / channels) + held_frames_ - ProducerLagFrames(now), frames);
    for (size_t f = 0; f < crossfade; ++f) {
      const float w = static_cast<float>(f + 1) / static_cast<float>(crossfade + 1);
      for (size_t c = 0; c < channels; ++c) y[f * channels + c] = (1.0f - w) * crossfade_[f * channels + c] + w * y[f * channels + c];
    }
    if (produced < frames) {
      // Underrun: fade the last produced frames out, silence after, refill to target.
      const size_t fade = std::min(fade_frames, produced);
      for (size_t f = 0; f < fade; ++f) {
        const float w = static_cast<float>(fade - f) / static_cast<float>(fade + 1);
        for (size_t c = 0; c < channels; ++c) y[(produced - fade + f) * channels + c] *= w;
      }
      // After the data ends, let the last value decay over the fade length instead of
      // dropping to zero in one sample (which would click when little was produced).
      for (size_t c = 0; c < channels; ++c) {
        const float last = produced > 0 ? y[(produced - 1) * channels + c] : 0.0f;
        for (size_t f = produced; f < frames; ++f) {
          const size_t k = f - produced + 1;
          y[f * channels + c] = k < fade_frames ? last * (1.0f - static_cast<float>(k) / static_cast<float>(fade_frames)) : 0.0f;
        }
      }
      // The integrator wandered while the ring drained; its long-term average did not.
      integral_ = drift_average_;
      ring_.CountUnderrun();
      recentres_.fetch_add(1, std::memory_order_relaxed);
      state_ = State::kFilling;
    }
  }
  for (size_t f = 0; f < frames && fade_in_remaining_ > 0; ++f, --fade_in_remaining_) {
    const float w = 1.0f - static_cast<float>(fade_in_remaining_) / static_cast<float>(fade_frames + 1);
    for (size_t c = 0; c < channels; ++c) y[f * channels + c] *= w;
  }
  for (size_t c = 0; c < channels; ++c) {
    for (size_t f = 0; f < frames; ++f) out[c][f] = y[f * channels + c];
  }
  underruns_.store(ring_.Underruns(), std::memory_order_relaxed);
  pull_ns_.store(static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count()),
                 std::memory_order_relaxed);
}

BridgeTelemetry Bridge::Telemetry() const {
  BridgeTelemetry t;
  t.fill_frames = fill_frames_.load(std::memory_order_relaxed);
  t.latency_ms = t.fill_frames * 1000.0 / config_.producer_rate_hz;
  t.drift_ppm = drift_ppm_.load(std::memory_order_relaxed);
  t.ratio = ratio_.load(std::memory_order_relaxed);
  t.underruns = ring_.Underruns();
  t.overruns = ring_.Overruns();
  t.recentres = recentres_.load(std::memory_order_relaxed);
  t.locked = locked_.load(std::memory_order_relaxed);
  t.pull_ns = pull_ns_.load(std::memory_order_relaxed);
  return t;
}

}  // namespace hush::engine
