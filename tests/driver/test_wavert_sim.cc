// SPDX-License-Identifier: MIT
// The WaveRT engine simulator (src/backends/sim/wavert_sim.h): the seed's designs fail as
// the issue reports them, and Hush's design (FrameRing, 40 ms, half-fill signal) moves a
// simulated hour at 44.1 and 48 kHz, in both directions, with no discontinuity.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <tuple>

#include "backends/sim/wavert_sim.h"
#include "hush_driver/ring.h"

namespace hush::sim {
namespace {

WaveRtSimOptions Options(WaveRtDesign design, WaveRtDirection direction, uint32_t rate_hz, double seconds) {
  WaveRtSimOptions o;
  o.design = design;
  o.direction = direction;
  o.sample_rate_hz = rate_hz;
  o.seconds = seconds;
  return o;
}

class HushDesign : public ::testing::TestWithParam<std::tuple<uint32_t, WaveRtDirection>> {};

TEST_P(HushDesign, AnHourWithoutAnyDiscontinuityOverwriteOrDrop) {
  const auto [rate_hz, direction] = GetParam();
  const WaveRtSimOptions o = Options(WaveRtDesign::kHush, direction, rate_hz, 3600.0);
  const WaveRtSimResult r = RunWaveRtSim(o);
  SCOPED_TRACE(WaveRtTableRow(o, r));
  EXPECT_EQ(r.engine_glitches, 0u) << "the model itself is inconsistent";
  // The stress was really there: long wake-up delays and late timer ticks happened, and
  // some position updates moved several milliseconds at once.
  EXPECT_GT(r.long_delays, 100u);
  EXPECT_GT(r.late_ticks, 1000u);
  EXPECT_GE(r.max_update_frames, 3u * rate_hz / 1000) << "no multi-ms position update was exercised";
  EXPECT_EQ(r.ring_bytes, driver::RingBytesForMs(rate_hz, o.frame_bytes, driver::kRingMs));
  EXPECT_EQ(r.discontinuities, 0u);
  EXPECT_EQ(r.overwritten_bytes, 0u);
  EXPECT_EQ(r.dropped_bytes, 0u);
  EXPECT_EQ(r.silence_bytes, 0u);
  // Every frame of the hour arrived except those still in flight at the end: at most the
  // ring (40 ms) plus, in capture, the engine's period and the cushion in flight (60 ms
  // in all is a generous bound). Were the 44.1 kHz fraction not carried (44 frames per
  // ms), 360 000 frames would be missing.
  const double expected = static_cast<double>(rate_hz) * 3600.0;
  EXPECT_LE(static_cast<double>(r.frames_delivered), expected);
  EXPECT_GE(static_cast<double>(r.frames_delivered), expected - 0.060 * rate_hz);
  // Latency: the ring sits near its half-fill threshold (20 ms); the worst case adds the
  // longest wake-up delay (15 ms) and, in capture, one engine period (10 ms): all under
  // 40 ms + the 15 ms jitter bound the issue states.
  EXPECT_LT(r.latency_max_ms, driver::kRingMs + o.long_delay_max_ms);
  EXPECT_LT(r.latency_mean_ms, 35.0);
  EXPECT_GT(r.latency_mean_ms, 15.0) << "below the threshold: the signal is not what wakes user mode";
  // And it never came within 3 ms of losing data (measured: 5-6 ms).
  EXPECT_GT(WaveRtHeadroomMs(o, r), 3.0);
}

INSTANTIATE_TEST_SUITE_P(RatesAndDirections, HushDesign,
                         ::testing::Combine(::testing::Values(44100u, 48000u),
                                            ::testing::Values(WaveRtDirection::kRender, WaveRtDirection::kCapture)),
                         [](const auto& param_info) {
                           return std::to_string(std::get<0>(param_info.param)) + "_" +
                                  WaveRtDirectionName(std::get<1>(param_info.param));
                         });

TEST(SeedDesigns, HugeRingGivesSecondsOfLatency) {
  for (auto direction : {WaveRtDirection::kRender, WaveRtDirection::kCapture}) {
    for (uint32_t rate_hz : {44100u, 48000u}) {
      const WaveRtSimOptions o = Options(WaveRtDesign::kSeedHugeRing, direction, rate_hz, 60.0);
      const WaveRtSimResult r = RunWaveRtSim(o);
      SCOPED_TRACE(WaveRtTableRow(o, r));
      // Half of 1 MiB of stereo float32 is 1.37 s at 48 kHz, 1.49 s at 44.1 kHz.
      EXPECT_GT(r.latency_mean_ms, 1000.0);
      EXPECT_EQ(r.discontinuities, 0u) << "its only failure is the latency";
    }
  }
}

TEST(SeedDesigns, SignallingOnlyWhenFullOverwritesUnreadData) {
  for (auto direction : {WaveRtDirection::kRender, WaveRtDirection::kCapture}) {
    const WaveRtSimOptions o = Options(WaveRtDesign::kSeedSignalWhenFull, direction, 48000, 60.0);
    const WaveRtSimResult r = RunWaveRtSim(o);
    SCOPED_TRACE(WaveRtTableRow(o, r));
    EXPECT_GT(r.overwritten_bytes, 0u);
    EXPECT_GT(r.discontinuities, 0u) << "overwritten data must show as pops";
  }
}

TEST(SeedDesigns, TooSmallRingDropsData) {
  for (auto direction : {WaveRtDirection::kRender, WaveRtDirection::kCapture}) {
    const WaveRtSimOptions o = Options(WaveRtDesign::kSeedTinyRing, direction, 44100, 60.0);
    const WaveRtSimResult r = RunWaveRtSim(o);
    SCOPED_TRACE(WaveRtTableRow(o, r));
    EXPECT_GT(r.dropped_bytes, 0u);
    EXPECT_GT(r.discontinuities, 0u);
    EXPECT_EQ(r.overwritten_bytes, 0u) << "a FrameRing never overwrites, even when too small";
  }
}

TEST(WaveRtSim, SmallerFramesAndAnotherSeedAlsoClean) {
  for (auto direction : {WaveRtDirection::kRender, WaveRtDirection::kCapture}) {
    WaveRtSimOptions o = Options(WaveRtDesign::kHush, direction, 44100, 300.0);
    o.frame_bytes = 4;  // stereo PCM16 or mono float32
    o.seed = 7;
    const WaveRtSimResult r = RunWaveRtSim(o);
    SCOPED_TRACE(WaveRtTableRow(o, r));
    EXPECT_EQ(r.discontinuities + r.overwritten_bytes + r.dropped_bytes + r.silence_bytes, 0u);
    EXPECT_GT(r.frames_delivered, 0u);
  }
}

// Without the jitter the design has to survive, even a 10 ms ring is clean; with it, a
// 10 ms ring drops data. The simulator's verdict depends on the jitter, not on the size
// alone (the sweep in docs/windows/ring-and-simulator.md).
TEST(WaveRtSim, JitterIsWhatSmallRingsFailOn) {
  WaveRtSimOptions o = Options(WaveRtDesign::kHush, WaveRtDirection::kRender, 48000, 120.0);
  o.ring_ms = 10;
  const WaveRtSimResult jittery = RunWaveRtSim(o);
  EXPECT_GT(jittery.dropped_bytes, 0u) << WaveRtTableRow(o, jittery);
  o.long_delay_probability = 0;
  o.timer_late_probability = 0;
  const WaveRtSimResult calm = RunWaveRtSim(o);
  EXPECT_EQ(calm.dropped_bytes + calm.discontinuities, 0u) << WaveRtTableRow(o, calm);
}

TEST(WaveRtSim, DeterministicForASeed) {
  const WaveRtSimOptions o = Options(WaveRtDesign::kSeedTinyRing, WaveRtDirection::kCapture, 48000, 10.0);
  const WaveRtSimResult a = RunWaveRtSim(o), b = RunWaveRtSim(o);
  EXPECT_EQ(a.discontinuities, b.discontinuities);
  EXPECT_EQ(a.dropped_bytes, b.dropped_bytes);
  EXPECT_EQ(a.latency_max_ms, b.latency_max_ms);
}

TEST(WaveRtSim, RejectsInvalidOptions) {
  WaveRtSimOptions o;
  o.frame_bytes = 6;
  EXPECT_THROW(RunWaveRtSim(o), std::invalid_argument);
  o = WaveRtSimOptions{};
  o.sample_rate_hz = 1000;
  EXPECT_THROW(RunWaveRtSim(o), std::invalid_argument);
  o = WaveRtSimOptions{};
  o.seconds = 0;
  EXPECT_THROW(RunWaveRtSim(o), std::invalid_argument);
  o = WaveRtSimOptions{};
  o.engine_lead_ms = 5;  // less than one engine period ahead: the engine would underrun
  EXPECT_THROW(RunWaveRtSim(o), std::invalid_argument);
}

TEST(WaveRtSim, TableRowNamesTheRun) {
  const WaveRtSimOptions o = Options(WaveRtDesign::kSeedHugeRing, WaveRtDirection::kCapture, 44100, 1.0);
  const std::string row = WaveRtTableRow(o, RunWaveRtSim(o));
  EXPECT_NE(row.find("seed-1MiB"), std::string::npos) << row;
  EXPECT_NE(row.find("44100"), std::string::npos) << row;
  EXPECT_NE(row.find("capture"), std::string::npos) << row;
}

}  // namespace
}  // namespace hush::sim
