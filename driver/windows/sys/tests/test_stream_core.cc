// SPDX-License-Identifier: MIT
// StreamCore (driver/windows/sys/stream_core.h), the exact code hush.sys runs at each
// WaveRT position update, run natively: the frame clock, the cyclic-buffer <-> ring copy,
// notifications, and an hour of simulated jittered updates at 44.1 and 48 kHz in both
// directions with zero discontinuities and zero overwritten/dropped bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "hush_driver/ring.h"
#include "stream_core.h"

namespace hush::km {
namespace {

using driver::FrameRing;

constexpr uint64_t kQpcHz = 10'000'000;  // KeQueryPerformanceCounter's usual frequency
constexpr uint64_t kTicksPerMs = kQpcHz / 1000;

// Frame k of a test stream: its first 4 bytes hold k + 1 (never 0, so silence is
// distinguishable), the rest a byte pattern of k. Any gap, repeat, torn or shifted frame
// changes what the checker reads.
void FillFrame(uint8_t* dst, uint32_t frame_bytes, uint64_t k) {
  const uint32_t tag = static_cast<uint32_t>(k + 1);
  std::memcpy(dst, &tag, 4);
  for (uint32_t i = 4; i < frame_bytes; ++i) dst[i] = static_cast<uint8_t>(k * 31 + i);
}
bool FrameIs(const uint8_t* src, uint32_t frame_bytes, uint64_t k) {
  uint32_t tag;
  std::memcpy(&tag, src, 4);
  if (tag != static_cast<uint32_t>(k + 1)) return false;
  for (uint32_t i = 4; i < frame_bytes; ++i) {
    if (src[i] != static_cast<uint8_t>(k * 31 + i)) return false;
  }
  return true;
}
bool FrameIsSilence(const uint8_t* src, uint32_t frame_bytes) {
  return std::all_of(src, src + frame_bytes, [](uint8_t b) { return b == 0; });
}

TEST(StreamCoreClock, CarriesTheFractionSo44100FramesMakeOneSecond) {
  std::vector<uint8_t> buffer(4410 * 8);
  FrameRing ring;
  std::vector<uint8_t> storage(1 << 20);
  ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), 8));
  StreamCore core;
  ASSERT_TRUE(core.Configure(true, 44100, 8, kQpcHz));
  ASSERT_TRUE(core.Attach(buffer.data(), static_cast<uint32_t>(buffer.size()), 0));
  uint64_t total = 0;
  for (int ms = 0; ms < 1000; ++ms) {
    const StreamStep step = core.Advance(kTicksPerMs, &ring);
    // 44.1 frames per ms: each update moves 44 or 45, never 0 or 46.
    ASSERT_TRUE(step.frames == 44 || step.frames == 45) << "ms " << ms << ": " << step.frames;
    total += step.frames;
  }
  EXPECT_EQ(total, 44100u);  // without the carry it would be 44000
  EXPECT_EQ(core.LinearBytes(), 44100u * 8);
}

TEST(StreamCoreClock, AnySplitOfTheTimeGivesTheExactFrameCount) {
  std::mt19937_64 rng(7);
  for (uint64_t qpc_hz : {kQpcHz, uint64_t{3'579'545}, uint64_t{24'000'000}}) {
    for (uint32_t rate : {44100u, 48000u}) {
      std::vector<uint8_t> buffer(rate / 10 * 4);
      std::vector<uint8_t> storage(1 << 22);
      FrameRing ring;
      ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), 4));
      StreamCore core;
      ASSERT_TRUE(core.Configure(true, rate, 4, qpc_hz));
      ASSERT_TRUE(core.Attach(buffer.data(), static_cast<uint32_t>(buffer.size()), 0));
      uint64_t ticks = 0;
      uint64_t frames = 0;
      std::uniform_int_distribution<uint64_t> step(0, qpc_hz / 50);  // 0..20 ms
      while (ticks < 30 * qpc_hz) {
        const uint64_t t = step(rng);
        ticks += t;
        frames += core.Advance(t, &ring).frames;
        ring.DiscardUnread();
      }
      // Exact: floor(total ticks x rate / frequency), whatever the split.
      EXPECT_EQ(frames, ticks * rate / qpc_hz) << "qpc " << qpc_hz << " rate " << rate;
    }
  }
}

TEST(StreamCoreBuffer, GrantedSizeIsWholeFramesBetweenOneFrameAndOneSecond) {
  EXPECT_EQ(StreamCore::GrantedBufferBytes(3840, 8, 48000), 3840u);
  EXPECT_EQ(StreamCore::GrantedBufferBytes(3843, 8, 48000), 3840u);       // rounded down to frames
  EXPECT_EQ(StreamCore::GrantedBufferBytes(0, 8, 48000), 8u);             // at least one frame
  EXPECT_EQ(StreamCore::GrantedBufferBytes(5, 8, 48000), 8u);
  EXPECT_EQ(StreamCore::GrantedBufferBytes(1u << 30, 8, 48000), 384000u);  // at most 1 s
  EXPECT_EQ(StreamCore::GrantedBufferBytes(1u << 30, 6, 44100), 264600u);
  EXPECT_EQ(StreamCore::GrantedBufferBytes(100, 0, 48000), 0u);
  EXPECT_EQ(StreamCore::GrantedBufferBytes(100, 8, 0), 0u);
}

TEST(StreamCoreBuffer, AttachRefusesPartialFramesAndNull) {
  std::vector<uint8_t> buffer(64);
  StreamCore core;
  ASSERT_TRUE(core.Configure(true, 48000, 8, kQpcHz));
  EXPECT_FALSE(core.Attach(nullptr, 64, 0));
  EXPECT_FALSE(core.Attach(buffer.data(), 60, 0));
  EXPECT_FALSE(core.Attach(buffer.data(), 0, 0));
  EXPECT_FALSE(core.HasBuffer());
  EXPECT_TRUE(core.Attach(buffer.data(), 64, 0));
  EXPECT_FALSE(core.Configure(true, 0, 8, kQpcHz));
}

// A 7-frame buffer at 1000 Hz: one frame per ms, so each step's size is exact and the
// copies cross the buffer's end in every possible place.
TEST(StreamCoreCopy, RenderCopiesInOrderAcrossTheBufferEnd) {
  constexpr uint32_t kFrame = 6;
  std::vector<uint8_t> buffer(7 * kFrame);
  std::vector<uint8_t> storage(100 * kFrame);
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), kFrame));
  StreamCore core;
  ASSERT_TRUE(core.Configure(true, 1000, kFrame, kQpcHz));
  ASSERT_TRUE(core.Attach(buffer.data(), static_cast<uint32_t>(buffer.size()), 0));
  uint64_t engine_written = 0;  // the "audio engine" keeps the whole buffer ahead filled
  auto engine_fill = [&] {
    const uint64_t upto = core.LinearBytes() / kFrame + 7;
    for (; engine_written < upto; ++engine_written) FillFrame(&buffer[(engine_written % 7) * kFrame], kFrame, engine_written);
  };
  engine_fill();
  uint64_t expected = 0;
  const uint64_t steps_ms[] = {1, 3, 5, 2, 7, 6, 4, 1, 1, 5, 3};
  for (uint64_t ms : steps_ms) {
    const StreamStep step = core.Advance(ms * kTicksPerMs, &ring);
    ASSERT_EQ(step.frames, ms);
    std::vector<uint8_t> got(ms * kFrame);
    ASSERT_EQ(ring.Read(got.data(), static_cast<uint32_t>(got.size())), got.size());
    for (uint64_t i = 0; i < ms; ++i) ASSERT_TRUE(FrameIs(&got[i * kFrame], kFrame, expected++)) << "frame " << expected - 1;
    engine_fill();
  }
  EXPECT_EQ(core.OffsetBytes(), (expected % 7) * kFrame);
  EXPECT_EQ(ring.Counters().overflow_bytes, 0u);
}

TEST(StreamCoreCopy, RenderIntoAFullRingDropsTheNewAudioNotTheUnread) {
  constexpr uint32_t kFrame = 4;
  std::vector<uint8_t> buffer(10 * kFrame);
  for (uint64_t k = 0; k < 10; ++k) FillFrame(&buffer[k * kFrame], kFrame, k);
  std::vector<uint8_t> storage(4 * kFrame);  // room for 4 frames
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), kFrame));
  StreamCore core;
  ASSERT_TRUE(core.Configure(true, 1000, kFrame, kQpcHz));
  ASSERT_TRUE(core.Attach(buffer.data(), static_cast<uint32_t>(buffer.size()), 0));
  EXPECT_EQ(core.Advance(6 * kTicksPerMs, &ring).frames, 6u);  // 6 due, 4 fit
  EXPECT_EQ(ring.Counters().overflow_bytes, 2u * kFrame);
  std::vector<uint8_t> got(4 * kFrame);
  ASSERT_EQ(ring.Read(got.data(), static_cast<uint32_t>(got.size())), got.size());
  for (uint64_t k = 0; k < 4; ++k) EXPECT_TRUE(FrameIs(&got[k * kFrame], kFrame, k)) << "unread frame " << k << " was overwritten";
  EXPECT_EQ(core.LinearBytes(), 6u * kFrame) << "the position follows the clock even when the ring is full";
}

TEST(StreamCoreCopy, CaptureGetsSilenceNotStaleAudioWhenStarved) {
  constexpr uint32_t kFrame = 4;
  std::vector<uint8_t> buffer(8 * kFrame, 0xAB);  // stale garbage in the cyclic buffer
  std::vector<uint8_t> storage(16 * kFrame);
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), kFrame));
  std::vector<uint8_t> mic(3 * kFrame);
  for (uint64_t k = 0; k < 3; ++k) FillFrame(&mic[k * kFrame], kFrame, k);
  ASSERT_EQ(ring.Write(mic.data(), static_cast<uint32_t>(mic.size())), mic.size());
  StreamCore core;
  ASSERT_TRUE(core.Configure(false, 1000, kFrame, kQpcHz));
  ASSERT_TRUE(core.Attach(buffer.data(), static_cast<uint32_t>(buffer.size()), 0));
  EXPECT_EQ(core.Advance(5 * kTicksPerMs, &ring).frames, 5u);
  for (uint64_t k = 0; k < 3; ++k) EXPECT_TRUE(FrameIs(&buffer[k * kFrame], kFrame, k));
  for (uint64_t k = 3; k < 5; ++k) EXPECT_TRUE(FrameIsSilence(&buffer[k * kFrame], kFrame)) << "frame " << k;
  EXPECT_EQ(buffer[5 * kFrame], 0xAB) << "beyond the position nothing is touched";
  EXPECT_EQ(ring.Counters().underflow_bytes, 2u * kFrame);
  EXPECT_EQ(ring.Counters().underflow_events, 1u);
}

TEST(StreamCoreCopy, AStepLongerThanTheBufferMovesOnlyTheLastBuffer) {
  constexpr uint32_t kFrame = 4;
  std::vector<uint8_t> buffer(10 * kFrame);
  std::vector<uint8_t> storage(100 * kFrame);
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), kFrame));
  StreamCore core;
  ASSERT_TRUE(core.Configure(true, 1000, kFrame, kQpcHz));
  ASSERT_TRUE(core.Attach(buffer.data(), static_cast<uint32_t>(buffer.size()), 0));
  const StreamStep step = core.Advance(25 * kTicksPerMs, &ring);  // a 25 ms stall
  EXPECT_EQ(step.frames, 25u);
  EXPECT_EQ(step.late_frames, 15u);
  EXPECT_EQ(ring.FillBytes(), 10u * kFrame);
  EXPECT_EQ(core.OffsetBytes(), 5u * kFrame);
}

TEST(StreamCoreNotify, TwoEventsPerBufferAtTheHalves) {
  constexpr uint32_t kFrame = 8;
  std::vector<uint8_t> buffer(480 * kFrame);  // 10 ms at 48 kHz
  std::vector<uint8_t> storage(1 << 16);
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), kFrame));
  StreamCore core;
  ASSERT_TRUE(core.Configure(true, 48000, kFrame, kQpcHz));
  ASSERT_TRUE(core.Attach(buffer.data(), static_cast<uint32_t>(buffer.size()), 2));
  int events = 0;
  for (int ms = 1; ms <= 1000; ++ms) {
    const StreamStep step = core.Advance(kTicksPerMs, &ring);
    ring.DiscardUnread();
    if (step.notify) {
      ++events;
      EXPECT_EQ(ms % 5, 0) << "an event away from a half-buffer boundary";
    }
  }
  EXPECT_EQ(events, 200);  // 100 buffers x 2
}

// ---- an hour of jittered position updates against the real ring ----

struct SimResult {
  uint64_t frames_checked = 0;
  uint64_t discontinuities = 0;
  uint64_t silence_frames = 0;
  uint64_t max_step_frames = 0;
  driver::RingCounters counters{};
};

// The update schedule: the 1 ms timer DPC, usually on time, sometimes late (up to 8 ms,
// which makes the next update move up to 9 ms at once), plus GetPosition queries at
// random moments in between. The back door's client is woken when the ring crosses its
// threshold and runs after a delay (usually under 1 ms, sometimes up to 8 ms): together
// within the 40 ms ring's budget of half + largest chunk + wake-up delay.
class Schedule {
 public:
  explicit Schedule(uint64_t seed) : rng_(seed) {}
  uint64_t TimerLateTicks() {
    const double u = uni_(rng_);
    if (u < 0.002) return static_cast<uint64_t>(uni_(rng_) * 8.0 * kTicksPerMs);  // late DPC
    return static_cast<uint64_t>(uni_(rng_) * 0.2 * kTicksPerMs);
  }
  bool QueryBetween() { return uni_(rng_) < 0.3; }
  uint64_t Fraction(uint64_t span) { return static_cast<uint64_t>(uni_(rng_) * static_cast<double>(span)); }
  uint64_t WakeDelayTicks() {
    const double u = uni_(rng_);
    if (u < 0.02) return static_cast<uint64_t>((1.0 + uni_(rng_) * 7.0) * kTicksPerMs);
    return static_cast<uint64_t>(uni_(rng_) * 1.0 * kTicksPerMs);
  }

 private:
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uni_{0.0, 1.0};
};

SimResult RunHour(bool render, uint32_t rate, uint32_t ring_ms, double seconds, uint64_t seed) {
  constexpr uint32_t kFrame = 8;  // stereo float32
  SimResult r;
  const uint32_t buffer_frames = rate / 100;  // the engine's 10 ms WaveRT buffer
  std::vector<uint8_t> buffer(static_cast<size_t>(buffer_frames) * kFrame);
  std::vector<uint8_t> storage(driver::RingBytesForMs(rate, kFrame, ring_ms));
  FrameRing ring;
  if (!ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), kFrame)) return r;
  StreamCore core;
  core.Configure(render, rate, kFrame, kQpcHz);
  core.Attach(buffer.data(), static_cast<uint32_t>(buffer.size()), 2);
  Schedule sched(seed);

  uint64_t engine_frames = 0;  // render: frames the engine has written; capture: read
  uint64_t client_frames = 0;  // render: frames the client has read; capture: written
  std::vector<uint8_t> scratch(storage.size());
  auto check = [&](const uint8_t* frame) {
    const uint64_t want = render ? client_frames : engine_frames;
    if (FrameIsSilence(frame, kFrame)) {
      ++r.silence_frames;
      return false;
    }
    if (!FrameIs(frame, kFrame, want)) {
      ++r.discontinuities;
      uint32_t tag;
      std::memcpy(&tag, frame, 4);
      // Resynchronise on what arrived, so one gap counts once.
      if (render) client_frames = tag; else engine_frames = tag;
      return true;
    }
    ++r.frames_checked;
    if (render) ++client_frames; else ++engine_frames;
    return true;
  };
  auto engine = [&] {  // render: the audio engine keeps the whole buffer ahead of the position filled
    const uint64_t position = core.LinearBytes() / kFrame;
    for (; engine_frames < position + buffer_frames; ++engine_frames) {
      FillFrame(&buffer[(engine_frames % buffer_frames) * kFrame], kFrame, engine_frames);
    }
  };
  uint64_t capture_read = 0;  // capture: frames of the cyclic buffer the engine has read
  auto engine_capture = [&] {  // capture: the audio engine reads what the position passed
    const uint64_t position = core.LinearBytes() / kFrame;
    for (; capture_read < position; ++capture_read) check(&buffer[(capture_read % buffer_frames) * kFrame]);
  };
  auto client = [&] {  // the back door's client (hush.exe)
    if (render) {
      const uint32_t got = ring.Read(scratch.data(), ring.FillBytes());
      for (uint32_t off = 0; off < got; off += kFrame) check(&scratch[off]);
    } else {
      const uint32_t space = ring.FreeBytes();
      for (uint32_t off = 0; off < space; off += kFrame) FillFrame(&scratch[off], kFrame, client_frames++);
      ring.Write(scratch.data(), space);
    }
  };
  auto ready = [&] { return render ? ring.ConsumerShouldWake() : ring.ProducerShouldWake(); };

  if (render) engine();
  if (!render) client();  // the client primes the mic ring before the stream runs
  const uint64_t end = static_cast<uint64_t>(seconds * static_cast<double>(kQpcHz));
  uint64_t last_update = 0;
  uint64_t wake_at = UINT64_MAX;  // when the woken client runs
  auto update = [&](uint64_t t) {
    if (t <= last_update) return;
    const StreamStep step = core.Advance(t - last_update, &ring);
    last_update = t;
    r.max_step_frames = std::max(r.max_step_frames, step.frames);
    if (render) engine(); else engine_capture();
    if (wake_at == UINT64_MAX && ready()) wake_at = t + sched.WakeDelayTicks();
  };
  auto run_client_until = [&](uint64_t t) {
    while (wake_at <= t) {
      client();
      // The client queues its next wait: completed at once if the condition holds.
      wake_at = ready() ? wake_at + sched.WakeDelayTicks() : UINT64_MAX;
    }
  };
  for (uint64_t ms = 1; ms * kTicksPerMs <= end; ++ms) {
    const uint64_t due = ms * kTicksPerMs;
    const uint64_t timer_at = due + sched.TimerLateTicks();
    if (sched.QueryBetween()) {
      const uint64_t q = last_update + sched.Fraction(timer_at > last_update ? timer_at - last_update : 0);
      run_client_until(q);
      update(q);
    }
    run_client_until(timer_at);
    update(timer_at);
  }
  r.counters = ring.Counters();
  return r;
}

class StreamCoreHour : public ::testing::TestWithParam<std::tuple<uint32_t, bool>> {};

TEST_P(StreamCoreHour, NoDiscontinuityNoOverwriteNoDropNoSilence) {
  const auto [rate, render] = GetParam();
  const SimResult r = RunHour(render, rate, driver::kRingMs, 3600.0, rate + (render ? 1 : 2));
  EXPECT_EQ(r.discontinuities, 0u);
  EXPECT_EQ(r.counters.overflow_bytes, 0u) << "audio dropped at a full ring";
  EXPECT_EQ(r.counters.underflow_bytes, 0u) << "silence inserted into the capture stream";
  EXPECT_EQ(r.silence_frames, 0u);
  EXPECT_EQ(r.counters.fragment_bytes, 0u) << "a partial frame reached the ring";
  // The stress was there: some updates moved several milliseconds at once.
  EXPECT_GE(r.max_step_frames, 4u * rate / 1000);
  // Every frame of the hour arrived, give or take what is in flight at the end (render:
  // the ring's unread part; capture: the last late update): 60 ms is a generous bound.
  const double hour = static_cast<double>(rate) * 3600.0;
  EXPECT_NEAR(static_cast<double>(r.frames_checked), hour, 0.060 * rate);
}

INSTANTIATE_TEST_SUITE_P(RatesAndDirections, StreamCoreHour,
                         ::testing::Combine(::testing::Values(44100u, 48000u), ::testing::Values(true, false)),
                         [](const auto& param_info) {
                           return std::to_string(std::get<0>(param_info.param)) +
                                  (std::get<1>(param_info.param) ? "_render" : "_capture");
                         });

// The same schedule with a 4 ms ring: the checker must see the losses (this is what
// makes the hour test above able to fail).
TEST(StreamCoreHourControl, ATooSmallRingLosesAudioAndTheCheckerSeesIt) {
  const SimResult render = RunHour(true, 48000, 4, 60.0, 11);
  EXPECT_GT(render.counters.overflow_bytes, 0u);
  EXPECT_GT(render.discontinuities, 0u);
  const SimResult capture = RunHour(false, 48000, 4, 60.0, 12);
  EXPECT_GT(capture.counters.underflow_bytes, 0u);
  EXPECT_GT(capture.silence_frames, 0u);
}

}  // namespace
}  // namespace hush::km
