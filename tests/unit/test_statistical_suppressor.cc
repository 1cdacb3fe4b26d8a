// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <vector>

#include "common/test_signals.h"
#include "suppressor/statistical/noise_tracker.h"
#include "suppressor/statistical/statistical_suppressor.h"

namespace hush {
namespace {

constexpr int kRate = kSuppressorRateHz;

// Runs mono audio through a suppressor hop by hop; returns the output (delayed one hop).
std::vector<float> RunHops(Suppressor& s, const std::vector<float>& x, std::vector<float>* voice = nullptr) {
  std::vector<float> y(x.size(), 0.0f);
  for (size_t h = 0; h + kHopFrames <= x.size(); h += kHopFrames) {
    const float* in[1] = {x.data() + h};
    float* out[1] = {y.data() + h};
    const float p = s.ProcessHop(in, out);
    if (voice != nullptr) voice->push_back(p);
  }
  return y;
}

TEST(NoiseTracker, ConvergesToStationaryNoisePower) {
  NoiseTracker tracker(NoiseTrackerConfig{});
  std::vector<float> power(481);
  std::vector<float> presence(481, 0.0f);
  test::Lcg rng(3);
  for (int hop = 0; hop < 500; ++hop) {
    // Periodogram of unit-variance complex Gaussian noise: exponential with mean 1.
    for (auto& p : power) {
      const float a = rng.Gaussian(), b = rng.Gaussian();
      p = 0.5f * (a * a + b * b);
    }
    tracker.UpdateAbsenceProbability(power.data());
    tracker.UpdateNoise(power.data(), presence.data());
  }
  double mean = 0.0;
  for (int k = 0; k < 481; ++k) mean += tracker.NoisePower()[k];
  mean /= 481.0;
  // lambda_d is the recursive mean times the bias 1.47 (Cohen's beta), by design slightly
  // above the true power; accept 0.8 .. 2.0 (-1 .. +3 dB).
  EXPECT_GT(mean, 0.8);
  EXPECT_LT(mean, 2.0);
}

TEST(NoiseTracker, FollowsANoiseThatRisesBy10DbWithinTwoSeconds) {
  NoiseTracker tracker(NoiseTrackerConfig{});
  std::vector<float> power(481), presence(481, 0.0f);
  test::Lcg rng(4);
  auto hop = [&](float level) {
    for (auto& p : power) {
      const float a = rng.Gaussian(), b = rng.Gaussian();
      p = level * 0.5f * (a * a + b * b);
    }
    const float* q = tracker.UpdateAbsenceProbability(power.data());
    for (int k = 0; k < 481; ++k) presence[k] = 1.0f - q[k];  // the suppressor's p is near 1-q in noise
    tracker.UpdateNoise(power.data(), presence.data());
  };
  for (int i = 0; i < 300; ++i) hop(1.0f);
  for (int i = 0; i < 200; ++i) hop(10.0f);  // 2 s at 10 ms per hop
  double mean = 0.0;
  for (int k = 0; k < 481; ++k) mean += tracker.NoisePower()[k];
  mean /= 481.0;
  EXPECT_GT(mean, 10.0 * 0.7) << "still at " << mean << " after a 10x rise";
}

TEST(StatisticalSuppressor, ZeroAttenuationIsExactPassThrough) {
  StatisticalSuppressor s(1, StatisticalConfig{});
  SuppressorParams params;
  params.atten_limit_db = 0.0f;
  s.SetParams(params);
  const std::vector<float> x = test::WhiteNoise(48000, 0.1f, 5);
  const std::vector<float> y = RunHops(s, x);
  // Unit gains leave only the STFT round-off (see the Stft test).
  for (size_t i = kHopFrames; i < x.size(); ++i) ASSERT_NEAR(y[i], x[i - kHopFrames], 1e-5f);
}

TEST(StatisticalSuppressor, RemovesStationaryNoiseDownToTheLimit) {
  StatisticalSuppressor s(1, StatisticalConfig{});
  const std::vector<float> x = test::WhiteNoise(48000 * 4, 0.05f, 6);
  const std::vector<float> y = RunHops(s, x);
  const size_t tail = 48000 * 2;  // judge after 2 s of convergence
  const double reduction_db = test::PowerDb(x.data() + tail, tail) - test::PowerDb(y.data() + tail, tail);
  // Default limit is 30 dB; noise-only input should get most of it.
  EXPECT_GT(reduction_db, 20.0);
  EXPECT_LT(reduction_db, 30.5);  // never beyond the limit (+ round-off)
}

TEST(StatisticalSuppressor, KeepsSpeechInModerateNoise) {
  StatisticalSuppressor s(1, StatisticalConfig{});
  const size_t n = 48000 * 6;
  const std::vector<float> speech = test::SpeechLike(n, kRate, 0.3f, 7);
  const std::vector<float> noise = test::WhiteNoise(n, 0.01f, 8);
  std::vector<float> noisy(n);
  for (size_t i = 0; i < n; ++i) noisy[i] = speech[i] + noise[i];
  std::vector<float> voice;
  const std::vector<float> y = RunHops(s, noisy, &voice);
  // Error against the clean signal, aligned for the one-hop delay, over the last 4 s.
  double err_in = 0.0, err_out = 0.0, clean = 0.0;
  for (size_t i = 2 * 48000; i + kHopFrames < n; ++i) {
    clean += static_cast<double>(speech[i]) * speech[i];
    err_in += static_cast<double>(noise[i]) * noise[i];
    const double e = static_cast<double>(y[i + kHopFrames]) - speech[i];
    err_out += e * e;
  }
  const double snr_in = 10 * std::log10(clean / err_in), snr_out = 10 * std::log10(clean / err_out);
  // A harmonic signal in white noise is the easy case: at least 6 dB better.
  EXPECT_GT(snr_out, snr_in + 6.0) << snr_in << " dB -> " << snr_out << " dB";

  // Voice probability separates syllables from pauses.
  double voiced = 0, voiced_n = 0, pause = 0, pause_n = 0;
  for (size_t h = 100; h < voice.size(); ++h) {
    const double e = test::Energy(speech.data() + h * kHopFrames, kHopFrames);
    if (e > 1.0) { voiced += voice[h]; ++voiced_n; }
    if (e == 0.0) { pause += voice[h]; ++pause_n; }
  }
  ASSERT_GT(voiced_n, 0);
  ASSERT_GT(pause_n, 0);
  EXPECT_GT(voiced / voiced_n, pause / pause_n + 0.3);
}

TEST(StatisticalSuppressor, VadGateSilencesNoiseOnly) {
  StatisticalSuppressor s(1, StatisticalConfig{});
  SuppressorParams params;
  params.atten_limit_db = 40.0f;
  params.vad_gate_threshold = 0.9f;
  params.vad_gate_hold_ms = 100.0f;
  s.SetParams(params);
  const std::vector<float> x = test::WhiteNoise(48000 * 3, 0.05f, 9);
  const std::vector<float> y = RunHops(s, x);
  const size_t tail = 48000;
  const double reduction_db = test::PowerDb(x.data() + 2 * tail, tail) - test::PowerDb(y.data() + 2 * tail, tail);
  EXPECT_GT(reduction_db, 38.0);  // the closed gate holds the whole 40 dB floor
}

TEST(StatisticalSuppressor, ResetForgetsHistory) {
  StatisticalSuppressor a(2, StatisticalConfig{}), b(2, StatisticalConfig{});
  const std::vector<float> x = test::WhiteNoise(48000, 0.1f, 10);
  const std::vector<float> other = test::SpeechLike(48000, kRate, 0.5f, 11);
  // a sees other audio first, then reset; b starts fresh. Both then see x.
  for (size_t h = 0; h + kHopFrames <= other.size(); h += kHopFrames) {
    const float* in[2] = {other.data() + h, other.data() + h};
    float ya[kHopFrames], yb[kHopFrames];
    float* out[2] = {ya, yb};
    a.ProcessHop(in, out);
  }
  a.Reset();
  for (size_t h = 0; h + kHopFrames <= x.size(); h += kHopFrames) {
    const float* in[2] = {x.data() + h, x.data() + h};
    float a0[kHopFrames], a1[kHopFrames], b0[kHopFrames], b1[kHopFrames];
    float* out_a[2] = {a0, a1};
    float* out_b[2] = {b0, b1};
    a.ProcessHop(in, out_a);
    b.ProcessHop(in, out_b);
    for (int i = 0; i < kHopFrames; ++i) ASSERT_EQ(a0[i], b0[i]);
  }
}

}  // namespace
}  // namespace hush
