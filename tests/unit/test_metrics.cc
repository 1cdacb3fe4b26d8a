// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/test_signals.h"
#include "eval/sisdr.h"
#include "eval/stoi.h"

namespace hush {
namespace {

TEST(SiSdr, IsScaleInvariantAndMatchesAnalyticValue) {
  const std::vector<float> x = test::WhiteNoise(48000, 0.3f, 1);
  // An error orthogonal to x (a zero-mean signal built from x's own samples shifted in
  // sign pattern is not orthogonal in general, so project it out explicitly).
  std::vector<float> e = test::WhiteNoise(48000, 0.03f, 2);
  double dot = 0, xx = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    dot += static_cast<double>(x[i]) * e[i];
    xx += static_cast<double>(x[i]) * x[i];
  }
  for (size_t i = 0; i < x.size(); ++i) e[i] -= static_cast<float>(dot / xx * x[i]);
  std::vector<float> y(x.size()), y_scaled(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    y[i] = x[i] + e[i];
    y_scaled[i] = 3.7f * y[i];
  }
  const double expected = 10.0 * std::log10(test::Energy(x.data(), x.size()) / test::Energy(e.data(), e.size()));
  // Float rounding of 48000-sample sums and the mean removal: 0.01 dB.
  EXPECT_NEAR(SiSdrDb(x.data(), y.data(), x.size()), expected, 0.01);
  EXPECT_NEAR(SiSdrDb(x.data(), y_scaled.data(), x.size()), expected, 0.01);
  EXPECT_TRUE(std::isinf(SiSdrDb(x.data(), x.data(), x.size())));
}

TEST(DelayEstimation, FindsPositiveAndNegativeLags) {
  const std::vector<float> x = test::WhiteNoise(20000, 0.3f, 3);
  for (long lag : {0L, 1L, 37L, 959L, -5L, -480L}) {
    std::vector<float> y(x.size(), 0.0f);
    for (size_t i = 0; i < x.size(); ++i) {
      const long j = static_cast<long>(i) - lag;
      if (j >= 0 && j < static_cast<long>(x.size())) y[i] = x[static_cast<size_t>(j)];
    }
    EXPECT_EQ(EstimateDelayFrames(x.data(), y.data(), x.size(), 2000), lag);
  }
}

TEST(Stoi, IdenticalSignalsScoreOneAndNoiseLowersTheScore) {
  const int rate = 16000;
  const std::vector<float> clean = test::SpeechLike(rate * 4, rate, 0.5f, 4);
  const std::vector<float> noise = test::WhiteNoise(clean.size(), 1.0f, 5);
  const double clean_rms = std::sqrt(test::Energy(clean.data(), clean.size()) / clean.size());
  EXPECT_NEAR(*Stoi(clean.data(), clean.data(), clean.size(), rate), 1.0, 1e-9);
  EXPECT_NEAR(*Estoi(clean.data(), clean.data(), clean.size(), rate), 1.0, 1e-9);
  double last_stoi = 1.0, last_estoi = 1.0;
  for (double snr_db : {20.0, 10.0, 0.0, -10.0}) {
    std::vector<float> noisy(clean.size());
    const double gain = clean_rms * std::pow(10.0, -snr_db / 20.0);
    for (size_t i = 0; i < clean.size(); ++i) noisy[i] = clean[i] + static_cast<float>(gain * noise[i]);
    const double s = *Stoi(clean.data(), noisy.data(), clean.size(), rate);
    const double e = *Estoi(clean.data(), noisy.data(), clean.size(), rate);
    EXPECT_LT(s, last_stoi) << snr_db;
    EXPECT_LT(e, last_estoi) << snr_db;
    last_stoi = s;
    last_estoi = e;
  }
  EXPECT_LT(last_stoi, 0.7);  // -10 dB white noise leaves little intelligibility
}

TEST(Stoi, TooShortInputHasNoScore) {
  const std::vector<float> x = test::SpeechLike(3000, 16000, 0.5f, 6);  // 0.19 s
  EXPECT_FALSE(Stoi(x.data(), x.data(), x.size(), 16000).has_value());
  EXPECT_FALSE(Estoi(x.data(), x.data(), x.size(), 16000).has_value());
}

}  // namespace
}  // namespace hush
