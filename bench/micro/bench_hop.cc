// SPDX-License-Identifier: MIT
// Per-hop (10 ms) cost of the suppressors, the peers and the DSP pieces.
// Run: build/release/bench/hush-bench   (see docs/BENCHMARKS.md)
#include <benchmark/benchmark.h>
#include <hush/hush.hpp>

#include <memory>
#include <vector>

#include "common/test_signals.h"
#include "dsp/resampler.h"
#include "dsp/stft.h"
#include "peers/peer.h"
#include "nn/kernels.h"
#include "suppressor/neural/neural_suppressor.h"
#include "suppressor/statistical/statistical_suppressor.h"

namespace hush {
namespace {

// Ten seconds of speech-like signal in noise, cycled through hop by hop.
const std::vector<float>& Signal() {
  static const std::vector<float> x = [] {
    std::vector<float> s = test::SpeechLike(480000, 48000, 0.4f, 1);
    const std::vector<float> n = test::WhiteNoise(s.size(), 0.02f, 2);
    for (size_t i = 0; i < s.size(); ++i) s[i] += n[i];
    return s;
  }();
  return x;
}

// Feeds the signal hop by hop through a mono suppressor for as long as the state runs.
void RunHops(benchmark::State& state, Suppressor& s) {
  std::vector<float> out(480);
  size_t pos = 0;
  for (auto _ : state) {
    const float* in[1] = {Signal().data() + pos};
    float* o[1] = {out.data()};
    benchmark::DoNotOptimize(s.ProcessHop(in, o));
    pos = (pos + 480) % (Signal().size() - 480);
  }
}

void BM_StatisticalSuppressorHop(benchmark::State& state) {
  StatisticalSuppressor s(1, StatisticalConfig{});
  RunHops(state, s);
}
BENCHMARK(BM_StatisticalSuppressorHop);

// The neural suppressor with each kernel variant this CPU runs (the library picks the
// best one; the others show what SIMD buys).
void BM_NeuralSuppressorHop(benchmark::State& state, const char* kernels) {
  const auto model = neural::EmbeddedModel();
  const nn::KernelTable* table = nn::KernelsByName(kernels);
  if (!model || !table) {
    state.SkipWithError("no embedded model or kernel variant not supported here");
    return;
  }
  neural::NeuralSuppressor s(model, 1, table);
  RunHops(state, s);
}
BENCHMARK_CAPTURE(BM_NeuralSuppressorHop, avx2, "avx2");
BENCHMARK_CAPTURE(BM_NeuralSuppressorHop, sse2, "sse2");
BENCHMARK_CAPTURE(BM_NeuralSuppressorHop, scalar, "scalar");

void BM_CApiProcess10ms(benchmark::State& state) {
  const uint32_t rate = static_cast<uint32_t>(state.range(0));
  const uint32_t channels = static_cast<uint32_t>(state.range(1));
  Model model(static_cast<hush_suppressor_kind>(state.range(2)));
  hush_denoiser_config config = DefaultConfig();
  config.sample_rate_hz = rate;
  config.channels = channels;
  Denoiser d(model, config);
  const size_t block = rate / 100;
  std::vector<std::vector<float>> out(channels, std::vector<float>(block));
  std::vector<const float*> ip(channels);
  std::vector<float*> op(channels);
  size_t pos = 0;
  for (auto _ : state) {
    for (uint32_t c = 0; c < channels; ++c) {
      ip[c] = Signal().data() + pos;
      op[c] = out[c].data();
    }
    d.Process(ip.data(), op.data(), block);
    pos = (pos + block) % (Signal().size() - block);
  }
}
BENCHMARK(BM_CApiProcess10ms)
    ->ArgNames({"rate", "channels", "kind"})
    ->Args({48000, 1, HUSH_SUPPRESSOR_NEURAL})
    ->Args({48000, 2, HUSH_SUPPRESSOR_NEURAL})
    ->Args({44100, 1, HUSH_SUPPRESSOR_NEURAL})
    ->Args({16000, 1, HUSH_SUPPRESSOR_NEURAL})
    ->Args({48000, 1, HUSH_SUPPRESSOR_STATISTICAL});

void BM_Peer(benchmark::State& state, std::unique_ptr<bench::PeerSuppressor> (*make)()) {
  auto peer = make();
  std::vector<float> out(480);
  size_t pos = 0;
  for (auto _ : state) {
    peer->Process(Signal().data() + pos, out.data(), 480);
    pos = (pos + 480) % (Signal().size() - 480);
  }
}
BENCHMARK_CAPTURE(BM_Peer, SpeexDSP, [] { return bench::CreateSpeexPeer(); });
BENCHMARK_CAPTURE(BM_Peer, WebRtcNs, [] { return bench::CreateWebRtcPeer(2); });

void BM_StftRoundTrip(benchmark::State& state) {
  dsp::Stft stft(480);
  std::vector<dsp::Complex> spectrum(481);
  std::vector<float> out(480);
  size_t pos = 0;
  for (auto _ : state) {
    const dsp::Complex* s = stft.Analyze(Signal().data() + pos);
    std::copy(s, s + 481, spectrum.begin());
    stft.Synthesize(spectrum.data(), out.data());
    pos = (pos + 480) % (Signal().size() - 480);
  }
}
BENCHMARK(BM_StftRoundTrip);

void BM_Resample10ms(benchmark::State& state) {
  dsp::Resampler r(44100, 48000, static_cast<int>(state.range(0)));
  std::vector<float> out(600);
  size_t pos = 0;
  for (auto _ : state) {
    size_t in_frames = 441, out_frames = out.size();
    r.Process(Signal().data() + pos, &in_frames, out.data(), &out_frames);
    pos = (pos + 441) % (Signal().size() - 441);
  }
}
BENCHMARK(BM_Resample10ms)->Arg(6)->Arg(10);

}  // namespace
}  // namespace hush
