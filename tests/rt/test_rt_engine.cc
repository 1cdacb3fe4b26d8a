// SPDX-License-Identifier: MIT
// The engine's audio path under the interposer: a minute of Push/Pull through the
// bridge (ring + resampler + loop), with drift and odd block sizes, must not allocate,
// free, lock, sleep or do I/O.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/block_adapter.h"
#include "engine/bridge.h"
#include "engine/sample_format.h"
#include "rt/rt_interposer.h"

namespace hush::engine {
namespace {

TEST(RtEngine, AMinuteThroughTheBridgeNeverAllocatesLocksOrWaits) {
  BridgeConfig config;
  config.channels = 2;
  config.producer_rate_hz = 44100;
  config.consumer_rate_hz = 48000;
  config.max_block_frames = 1024;
  Bridge bridge(config);
  BlockAdapter adapter(2, 480, 1024);
  std::vector<float> l(1024), r(1024);
  std::vector<int16_t> device(2048);
  const float* in[2] = {l.data(), r.data()};
  float* out[2] = {l.data(), r.data()};
  void* dev[1] = {device.data()};
  const void* cdev[1] = {device.data()};
  rt::ResetCounts();
  {
    rt::RealtimeScope scope;
    double producer_time = 0.0, consumer_time = 0.0, phase = 0.0;
    while (consumer_time < 60.0) {
      if (producer_time <= consumer_time) {
        for (size_t i = 0; i < 441; ++i) l[i] = r[i] = 0.3f * static_cast<float>(std::sin(phase += 0.14));
        FromFloatPlanar({SampleFormat::kS16, 2, true}, in, 441, dev);  // device format round trip
        ToFloatPlanar({SampleFormat::kS16, 2, true}, cdev, 441, out);
        bridge.Push(in, 441, producer_time);
        producer_time += 441.0 / (44100.0 * 1.0005);
      } else {
        bridge.Pull(out, 1024, consumer_time);
        adapter.Process(in, out, 1024, [](const float* const* bi, float* const* bo) {
          for (int c = 0; c < 2; ++c) std::copy_n(bi[c], 480, bo[c]);
        });
        (void)bridge.Telemetry();
        consumer_time += 1024.0 / 48000.0;
      }
    }
  }
  const rt::Violations v = rt::Snapshot();
  EXPECT_EQ(v.allocations, 0u);
  EXPECT_EQ(v.frees, 0u);
  EXPECT_EQ(v.locks, 0u);
  EXPECT_EQ(v.sleeps, 0u);
  EXPECT_EQ(v.io, 0u);
}

}  // namespace
}  // namespace hush::engine
