// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "common/test_signals.h"
#include "eval/sisdr.h"

namespace hush {
namespace {

// A sine of `cycles` whole periods over n samples: sines of different whole numbers of
// cycles are exactly orthogonal over n, and each has zero mean.
std::vector<double> Sine(size_t n, int cycles, double amplitude) {
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = amplitude * std::sin(2.0 * std::numbers::pi * cycles * static_cast<double>(i) / static_cast<double>(n));
  }
  return x;
}

TEST(SiSdrMeasure, EqualsTheAnalyticValueForAnOrthogonalError) {
  const size_t n = 48000;
  const std::vector<double> s = Sine(n, 440, 0.5), e = Sine(n, 1234, 0.05);
  std::vector<float> reference(n), estimate(n);
  for (size_t i = 0; i < n; ++i) {
    reference[i] = static_cast<float>(s[i]);
    estimate[i] = static_cast<float>(s[i] + e[i]);
  }
  // e is orthogonal to s with 1/100 of its power: the projection is s itself and
  // SI-SDR = 10 log10(100) = 20 dB. Float rounding of the samples (~3e-8 relative)
  // moves it by ~1e-6 dB; 1e-4 dB leaves margin and would catch any scaling slip.
  EXPECT_NEAR(SiSdrDb(reference.data(), estimate.data(), n), 20.0, 1e-4);

  // Error power 1/1000 of the signal's, and a -6 dB version of the estimate: 30 dB.
  const std::vector<double> e2 = Sine(n, 2000, 0.5 / std::sqrt(1000.0));
  for (size_t i = 0; i < n; ++i) estimate[i] = static_cast<float>(0.5 * (s[i] + e2[i]));
  EXPECT_NEAR(SiSdrDb(reference.data(), estimate.data(), n), 30.0, 1e-4);
}

TEST(SiSdrMeasure, IsInvariantToGainSignAndOffset) {
  const std::vector<float> x = test::SpeechLike(32000, 16000, 0.5f, 21);
  const std::vector<float> noise = test::WhiteNoise(x.size(), 0.05f, 22);
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] + noise[i];
  const double base = SiSdrDb(x.data(), y.data(), x.size());
  ASSERT_TRUE(std::isfinite(base));
  for (float gain : {0.01f, 3.7f, -1.0f, -250.0f}) {
    std::vector<float> scaled(y.size()), offset(y.size()), reference_scaled(x.size());
    for (size_t i = 0; i < y.size(); ++i) {
      scaled[i] = gain * y[i];
      offset[i] = y[i] + 0.25f;
      reference_scaled[i] = gain * x[i];
    }
    // Only float rounding of the scaled samples differs: 1e-3 dB.
    EXPECT_NEAR(SiSdrDb(x.data(), scaled.data(), x.size()), base, 1e-3) << gain;
    EXPECT_NEAR(SiSdrDb(reference_scaled.data(), y.data(), x.size()), base, 1e-3) << gain;
    EXPECT_NEAR(SiSdrDb(x.data(), offset.data(), x.size()), base, 1e-3);
  }
}

TEST(SiSdrMeasure, LimitCases) {
  const std::vector<float> x = test::WhiteNoise(1000, 0.3f, 23);
  const std::vector<float> zeros(x.size(), 0.0f);
  EXPECT_EQ(SiSdrDb(x.data(), x.data(), x.size()), std::numeric_limits<double>::infinity());
  EXPECT_EQ(SiSdrDb(x.data(), zeros.data(), x.size()), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(SiSdrDb(zeros.data(), x.data(), x.size()), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(SiSdrDb(nullptr, nullptr, 0), -std::numeric_limits<double>::infinity());
  EXPECT_THROW(SiSdrDb(nullptr, x.data(), x.size()), std::invalid_argument);
}

std::vector<float> Delayed(const std::vector<float>& x, long lag) {
  std::vector<float> y(x.size(), 0.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    const long j = static_cast<long>(i) - lag;
    if (j >= 0 && j < static_cast<long>(x.size())) y[i] = x[static_cast<size_t>(j)];
  }
  return y;
}

TEST(DelayEstimate, FindsKnownLagsOfEitherSign) {
  const std::vector<float> noise = test::WhiteNoise(20000, 0.3f, 3);
  const std::vector<float> speech = test::SpeechLike(48000, 16000, 0.5f, 24);
  for (const auto* x : {&noise, &speech}) {
    for (long lag : {0L, 1L, 37L, 959L, 1999L, -1L, -5L, -480L, -1999L}) {
      const std::vector<float> y = Delayed(*x, lag);
      EXPECT_EQ(EstimateDelayFrames(x->data(), y.data(), x->size(), 2000), lag);
    }
  }
}

TEST(DelayEstimate, SurvivesGainAndNoise) {
  const std::vector<float> x = test::SpeechLike(48000, 16000, 0.5f, 25);
  const std::vector<float> noise = test::WhiteNoise(x.size(), 0.1f, 26);
  std::vector<float> y = Delayed(x, 480);
  for (size_t i = 0; i < y.size(); ++i) y[i] = 0.3f * y[i] + noise[i];
  EXPECT_EQ(EstimateDelayFrames(x.data(), y.data(), x.size(), 1000), 480);
}

TEST(DelayEstimate, SearchesOnlyWithinTheGivenRange) {
  const std::vector<float> x = test::WhiteNoise(20000, 0.3f, 27);
  const std::vector<float> y = Delayed(x, 300);
  const long found = EstimateDelayFrames(x.data(), y.data(), x.size(), 100);
  EXPECT_LE(std::abs(found), 100);
  EXPECT_EQ(EstimateDelayFrames(x.data(), y.data(), x.size(), 300), 300);
  EXPECT_THROW(EstimateDelayFrames(x.data(), y.data(), x.size(), -1), std::invalid_argument);
  EXPECT_THROW(EstimateDelayFrames(nullptr, y.data(), y.size(), 10), std::invalid_argument);
}

}  // namespace
}  // namespace hush
