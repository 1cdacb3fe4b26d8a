// SPDX-License-Identifier: MIT
// A minute of audio through hush_denoiser_process() (and the setters racing it from
// another thread) under the interposer: any allocation, free, lock, sleep or I/O on the
// audio thread fails the test.
#include <gtest/gtest.h>
#include <hush/hush.hpp>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "rt/rt_interposer.h"

namespace hush {
namespace {

// Proves the interposer can fail: forbidden calls inside a scope are counted.
TEST(RtInterposer, DetectsAllocationLockAndSleepInsideAScope) {
  rt::ResetCounts();
  {
    rt::RealtimeScope scope;
    auto* p = new std::vector<int>(100);
    delete p;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    usleep(1);
  }
  const rt::Violations v = rt::Snapshot();
  EXPECT_GE(v.allocations, 2u);
  EXPECT_GE(v.frees, 2u);
  EXPECT_GE(v.locks, 1u);
  EXPECT_GE(v.sleeps, 1u);
  // ... and nothing outside one.
  rt::ResetCounts();
  auto* p = new int(3);
  delete p;
  EXPECT_EQ(rt::Snapshot().Total(), 0u);
}

struct Case {
  uint32_t rate_hz;
  uint32_t channels;
  int kind;  // hush_suppressor_kind
};

class RtHotPath : public ::testing::TestWithParam<Case> {};

TEST_P(RtHotPath, AMinuteOfProcessingNeverAllocatesLocksOrWaits) {
  const Case c = GetParam();
  hush_model* raw = nullptr;
  if (hush_model_create(c.kind, &raw) == HUSH_ERROR_UNSUPPORTED) GTEST_SKIP() << "no neural model in this build";
  hush_model_destroy(raw);
  Model model(static_cast<hush_suppressor_kind>(c.kind));
  hush_denoiser_config config = DefaultConfig();
  config.sample_rate_hz = c.rate_hz;
  config.channels = c.channels;
  config.max_block_frames = 2048;
  config.vad_gate_threshold = 0.5f;
  Denoiser d(model, config);

  std::vector<std::vector<float>> buffers(c.channels, std::vector<float>(2048));
  std::vector<const float*> in(c.channels);
  std::vector<float*> out(c.channels);
  for (uint32_t ch = 0; ch < c.channels; ++ch) {
    in[ch] = buffers[ch].data();
    out[ch] = buffers[ch].data();
  }
  std::vector<float> probabilities(64);

  // A control thread moves the strength and gate while the audio thread runs.
  std::atomic<bool> done{false};
  std::thread control([&] {
    float strength = 0.0f;
    while (!done.load()) {
      d.SetAttenLimitDb(strength);
      d.SetVadGate(strength > 50.0f ? 0.6f : 0.0f, 150.0f);
      strength = std::fmod(strength + 7.0f, 100.0f);
      (void)d.VoiceProbability();
      std::this_thread::yield();
    }
  });

  rt::ResetCounts();
  const size_t total = static_cast<size_t>(c.rate_hz) * 60;
  const size_t blocks[] = {1, 64, 441, 480, 1024, 2048, 333};
  size_t done_frames = 0, block_index = 0;
  double phase = 0.0;
  uint32_t seed = 1;
  {
    rt::RealtimeScope scope;  // from here on this thread is the audio thread
    while (done_frames < total) {
      const size_t n = blocks[block_index++ % std::size(blocks)];
      for (uint32_t ch = 0; ch < c.channels; ++ch) {
        for (size_t i = 0; i < n; ++i) {
          seed = seed * 1664525u + 1013904223u;
          const float noise = static_cast<float>(static_cast<int32_t>(seed)) * 1e-11f;
          buffers[ch][i] = 0.3f * static_cast<float>(std::sin(phase + 0.001 * i)) + noise;
        }
      }
      phase += 0.001 * static_cast<double>(n);
      ASSERT_EQ(d.Process(in.data(), out.data(), n), HUSH_OK);
      size_t count = 0;
      hush_denoiser_voice_probabilities(d.get(), probabilities.data(), probabilities.size(), &count);
      done_frames += n;
    }
    if (done_frames % 2 == 0) d.Reset();  // reset is promised RT-safe too
  }
  const rt::Violations v = rt::Snapshot();
  done.store(true);
  control.join();
  EXPECT_EQ(v.allocations, 0u);
  EXPECT_EQ(v.frees, 0u);
  EXPECT_EQ(v.locks, 0u);
  EXPECT_EQ(v.sleeps, 0u);
  EXPECT_EQ(v.io, 0u);
}

INSTANTIATE_TEST_SUITE_P(RatesAndChannels, RtHotPath,
                         ::testing::Values(Case{48000, 1, HUSH_SUPPRESSOR_STATISTICAL},
                                           Case{44100, 2, HUSH_SUPPRESSOR_STATISTICAL},
                                           Case{16000, 1, HUSH_SUPPRESSOR_STATISTICAL},
                                           Case{96000, 2, HUSH_SUPPRESSOR_STATISTICAL},
                                           Case{48000, 1, HUSH_SUPPRESSOR_NEURAL},
                                           Case{44100, 2, HUSH_SUPPRESSOR_NEURAL},
                                           Case{16000, 1, HUSH_SUPPRESSOR_NEURAL}),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return std::string(param_info.param.kind == HUSH_SUPPRESSOR_NEURAL ? "neural" : "statistical") +
                                  "_rate" + std::to_string(param_info.param.rate_hz) + "_ch" +
                                  std::to_string(param_info.param.channels);
                         });

}  // namespace
}  // namespace hush
