// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/test_signals.h"
#include "dsp/resampler.h"
#include "dsp/special_functions.h"
#include "dsp/stft.h"

namespace hush {
namespace {

TEST(RealFft, InverseUndoesForward) {
  dsp::RealFft fft(960);
  const std::vector<float> x = test::WhiteNoise(960, 0.3f, 1);
  std::vector<dsp::Complex> spectrum(static_cast<size_t>(fft.Bins()));
  std::vector<float> y(960);
  fft.Forward(x.data(), spectrum.data());
  fft.Inverse(spectrum.data(), y.data());
  // Float round-off of a 960-point transform: ~1e-7 relative per stage, 1e-5 absolute.
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], 1e-5f);
}

TEST(RealFft, SineLandsInItsBin) {
  dsp::RealFft fft(960);
  std::vector<float> x(960);
  for (int i = 0; i < 960; ++i) x[static_cast<size_t>(i)] = std::sin(2.0f * 3.14159265f * 20.0f * i / 960.0f);
  std::vector<dsp::Complex> spectrum(481);
  fft.Forward(x.data(), spectrum.data());
  EXPECT_NEAR(std::abs(spectrum[20]), 480.0f, 0.01f);
  EXPECT_LT(std::abs(spectrum[21]), 0.01f);
}

TEST(Stft, UnitGainReconstructsInputDelayedByOneHop) {
  dsp::Stft stft(480);
  const size_t hops = 20;
  const std::vector<float> x = test::WhiteNoise(480 * hops, 0.5f, 2);
  std::vector<float> y(x.size());
  std::vector<dsp::Complex> spectrum(481);
  for (size_t h = 0; h < hops; ++h) {
    const dsp::Complex* s = stft.Analyze(x.data() + h * 480);
    std::copy(s, s + 481, spectrum.begin());
    stft.Synthesize(spectrum.data(), y.data() + h * 480);
  }
  ASSERT_EQ(stft.DelayFrames(), 480);
  for (size_t i = 480; i < x.size(); ++i) ASSERT_NEAR(y[i], x[i - 480], 1e-5f) << "at " << i;
}

TEST(SpecialFunctions, ExponentialIntegralMatchesTabulatedValues) {
  // Abramowitz & Stegun, table 5.1 (and its asymptotic continuation for 10).
  EXPECT_NEAR(dsp::ExponentialIntegralE1(0.1), 1.822923958419390, 1e-12);
  EXPECT_NEAR(dsp::ExponentialIntegralE1(1.0), 0.219383934395520, 1e-12);
  EXPECT_NEAR(dsp::ExponentialIntegralE1(2.0), 0.048900510708061, 1e-12);
  EXPECT_NEAR(dsp::ExponentialIntegralE1(10.0), 4.156968929685324e-06, 1e-16);
}

TEST(SpecialFunctions, ExpHalfE1TableIsAccurateEverywhere) {
  for (double log_v = -16.0; log_v < 6.0; log_v += 0.0137) {
    const double v = std::exp(log_v);
    const double exact = std::exp(0.5 * dsp::ExponentialIntegralE1(v));
    const double approx = dsp::ExpHalfE1(static_cast<float>(v));
    // The gain rule needs ~1e-4: far below anything audible (0.001 dB).
    EXPECT_NEAR(approx / exact, 1.0, 1e-4) << "v = " << v;
  }
}

TEST(Resampler, ReportsItsDelayExactly) {
  // An impulse through 44.1 -> 48 kHz lands, after rounding to the output grid, at the
  // reported delay converted to output frames.
  dsp::Resampler resampler(48000, 48000 * 2, 8);
  std::vector<float> in(400, 0.0f), out(800, 0.0f);
  in[100] = 1.0f;
  size_t in_frames = in.size(), out_frames = out.size();
  resampler.Process(in.data(), &in_frames, out.data(), &out_frames);
  size_t peak = 0;
  for (size_t i = 0; i < out_frames; ++i) {
    if (std::abs(out[i]) > std::abs(out[peak])) peak = i;
  }
  EXPECT_EQ(peak, static_cast<size_t>(2 * (100 + resampler.InputLatencyFrames())));
}

}  // namespace
}  // namespace hush
