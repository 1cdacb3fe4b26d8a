// SPDX-License-Identifier: MIT
#include "backends/sim/drift_sim.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <vector>

#include "engine/bridge.h"

namespace hush::sim {

namespace {

// One device's callback schedule.
class Clock {
 public:
  Clock(const ClockSide& side, uint64_t seed) : side_(side), rng_(seed), jitter_(-side.jitter_ms, side.jitter_ms) {
    ScheduleNext();
  }
  double NextTime() const { return next_time_; }
  // Frames of the callback due at NextTime(), then moves to the next one.
  size_t Take() {
    const size_t frames = current_frames_;
    taken_nominal_time_ = nominal_time_;
    ScheduleNext();
    return frames;
  }
  // The device timestamp of the block Take() returned: when its last frame was due by
  // the device's own clock. Jitter moves the callback, not the timestamp.
  double TakenTimestamp() const { return taken_nominal_time_; }
  void AddPpm(double ppm) { side_.ppm += ppm; }
  void Delay(double seconds) { stall_until_ = nominal_time_ + seconds; }
  double StallUntil() const { return stall_until_; }
  int MaxBlock() const { return side_.block_frames > 0 ? side_.block_frames : side_.rate_hz / 1000 + 1; }

 private:
  void ScheduleNext() {
    if (side_.block_frames > 0) {
      current_frames_ = static_cast<size_t>(side_.block_frames);
    } else {
      // WaveRT: a 1 ms timer; each tick moves the frames due by then.
      const uint64_t due = (tick_ + 1) * static_cast<uint64_t>(side_.rate_hz) / 1000;
      const uint64_t done = tick_ * static_cast<uint64_t>(side_.rate_hz) / 1000;
      current_frames_ = static_cast<size_t>(due - done);
      ++tick_;
    }
    nominal_time_ += static_cast<double>(current_frames_) / (side_.rate_hz * (1.0 + side_.ppm * 1e-6));
    next_time_ = nominal_time_ + (side_.jitter_ms > 0 ? jitter_(rng_) * 1e-3 : 0.0);
  }

  ClockSide side_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> jitter_;
  double nominal_time_ = 0;
  double taken_nominal_time_ = 0;
  double next_time_ = 0;
  double stall_until_ = -1;
  size_t current_frames_ = 0;
  uint64_t tick_ = 0;
};

}  // namespace

DriftSimResult RunDriftSim(const DriftSimOptions& o) {
  engine::BridgeConfig config;
  config.channels = 1;
  config.producer_rate_hz = o.producer.rate_hz;
  config.consumer_rate_hz = o.consumer.rate_hz;
  Clock producer(o.producer, o.seed), consumer(o.consumer, o.seed + 1);
  config.max_block_frames = static_cast<size_t>(std::max(producer.MaxBlock(), consumer.MaxBlock()));
  config.target_latency_ms = o.target_latency_ms;
  config.ring_ms = 4.0 * o.target_latency_ms;
  config.carry_audio = o.carry_audio;
  engine::Bridge bridge(config);

  std::vector<float> in(config.max_block_frames), out(config.max_block_frames);
  std::vector<float> recorded;  // audio mode: consumer output after lock
  std::vector<uint8_t> near_event;
  size_t step_output_index = static_cast<size_t>(-1);  // audio mode: where the drift stepped
  const double amplitude = 0.5;
  uint64_t produced_frames = 0;
  bool step_done = false;
  DriftSimResult r;
  uint64_t xruns_at_lock = 0;
  double ppm_now = o.producer.ppm;

  auto in_event_window = [&](double t) {
    auto near = [&](double at, double length) { return at >= 0 && t >= at - 0.05 && t <= at + length + 2.0; };
    return near(o.stall_at_s, o.stall_ms * 1e-3) || near(o.storm_at_s, o.storm_seconds) || near(o.step_at_s, 0.0);
  };

  size_t producer_callbacks = 0;
  std::vector<float> backlog;  // a stalled producer's audio (simulation side, not RT)
  size_t backlog_frames = 0;
  while (true) {
    const double tp = producer.NextTime(), tc = consumer.NextTime();
    const double t = std::min(tp, tc);
    if (t > o.seconds) break;
    if (!step_done && o.step_at_s >= 0 && t >= o.step_at_s) {
      producer.AddPpm(o.step_ppm);
      ppm_now += o.step_ppm;
      step_done = true;
      step_output_index = recorded.size();
    }
    if (tp <= tc) {
      const size_t n = producer.Take();
      if (o.carry_audio) {
        for (size_t i = 0; i < n; ++i) {
          in[i] = static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * o.sine_hz *
                                                          static_cast<double>(produced_frames + i) / o.producer.rate_hz));
        }
      }
      produced_frames += n;
      ++producer_callbacks;
      const bool storm = o.storm_at_s >= 0 && t >= o.storm_at_s && t < o.storm_at_s + o.storm_seconds;
      const bool stalled = o.stall_producer && o.stall_at_s >= 0 && t >= o.stall_at_s && t < o.stall_at_s + o.stall_ms * 1e-3;
      const float* ip[1] = {in.data()};
      if (storm && producer_callbacks % 2 == 0) {
        // Underrun storm: every other block is lost.
      } else if (stalled) {
        // A stalled producer thread: the device keeps the audio and delivers it late.
        backlog.insert(backlog.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
        backlog_frames += n;
      } else {
        for (size_t pos = 0; pos < backlog_frames; pos += config.max_block_frames) {
          const float* bp[1] = {backlog.data() + (o.carry_audio ? pos : 0)};
          bridge.Push(o.carry_audio ? bp : ip, std::min(config.max_block_frames, backlog_frames - pos), producer.TakenTimestamp());
        }
        backlog.clear();
        backlog_frames = 0;
        bridge.Push(ip, n, producer.TakenTimestamp());
      }
    } else {
      const size_t n = consumer.Take();
      // A stalled consumer thread misses its callbacks (its device plays silence).
      if (!o.stall_producer && o.stall_at_s >= 0 && t >= o.stall_at_s && t < o.stall_at_s + o.stall_ms * 1e-3) continue;
      float* op[1] = {out.data()};
      bridge.Pull(op, n, consumer.TakenTimestamp());
      const engine::BridgeTelemetry tel = bridge.Telemetry();
      if (r.lock_time_s < 0 && tel.locked) {
        r.lock_time_s = t;
        xruns_at_lock = tel.underruns + tel.overruns;
      }
      if (r.lock_time_s >= 0) {
        const double error = std::abs(tel.latency_ms - o.target_latency_ms);
        r.max_latency_error_ms = std::max(r.max_latency_error_ms, error);
        r.final_latency_error_ms = error;
        if (o.carry_audio && recorded.size() < static_cast<size_t>(o.consumer.rate_hz) * 120) {
          recorded.insert(recorded.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
          near_event.insert(near_event.end(), n, in_event_window(t) ? 1 : 0);
        }
      }
    }
  }
  const engine::BridgeTelemetry tel = bridge.Telemetry();
  r.simulated_seconds = o.seconds;
  r.underruns = tel.underruns;
  r.overruns = tel.overruns;
  r.recentres = tel.recentres;
  r.xruns_after_lock = r.lock_time_s >= 0 ? tel.underruns + tel.overruns - xruns_at_lock : tel.underruns + tel.overruns;
  r.drift_estimate_ppm = tel.drift_ppm;
  r.true_drift_ppm = ((1.0 + ppm_now * 1e-6) / (1.0 + o.consumer.ppm * 1e-6) - 1.0) * 1e6;
  r.ppm_error = std::abs(r.drift_estimate_ppm - r.true_drift_ppm);

  if (o.carry_audio && recorded.size() > static_cast<size_t>(o.consumer.rate_hz) * 2) {
    // The sine as the consumer sees it: frequency scaled by the two actual clocks.
    // (Before a scripted drift step the producer ran at its first rate.)
    const double ppm_before = step_output_index != static_cast<size_t>(-1) ? ppm_now - o.step_ppm : ppm_now;
    auto cycles_per_frame_at = [&](size_t i) {
      const double ppm = i < step_output_index ? ppm_before : ppm_now;
      return o.sine_hz * (1.0 + ppm * 1e-6) / (o.consumer.rate_hz * (1.0 + o.consumer.ppm * 1e-6));
    };
    const double max_slope = 2.0 * std::numbers::pi * std::max(cycles_per_frame_at(0), cycles_per_frame_at(recorded.size())) * amplitude;
    double residual = 0, signal = 0;
    // 100 ms segments, each fitted with a tone of the expected frequency whose amplitude
    // and phase may drift to second order within the segment, as a tracking THD+N
    // analyser follows a tone (so a slowly gliding ratio is not counted as distortion);
    // measured from 10 s after lock, when the loop has settled.
    constexpr int kTerms = 6;
    const size_t segment = static_cast<size_t>(o.consumer.rate_hz) / 10;
    const size_t skip = std::min(recorded.size() / 2, static_cast<size_t>(o.consumer.rate_hz) * 10);
    for (size_t s = skip; s + segment <= recorded.size(); s += segment) {
      bool clean = !(s < step_output_index && step_output_index < s + segment);
      for (size_t i = s; i < s + segment; ++i) clean = clean && near_event[i] == 0;
      if (!clean) continue;
      const double cycles_per_frame = cycles_per_frame_at(s);
      auto basis_at = [&](size_t i, double* basis) {
        const double w = 2.0 * std::numbers::pi * cycles_per_frame * static_cast<double>(i);
        const double t = (static_cast<double>(i - s) - 0.5 * static_cast<double>(segment)) / static_cast<double>(segment);
        const double c = std::cos(w), sn = std::sin(w);
        const double terms[kTerms] = {c, sn, t * c, t * sn, t * t * c, t * t * sn};
        std::copy(terms, terms + kTerms, basis);
      };
      double m[kTerms][kTerms + 1] = {};
      double basis[kTerms];
      for (size_t i = s; i < s + segment; ++i) {
        basis_at(i, basis);
        for (int r2 = 0; r2 < kTerms; ++r2) {
          for (int c2 = 0; c2 < kTerms; ++c2) m[r2][c2] += basis[r2] * basis[c2];
          m[r2][kTerms] += basis[r2] * recorded[i];
        }
      }
      for (int p = 0; p < kTerms; ++p) {  // Gauss-Jordan; the normal equations are well conditioned
        for (int r2 = 0; r2 < kTerms; ++r2) {
          if (r2 == p) continue;
          const double f = m[r2][p] / m[p][p];
          for (int c2 = p; c2 <= kTerms; ++c2) m[r2][c2] -= f * m[p][c2];
        }
      }
      double coef[kTerms];
      for (int p = 0; p < kTerms; ++p) coef[p] = m[p][kTerms] / m[p][p];
      for (size_t i = s; i < s + segment; ++i) {
        basis_at(i, basis);
        double fit = 0.0;
        for (int p = 0; p < kTerms; ++p) fit += coef[p] * basis[p];
        residual += (recorded[i] - fit) * (recorded[i] - fit);
        signal += fit * fit;
      }
    }
    r.thdn_db = signal > 0 ? 10.0 * std::log10(residual / signal + 1e-30) : 0.0;
    for (size_t i = skip + 1; i < recorded.size(); ++i) {
      const double step = std::abs(static_cast<double>(recorded[i]) - recorded[i - 1]) / max_slope;
      r.max_step_ratio = std::max(r.max_step_ratio, step);
      if (near_event[i] == 0) r.max_step_ratio_steady = std::max(r.max_step_ratio_steady, step);
    }
  }
  return r;
}

std::string FormatSummary(const DriftSimOptions& o, const DriftSimResult& r) {
  char line[640];
  auto block = [](const ClockSide& s) { return s.block_frames > 0 ? std::to_string(s.block_frames) : std::string("1ms-chunks"); };
  if (!o.carry_audio) {
    std::snprintf(line, sizeof line,
                  "sim drift: %.2f h, %d->%d Hz, blocks %s->%s, drift %+.0f ppm, jitter %.2f/%.2f ms: lock %.2f s, "
                  "xruns after lock %llu, max latency error %.3f ms (final %.3f), ppm estimate error %.3f "
                  "(events: %llu underruns, %llu overruns, %llu recentres)",
                  o.seconds / 3600.0, o.producer.rate_hz, o.consumer.rate_hz, block(o.producer).c_str(),
                  block(o.consumer).c_str(), r.true_drift_ppm, o.producer.jitter_ms, o.consumer.jitter_ms, r.lock_time_s,
                  static_cast<unsigned long long>(r.xruns_after_lock), r.max_latency_error_ms, r.final_latency_error_ms,
                  r.ppm_error, static_cast<unsigned long long>(r.underruns), static_cast<unsigned long long>(r.overruns),
                  static_cast<unsigned long long>(r.recentres));
  } else {
    std::snprintf(line, sizeof line,
                  "sim drift (1 kHz sine, %.0f s): THD+N %.1f dB, max step %.3f x the sine's max slope (%.3f outside "
                  "scripted events), max latency error %.3f ms, xruns after lock %llu",
                  o.seconds, r.thdn_db, r.max_step_ratio, r.max_step_ratio_steady, r.max_latency_error_ms,
                  static_cast<unsigned long long>(r.xruns_after_lock));
  }
  return line;
}

}  // namespace hush::sim
