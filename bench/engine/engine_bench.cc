// SPDX-License-Identifier: MIT
// The engine's cost per 10 ms of audio: bridge Push + Pull (ring, loop, libsamplerate),
// the ring alone, and format conversion.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "engine/bridge.h"
#include "engine/sample_format.h"
#include "engine/spsc_ring.h"

namespace hush::engine {
namespace {

void BM_BridgePushPull10ms(benchmark::State& state) {
  const int channels = static_cast<int>(state.range(0));
  BridgeConfig config;
  config.channels = channels;
  config.producer_rate_hz = 48000;
  config.consumer_rate_hz = static_cast<int>(state.range(1));
  config.max_block_frames = 1024;
  Bridge bridge(config);
  std::vector<std::vector<float>> buffers(static_cast<size_t>(channels), std::vector<float>(1024, 0.1f));
  std::vector<const float*> in;
  std::vector<float*> out;
  for (auto& b : buffers) {
    in.push_back(b.data());
    out.push_back(b.data());
  }
  const size_t out_frames = static_cast<size_t>(config.consumer_rate_hz / 100);
  double t = 0.0;
  for (int i = 0; i < 10; ++i) bridge.Push(in.data(), 480, t += 0.01);  // fill to target
  for (auto _ : state) {
    t += 0.01;
    bridge.Push(in.data(), 480, t);
    bridge.Pull(out.data(), out_frames, t);
  }
}
BENCHMARK(BM_BridgePushPull10ms)->Args({1, 48000})->Args({2, 48000})->Args({2, 44100});

void BM_RingWriteRead10ms(benchmark::State& state) {
  SpscRing<float> ring(8192);
  std::vector<float> block(960, 0.5f);
  for (auto _ : state) {
    ring.TryWrite(block.data(), block.size());
    ring.TryRead(block.data(), block.size());
  }
}
BENCHMARK(BM_RingWriteRead10ms);

void BM_ConvertS16Stereo10ms(benchmark::State& state) {
  std::vector<int16_t> device(960);
  std::vector<float> l(480), r(480);
  const void* src[1] = {device.data()};
  float* dst[2] = {l.data(), r.data()};
  for (auto _ : state) ToFloatPlanar({SampleFormat::kS16, 2, true}, src, 480, dst);
}
BENCHMARK(BM_ConvertS16Stereo10ms);

}  // namespace
}  // namespace hush::engine
