// SPDX-License-Identifier: MIT
#include "backends/sim/wavert_sim.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include "hush_driver/ring.h"

namespace hush::sim {

namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

int64_t MsToNs(double ms) { return static_cast<int64_t>(std::llround(ms * 1e6)); }

// The seed's naive circular buffer: writes always succeed and push the reader ahead
// (overwriting unread data); a read of a fixed size takes stale bytes when the writer is
// behind and runs past it. Both crossings are counted as overwritten bytes.
class NaiveRing {
 public:
  explicit NaiveRing(uint32_t capacity_bytes) : buffer_(capacity_bytes, 0) {}
  uint32_t Capacity() const { return static_cast<uint32_t>(buffer_.size()); }
  uint32_t Fill() const { return write_ > read_ ? static_cast<uint32_t>(write_ - read_) : 0; }

  void Write(const uint8_t* src, uint32_t bytes) {
    while (bytes > 0) {  // in pieces of at most the capacity
      const uint32_t n = std::min(bytes, Capacity());
      Copy(write_, src, n, /*into_ring=*/true);
      write_ += n;
      src += n;
      bytes -= n;
      if (write_ - read_ > static_cast<int64_t>(Capacity())) {
        overwritten_ += static_cast<uint64_t>(write_ - read_) - Capacity();
        read_ = write_ - Capacity();
      }
    }
  }
  uint32_t Read(uint8_t* dst, uint32_t max_bytes) {
    const uint32_t n = std::min(max_bytes, Fill());
    Copy(read_, dst, n, /*into_ring=*/false);
    read_ += n;
    return n;
  }
  // Always `bytes` (at most the capacity): real data, then whatever stale bytes follow.
  void ReadExact(uint8_t* dst, uint32_t bytes) {
    const uint32_t fill = Fill();
    if (bytes > fill) overwritten_ += bytes - fill;
    Copy(read_, dst, bytes, /*into_ring=*/false);
    read_ += bytes;
  }
  uint64_t Overwritten() const { return overwritten_; }

 private:
  void Copy(int64_t index, const uint8_t* src_or_dst, uint32_t n, bool into_ring) {
    uint8_t* other = const_cast<uint8_t*>(src_or_dst);
    const uint32_t cap = Capacity();
    uint32_t offset = static_cast<uint32_t>(((index % cap) + cap) % cap);
    uint32_t done = 0;
    while (done < n) {
      const uint32_t piece = std::min(n - done, cap - offset);
      if (into_ring) {
        std::memcpy(buffer_.data() + offset, other + done, piece);
      } else {
        std::memcpy(other + done, buffer_.data() + offset, piece);
      }
      done += piece;
      offset = 0;
    }
  }

  std::vector<uint8_t> buffer_;
  int64_t write_ = 0, read_ = 0;  // signed: a naive reader may run past the writer
  uint64_t overwritten_ = 0;
};

// One of the two rings behind the calls the driver and user mode make.
class SimRing {
 public:
  SimRing(bool naive, uint32_t capacity_bytes, uint32_t frame_bytes) {
    if (naive) {
      naive_ = std::make_unique<NaiveRing>(capacity_bytes);
      threshold_bytes_ = capacity_bytes;  // the seed signals only when full (or empty)
    } else {
      storage_.assign(capacity_bytes, 0);
      if (!frame_ring_.Init(storage_.data(), capacity_bytes, frame_bytes)) {
        throw std::invalid_argument("RunWaveRtSim: ring size");
      }
      threshold_bytes_ = frame_ring_.HalfFillBytes();
    }
  }
  uint32_t Capacity() const { return naive_ ? naive_->Capacity() : frame_ring_.CapacityBytes(); }
  uint32_t Fill() const { return naive_ ? naive_->Fill() : frame_ring_.FillBytes(); }
  uint32_t Threshold() const { return threshold_bytes_; }
  // Render: the consumer (user mode) should wake. Capture: the producer (user mode) should.
  bool ConsumerShouldWake() const { return Fill() >= threshold_bytes_; }
  bool ProducerShouldWake() const { return Capacity() - Fill() >= threshold_bytes_; }

  void Write(const uint8_t* src, uint32_t bytes) {
    if (naive_) {
      naive_->Write(src, bytes);
    } else {
      frame_ring_.Write(src, bytes);
    }
  }
  uint32_t Read(uint8_t* dst, uint32_t max_bytes) {
    return naive_ ? naive_->Read(dst, max_bytes) : frame_ring_.Read(dst, max_bytes);
  }
  void ReadExact(uint8_t* dst, uint32_t bytes) {
    if (naive_) {
      naive_->ReadExact(dst, bytes);
    } else {
      frame_ring_.ReadOrSilence(dst, bytes);
    }
  }
  uint64_t Overwritten() const { return naive_ ? naive_->Overwritten() : 0; }
  uint64_t Dropped() const { return naive_ ? 0 : frame_ring_.Counters().overflow_bytes; }

 private:
  std::unique_ptr<NaiveRing> naive_;
  std::vector<uint8_t> storage_;
  driver::FrameRing frame_ring_;
  uint32_t threshold_bytes_ = 0;
};

// Frame f of the test signal: counter f + 1 (never 0, so zero bytes are silence), its
// complement, then the counter again in the rest of the frame.
void MakeFrames(uint8_t* dst, uint64_t first_frame, uint64_t frames, uint32_t frame_bytes) {
  for (uint64_t i = 0; i < frames; ++i) {
    const uint32_t c = static_cast<uint32_t>(first_frame + i + 1);
    uint8_t* frame = dst + i * frame_bytes;
    std::memcpy(frame, &c, 4);
    for (uint32_t b = 4; b < frame_bytes; b += 4) {
      const uint32_t v = b == 4 ? ~c : c;
      std::memcpy(frame + b, &v, 4);
    }
  }
}

// The consumer's check of what it received, and the latency of each handover.
class StreamChecker {
 public:
  StreamChecker(uint32_t frame_bytes, uint32_t sample_rate_hz)
      : frame_bytes_(frame_bytes), sample_rate_hz_(sample_rate_hz) {}

  void Consume(const uint8_t* data, uint64_t frames, int64_t now_ns) {
    bool latency_taken = false;
    for (uint64_t i = 0; i < frames; ++i) {
      const uint8_t* frame = data + i * frame_bytes_;
      uint32_t c;
      std::memcpy(&c, frame, 4);
      bool silent = c == 0;
      bool torn = false;
      for (uint32_t b = 4; b < frame_bytes_; b += 4) {
        uint32_t v;
        std::memcpy(&v, frame + b, 4);
        if (v != 0) silent = false;
        torn |= v != (b == 4 ? ~c : c);
      }
      if (silent) {
        if (started_) {
          silence_bytes_ += frame_bytes_;
          in_silence_ = true;
        }
        continue;
      }
      ++frames_delivered_;
      if (!latency_taken) {
        // The frame's nominal time: when the position passed it (render) or the
        // microphone produced it (capture).
        const double frame_ns = static_cast<double>(c - 1) * 1e9 / sample_rate_hz_;
        const double age_ms = (static_cast<double>(now_ns) - frame_ns) / 1e6;
        latency_sum_ms_ += age_ms;
        latency_max_ms_ = std::max(latency_max_ms_, age_ms);
        ++latency_count_;
        latency_taken = true;
      }
      if (started_) {
        if (torn || c != last_ + 1 || in_silence_) ++discontinuities_;
      } else if (torn) {
        ++discontinuities_;
      }
      started_ = true;
      in_silence_ = false;
      last_ = c;
    }
  }

  bool Started() const { return started_; }
  void Fill(WaveRtSimResult* r) const {
    r->frames_delivered = frames_delivered_;
    r->discontinuities = discontinuities_;
    r->silence_bytes = silence_bytes_;
    r->latency_mean_ms = latency_count_ > 0 ? latency_sum_ms_ / static_cast<double>(latency_count_) : 0;
    r->latency_max_ms = latency_max_ms_;
  }

 private:
  uint32_t frame_bytes_;
  uint32_t sample_rate_hz_;
  bool started_ = false;
  bool in_silence_ = false;
  uint32_t last_ = 0;
  uint64_t frames_delivered_ = 0;
  uint64_t discontinuities_ = 0;
  uint64_t silence_bytes_ = 0;
  double latency_sum_ms_ = 0;
  double latency_max_ms_ = 0;
  uint64_t latency_count_ = 0;
};

void Validate(const WaveRtSimOptions& o) {
  if (o.sample_rate_hz < 8000 || o.sample_rate_hz > 192000) throw std::invalid_argument("RunWaveRtSim: rate");
  if (o.frame_bytes < 4 || o.frame_bytes > 64 || o.frame_bytes % 4 != 0) {
    throw std::invalid_argument("RunWaveRtSim: frame_bytes must be 4..64, a multiple of 4");
  }
  if (!(o.seconds > 0) || !(o.timer_period_ms > 0) || !(o.engine_period_ms > 0) ||
      !(o.engine_lead_ms >= o.engine_period_ms) || o.position_queries_per_ms < 0 || o.wake_delay_max_ms < 0.05 ||
      o.long_delay_min_ms > o.long_delay_max_ms || o.timer_late_max_ms < 0) {
    throw std::invalid_argument("RunWaveRtSim: timing options");
  }
}

uint32_t RingBytesFor(const WaveRtSimOptions& o) {
  if (o.ring_ms > 0) {
    const uint32_t bytes = driver::RingBytesForMs(o.sample_rate_hz, o.frame_bytes, o.ring_ms);
    if (bytes == 0) throw std::invalid_argument("RunWaveRtSim: ring_ms");
    return bytes;
  }
  switch (o.design) {
    case WaveRtDesign::kHush:
    case WaveRtDesign::kSeedSignalWhenFull:
      return driver::RingBytesForMs(o.sample_rate_hz, o.frame_bytes, driver::kRingMs);
    case WaveRtDesign::kSeedHugeRing:
      return (1u << 20) - (1u << 20) % o.frame_bytes;
    case WaveRtDesign::kSeedTinyRing:
      return driver::RingBytesForMs(o.sample_rate_hz, o.frame_bytes, 2);
  }
  return 0;
}

class Simulation {
 public:
  explicit Simulation(const WaveRtSimOptions& o)
      : o_(o),
        render_(o.direction == WaveRtDirection::kRender),
        ring_(o.design == WaveRtDesign::kSeedSignalWhenFull, RingBytesFor(o), o.frame_bytes),
        checker_(o.frame_bytes, o.sample_rate_hz),
        rng_(o.seed),
        unit_(0.0, 1.0) {
    cyclic_frames_ = static_cast<uint64_t>(std::ceil(4.0 * o.engine_period_ms * o.sample_rate_hz / 1000.0)) +
                     static_cast<uint64_t>(std::ceil(o.engine_lead_ms * o.sample_rate_hz / 1000.0));
    cyclic_.assign(cyclic_frames_ * o.frame_bytes, 0);
    // Room for the largest handover: a whole ring, or a second of microphone backlog.
    scratch_frames_ = std::max<uint64_t>(ring_.Capacity() / o.frame_bytes, o.sample_rate_hz);
    scratch_.assign(scratch_frames_ * o.frame_bytes, 0);
    end_ns_ = static_cast<int64_t>(o.seconds * 1e9);
    timer_period_ns_ = MsToNs(o.timer_period_ms);
    engine_period_ns_ = MsToNs(o.engine_period_ms);
    next_tick_nominal_ns_ = timer_period_ns_;
    next_tick_ns_ = next_tick_nominal_ns_ + TickDelay();
    next_pass_nominal_ns_ = engine_period_ns_;
    next_pass_ns_ = next_pass_nominal_ns_;
    next_query_ns_ = NextQuery(0);
    if (render_) {
      EngineRenderWrite();  // the engine's first pass, before the stream runs
    } else {
      // User mode primes the microphone ring with silence up to its wake threshold, so the
      // engine has a cushion, then wakes to write its first microphone data.
      const uint32_t prime = ring_.Capacity() - ring_.Threshold();
      std::fill(scratch_.begin(), scratch_.end(), 0);
      for (uint32_t done = 0; done < prime;) {
        const uint32_t n = std::min<uint32_t>(prime - done, static_cast<uint32_t>(scratch_.size()));
        ring_.Write(scratch_.data(), n);
        done += n;
      }
      next_wake_ns_ = 0;
    }
  }

  WaveRtSimResult Run() {
    for (;;) {
      const int64_t t = std::min({next_tick_ns_, next_pass_ns_, next_query_ns_, next_wake_ns_});
      if (t > end_ns_) break;
      if (t == next_wake_ns_) {
        next_wake_ns_ = kNever;
        UserWake(t);
      } else if (t == next_tick_ns_) {
        UpdatePosition(t);
        while (next_tick_nominal_ns_ <= t) next_tick_nominal_ns_ += timer_period_ns_;  // missed ticks coalesce
        next_tick_ns_ = next_tick_nominal_ns_ + TickDelay();
      } else if (t == next_pass_ns_) {
        UpdatePosition(t);
        if (render_) {
          EngineRenderWrite();
        } else {
          EngineCaptureRead(t);
        }
        next_pass_nominal_ns_ += engine_period_ns_;
        next_pass_ns_ = next_pass_nominal_ns_ + MsToNs(0.3 * unit_(rng_));  // MMCSS thread: small jitter
      } else {
        UpdatePosition(t);
        next_query_ns_ = NextQuery(t);
      }
    }
    WaveRtSimResult r;
    r.simulated_seconds = static_cast<double>(end_ns_) / 1e9;
    r.ring_bytes = ring_.Capacity();
    r.ring_ms = BytesToMs(ring_.Capacity());
    checker_.Fill(&r);
    r.overwritten_bytes = ring_.Overwritten();
    r.dropped_bytes = ring_.Dropped();
    r.max_fill_ms = BytesToMs(max_fill_bytes_);
    r.min_fill_ms = min_fill_bytes_ == std::numeric_limits<uint32_t>::max() ? 0 : BytesToMs(min_fill_bytes_);
    r.user_wakes = user_wakes_;
    r.long_delays = long_delays_;
    r.late_ticks = late_ticks_;
    r.max_update_frames = max_update_frames_;
    r.engine_glitches = engine_glitches_;
    return r;
  }

 private:
  double BytesToMs(uint64_t bytes) const {
    return static_cast<double>(bytes) / o_.frame_bytes * 1000.0 / o_.sample_rate_hz;
  }
  int64_t TickDelay() {
    if (unit_(rng_) < o_.timer_late_probability) {
      ++late_ticks_;
      return MsToNs(o_.timer_late_max_ms * unit_(rng_));
    }
    return MsToNs(0.02 * unit_(rng_));  // DPC latency of a timely tick
  }
  int64_t NextQuery(int64_t t) {
    if (o_.position_queries_per_ms <= 0) return kNever;
    const double gap_ms = -std::log(1.0 - unit_(rng_)) / o_.position_queries_per_ms;
    return t + std::max<int64_t>(1, MsToNs(gap_ms));
  }
  int64_t WakeDelay() {
    if (unit_(rng_) < o_.long_delay_probability) {
      ++long_delays_;
      return MsToNs(o_.long_delay_min_ms + (o_.long_delay_max_ms - o_.long_delay_min_ms) * unit_(rng_));
    }
    return MsToNs(0.05 + (o_.wake_delay_max_ms - 0.05) * unit_(rng_));
  }

  // The miniport's UpdatePosition: the position moves by the whole milliseconds elapsed
  // since the last update (computed from the absolute count, so 44.1 kHz carries its
  // fraction), and the frames it passed move between the cyclic buffer and the ring.
  void UpdatePosition(int64_t t) {
    const int64_t ms = t / kNsPerMs;
    if (ms <= position_ms_) return;
    position_ms_ = ms;
    const uint64_t new_position = static_cast<uint64_t>(ms) * o_.sample_rate_hz / 1000;
    const uint64_t frames = new_position - position_frames_;
    max_update_frames_ = std::max(max_update_frames_, frames);
    if (render_) {
      if (new_position > engine_frames_) ++engine_glitches_;  // the engine had not written them
      CyclicToRing(position_frames_, frames);
      max_fill_bytes_ = std::max(max_fill_bytes_, ring_.Fill());
    } else {
      if (new_position - engine_frames_ > cyclic_frames_) ++engine_glitches_;  // unread frames overwritten
      if (first_user_write_done_) min_fill_bytes_ = std::min(min_fill_bytes_, ring_.Fill());
      RingToCyclic(position_frames_, frames);
    }
    position_frames_ = new_position;
    const bool signal = render_ ? ring_.ConsumerShouldWake() : ring_.ProducerShouldWake();
    if (signal && next_wake_ns_ == kNever) next_wake_ns_ = t + WakeDelay();
  }

  // WriteBytes (render): cyclic buffer -> ring, in at most two pieces around its end.
  void CyclicToRing(uint64_t first_frame, uint64_t frames) {
    while (frames > 0) {
      const uint64_t offset = first_frame % cyclic_frames_;
      const uint64_t piece = std::min(frames, cyclic_frames_ - offset);
      ring_.Write(cyclic_.data() + offset * o_.frame_bytes, static_cast<uint32_t>(piece * o_.frame_bytes));
      first_frame += piece;
      frames -= piece;
    }
  }
  // ReadBytes (capture): ring -> cyclic buffer; a starved FrameRing gives silence.
  void RingToCyclic(uint64_t first_frame, uint64_t frames) {
    while (frames > 0) {
      const uint64_t offset = first_frame % cyclic_frames_;
      const uint64_t piece = std::min(frames, cyclic_frames_ - offset);
      ring_.ReadExact(cyclic_.data() + offset * o_.frame_bytes, static_cast<uint32_t>(piece * o_.frame_bytes));
      first_frame += piece;
      frames -= piece;
    }
  }

  // The audio engine's render pass: the app's audio, engine_lead_ms ahead of the position.
  void EngineRenderWrite() {
    const uint64_t target =
        position_frames_ + static_cast<uint64_t>(std::ceil(o_.engine_lead_ms * o_.sample_rate_hz / 1000.0));
    while (engine_frames_ < target) {
      const uint64_t offset = engine_frames_ % cyclic_frames_;
      const uint64_t piece = std::min(target - engine_frames_, cyclic_frames_ - offset);
      MakeFrames(cyclic_.data() + offset * o_.frame_bytes, engine_frames_, piece, o_.frame_bytes);
      engine_frames_ += piece;
    }
  }
  // The audio engine's capture pass: everything the position passed since the last one.
  void EngineCaptureRead(int64_t t) {
    while (engine_frames_ < position_frames_) {
      const uint64_t offset = engine_frames_ % cyclic_frames_;
      const uint64_t piece = std::min(position_frames_ - engine_frames_, cyclic_frames_ - offset);
      checker_.Consume(cyclic_.data() + offset * o_.frame_bytes, piece, t);
      engine_frames_ += piece;
    }
  }

  // The user-mode engine thread, woken by the signal (or, in capture, at start).
  void UserWake(int64_t t) {
    ++user_wakes_;
    if (render_) {
      for (;;) {
        const uint32_t got = ring_.Read(scratch_.data(), static_cast<uint32_t>(scratch_.size()));
        if (got == 0) break;
        checker_.Consume(scratch_.data(), got / o_.frame_bytes, t);
      }
    } else {
      // Everything the real microphone produced since the last wake; what does not fit
      // is dropped (a FrameRing counts it as overflow).
      const uint64_t produced = static_cast<uint64_t>(t) * o_.sample_rate_hz / 1'000'000'000;
      while (mic_frames_ < produced) {
        const uint64_t n = std::min(produced - mic_frames_, scratch_frames_);
        MakeFrames(scratch_.data(), mic_frames_, n, o_.frame_bytes);
        ring_.Write(scratch_.data(), static_cast<uint32_t>(n * o_.frame_bytes));
        mic_frames_ += n;
      }
      first_user_write_done_ = true;
    }
    // If the threshold still holds, the driver sets the event again at its next position
    // update (UpdatePosition), as a real driver does; the thread goes back to waiting.
  }

  WaveRtSimOptions o_;
  bool render_;
  SimRing ring_;
  StreamChecker checker_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_;
  std::vector<uint8_t> cyclic_;
  uint64_t cyclic_frames_ = 0;
  std::vector<uint8_t> scratch_;
  uint64_t scratch_frames_ = 0;
  int64_t end_ns_ = 0;
  int64_t timer_period_ns_ = 0, engine_period_ns_ = 0;
  int64_t next_tick_nominal_ns_ = 0, next_tick_ns_ = 0;
  int64_t next_pass_nominal_ns_ = 0, next_pass_ns_ = 0;
  int64_t next_query_ns_ = kNever;
  int64_t next_wake_ns_ = kNever;
  int64_t position_ms_ = 0;
  uint64_t position_frames_ = 0;  // the miniport's linear position
  uint64_t engine_frames_ = 0;    // render: written by the engine; capture: read by it
  uint64_t mic_frames_ = 0;       // capture: produced by the microphone and handed over
  bool first_user_write_done_ = false;
  uint32_t max_fill_bytes_ = 0;
  uint32_t min_fill_bytes_ = std::numeric_limits<uint32_t>::max();
  uint64_t user_wakes_ = 0, long_delays_ = 0, late_ticks_ = 0;
  uint64_t max_update_frames_ = 0;
  uint64_t engine_glitches_ = 0;
};

}  // namespace

const char* WaveRtDesignName(WaveRtDesign design) {
  switch (design) {
    case WaveRtDesign::kHush: return "hush";
    case WaveRtDesign::kSeedHugeRing: return "seed-1MiB";
    case WaveRtDesign::kSeedSignalWhenFull: return "seed-full-signal";
    case WaveRtDesign::kSeedTinyRing: return "seed-2ms";
  }
  return "unknown";
}

const char* WaveRtDirectionName(WaveRtDirection direction) {
  return direction == WaveRtDirection::kRender ? "render" : "capture";
}

WaveRtSimResult RunWaveRtSim(const WaveRtSimOptions& options) {
  Validate(options);
  Simulation simulation(options);
  return simulation.Run();
}

double WaveRtHeadroomMs(const WaveRtSimOptions& options, const WaveRtSimResult& result) {
  return options.direction == WaveRtDirection::kRender ? result.ring_ms - result.max_fill_ms : result.min_fill_ms;
}

std::string WaveRtTableHeader() {
  char line[256];
  std::snprintf(line, sizeof(line), "%-17s %6s %-8s %9s %10s %8s %8s %14s %12s %12s %12s", "design", "rate",
                "dir", "ring_ms", "lat_mean", "lat_max", "headroom", "discontinuity", "overwritten", "dropped",
                "silence");
  return line;
}

std::string WaveRtTableRow(const WaveRtSimOptions& o, const WaveRtSimResult& r) {
  char line[256];
  std::snprintf(line, sizeof(line), "%-17s %6u %-8s %9.1f %8.1fms %6.1fms %6.1fms %14llu %12llu %12llu %12llu",
                WaveRtDesignName(o.design), o.sample_rate_hz, WaveRtDirectionName(o.direction), r.ring_ms,
                r.latency_mean_ms, r.latency_max_ms, WaveRtHeadroomMs(o, r), static_cast<unsigned long long>(r.discontinuities),
                static_cast<unsigned long long>(r.overwritten_bytes), static_cast<unsigned long long>(r.dropped_bytes),
                static_cast<unsigned long long>(r.silence_bytes));
  return line;
}

}  // namespace hush::sim
