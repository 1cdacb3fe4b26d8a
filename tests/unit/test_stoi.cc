// SPDX-License-Identifier: MIT
// Properties of STOI/ESTOI that hold whatever the reference values are; the values
// themselves are checked in tests/golden/test_stoi_reference.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/file/sound_file.h"
#include "common/test_signals.h"
#include "eval/stoi.h"

namespace hush {
namespace {

std::vector<float> AddNoise(const std::vector<float>& clean, const std::vector<float>& noise, double snr_db) {
  const double gain = std::sqrt(test::Energy(clean.data(), clean.size()) / test::Energy(noise.data(), clean.size()) /
                                std::pow(10.0, snr_db / 10.0));
  std::vector<float> y(clean.size());
  for (size_t i = 0; i < clean.size(); ++i) y[i] = clean[i] + static_cast<float>(gain * noise[i]);
  return y;
}

TEST(StoiMeasure, IdenticalSignalsScoreOneAtEveryRate) {
  for (int rate_hz : {8000, 10000, 16000, 22050, 44100, 48000}) {
    const std::vector<float> x = test::SpeechLike(static_cast<size_t>(rate_hz) * 3, rate_hz, 0.5f, 11);
    // Identity: alpha = 1, the clip never binds, every normalised vector meets itself;
    // only rounding in the unit-norm scaling remains (~1e-15). 1e-9 is generous.
    EXPECT_NEAR(Stoi(x.data(), x.data(), x.size(), rate_hz).value(), 1.0, 1e-9) << rate_hz;
    EXPECT_NEAR(Estoi(x.data(), x.data(), x.size(), rate_hz).value(), 1.0, 1e-9) << rate_hz;
  }
}

TEST(StoiMeasure, IgnoresTheGainOfTheProcessedSignal) {
  const int rate_hz = 16000;
  const std::vector<float> x = test::SpeechLike(48000, rate_hz, 0.5f, 12);
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = 0.03f * x[i];
  // The gain is normalised away (alpha for STOI, the row normalisation for ESTOI); only
  // float rounding of the scaled samples is left.
  EXPECT_NEAR(Stoi(x.data(), y.data(), x.size(), rate_hz).value(), 1.0, 1e-6);
  EXPECT_NEAR(Estoi(x.data(), y.data(), x.size(), rate_hz).value(), 1.0, 1e-6);
}

TEST(StoiMeasure, MoreNoiseScoresMonotonicallyLower) {
  const int rate_hz = 16000;
  const std::vector<float> clean = test::SpeechLike(static_cast<size_t>(rate_hz) * 4, rate_hz, 0.5f, 4);
  const std::vector<float> noise = test::WhiteNoise(clean.size(), 1.0f, 5);
  double last_stoi = 1.0, last_estoi = 1.0;
  for (double snr_db : {30.0, 20.0, 10.0, 5.0, 0.0, -5.0, -10.0, -20.0}) {
    const std::vector<float> noisy = AddNoise(clean, noise, snr_db);
    const double s = Stoi(clean.data(), noisy.data(), clean.size(), rate_hz).value();
    const double e = Estoi(clean.data(), noisy.data(), clean.size(), rate_hz).value();
    EXPECT_LT(s, last_stoi) << snr_db << " dB";
    EXPECT_LT(e, last_estoi) << snr_db << " dB";
    last_stoi = s;
    last_estoi = e;
  }
  // At -20 dB white noise hides the speech. ESTOI falls to ~0.04 (chance is 0); STOI
  // keeps a floor of ~0.3, from its clipping: where the clean envelope dips more than
  // 15 dB below the noise, the clipped noise envelope follows the clean one (measured
  // 0.34 and 0.27 at -40 dB; the 10 dB values are 0.96 and 0.78).
  EXPECT_LT(last_stoi, 0.4);
  EXPECT_LT(last_estoi, 0.1);
}

TEST(StoiMeasure, SilentOrUnrelatedProcessedSignalScoresLow) {
  const int rate_hz = 16000;
  const std::vector<float> clean = test::SpeechLike(48000, rate_hz, 0.5f, 13);
  const std::vector<float> silence(clean.size(), 0.0f);
  // All envelopes of the processed signal are zero, so every correlation is defined as 0
  // (the MATLAB code would produce NaN here).
  EXPECT_EQ(Stoi(clean.data(), silence.data(), clean.size(), rate_hz).value(), 0.0);
  EXPECT_EQ(Estoi(clean.data(), silence.data(), clean.size(), rate_hz).value(), 0.0);
  // Unrelated speech: correlations scatter around 0 (+-0.2 per 30-frame segment and
  // band), averaging to well under 0.1 in magnitude (measured -0.04 and -0.05).
  const std::vector<float> other_speech = test::SpeechLike(clean.size(), rate_hz, 0.5f, 99);
  EXPECT_LT(std::abs(Stoi(clean.data(), other_speech.data(), clean.size(), rate_hz).value()), 0.1);
  EXPECT_LT(std::abs(Estoi(clean.data(), other_speech.data(), clean.size(), rate_hz).value()), 0.1);
  // Stationary noise alone: ESTOI ~0 (measured -0.008); STOI sits on the clipping floor
  // described above (measured 0.26), still far below any intelligible condition.
  const std::vector<float> other_noise = test::WhiteNoise(clean.size(), 0.2f, 14);
  EXPECT_LT(std::abs(Estoi(clean.data(), other_noise.data(), clean.size(), rate_hz).value()), 0.05);
  EXPECT_LT(Stoi(clean.data(), other_noise.data(), clean.size(), rate_hz).value(), 0.35);
}

TEST(StoiMeasure, MisalignmentLowersTheScore) {
  // STOI compares short-time envelopes, so a processed signal 100 ms late (the tools
  // must compensate delays before scoring) must score clearly lower than an aligned one.
  const int rate_hz = 16000;
  const std::vector<float> clean = test::SpeechLike(64000, rate_hz, 0.5f, 15);
  std::vector<float> late(clean.size(), 0.0f);
  std::copy(clean.begin(), clean.end() - 1600, late.begin() + 1600);
  EXPECT_LT(Stoi(clean.data(), late.data(), clean.size(), rate_hz).value(), 0.8);
}

TEST(StoiMeasure, TooLittleSpeechHasNoScore) {
  const int rate_hz = 16000;
  // 0.19 s: fewer than 30 frames of 12.8 ms.
  const std::vector<float> short_clip = test::SpeechLike(3000, rate_hz, 0.5f, 6);
  EXPECT_FALSE(Stoi(short_clip.data(), short_clip.data(), short_clip.size(), rate_hz).has_value());
  EXPECT_FALSE(Estoi(short_clip.data(), short_clip.data(), short_clip.size(), rate_hz).has_value());
  EXPECT_FALSE(Stoi(nullptr, nullptr, 0, rate_hz).has_value());
  // 3 s, but the clean signal is silent: no frame is within 40 dB of its loudest.
  const std::vector<float> silence(48000, 0.0f);
  const std::vector<float> noise = test::WhiteNoise(48000, 0.1f, 7);
  EXPECT_FALSE(Stoi(silence.data(), noise.data(), silence.size(), rate_hz).has_value());
  EXPECT_FALSE(Estoi(silence.data(), noise.data(), silence.size(), rate_hz).has_value());
  // 10 s of which only 0.25 s is speech: silent-frame removal leaves too few frames.
  std::vector<float> mostly_silent(160000, 0.0f);
  std::copy(short_clip.begin(), short_clip.end(), mostly_silent.begin() + 80000);
  std::copy(short_clip.begin(), short_clip.begin() + 1000, mostly_silent.begin() + 83000);
  EXPECT_FALSE(Stoi(mostly_silent.data(), mostly_silent.data(), mostly_silent.size(), rate_hz).has_value());
}

TEST(StoiMeasure, RejectsInvalidInput) {
  std::vector<float> x = test::SpeechLike(48000, 16000, 0.5f, 8);
  EXPECT_THROW(Stoi(nullptr, x.data(), x.size(), 16000), std::invalid_argument);
  EXPECT_THROW(Estoi(x.data(), nullptr, x.size(), 16000), std::invalid_argument);
  EXPECT_THROW(Stoi(x.data(), x.data(), x.size(), 0), std::invalid_argument);
  std::vector<float> bad = x;
  bad[1000] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(Stoi(x.data(), bad.data(), x.size(), 16000), std::invalid_argument);
  bad[1000] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(Estoi(bad.data(), x.data(), x.size(), 16000), std::invalid_argument);
}

TEST(StoiResampler, KeepsTheSpeechBandInPlaceAndRemovesAliases) {
  for (int rate_hz : {8000, 16000, 22050, 44100, 48000}) {
    const size_t n = static_cast<size_t>(rate_hz);  // 1 s
    std::vector<float> tone(n), alias(n);
    const double alias_hz = 7000.0 < 0.5 * rate_hz ? 7000.0 : 3900.0;
    for (size_t i = 0; i < n; ++i) {
      tone[i] = static_cast<float>(0.5 * std::sin(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(i) / rate_hz));
      alias[i] = static_cast<float>(0.5 * std::sin(2.0 * std::numbers::pi * alias_hz * static_cast<double>(i) / rate_hz));
    }
    const std::vector<double> y = ResampleKaiserSinc(tone.data(), n, rate_hz, 10000);
    ASSERT_EQ(y.size(), 10000u) << rate_hz;  // ceil(n * 10000 / rate)
    // Zero phase and unit gain at 1 kHz: away from the edges (where the signal is taken
    // as zero outside itself) output k equals the tone at time k / 10 kHz. The filter's
    // pass-band ripple at 1 kHz is ~1e-4 of the amplitude; 1e-3 gives margin.
    double worst = 0.0;
    for (size_t k = 200; k + 200 < y.size(); ++k) {
      const double expected = 0.5 * std::sin(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(k) / 10000.0);
      worst = std::max(worst, std::abs(y[k] - expected));
    }
    EXPECT_LT(worst, 1e-3) << rate_hz;
    if (alias_hz == 7000.0) {
      // 7 kHz would fold to 3 kHz, inside the STOI bands; the Kaiser (beta 5) filter's
      // stop band is ~50 dB down, so 40 dB is asserted.
      const std::vector<double> z = ResampleKaiserSinc(alias.data(), n, rate_hz, 10000);
      double peak = 0.0;
      for (size_t k = 200; k + 200 < z.size(); ++k) peak = std::max(peak, std::abs(z[k]));
      EXPECT_LT(20.0 * std::log10(peak / 0.5), -40.0) << rate_hz;
    }
  }
  EXPECT_THROW(ResampleKaiserSinc(nullptr, 0, 0, 10000), std::invalid_argument);
}

TEST(StoiMeasure, RealSpeechWithNoiseScoresInASaneRange) {
  const std::filesystem::path data(HUSH_SHARED_DATA_DIR);
  const std::filesystem::path clean_path = data / "samples/clean/cmu_arctic_us_aew_a0001.flac";
  const std::filesystem::path noise_path = data / "samples/noise/speechcommands_doing_the_dishes.flac";
  if (!std::filesystem::exists(clean_path) || !std::filesystem::exists(noise_path)) {
    GTEST_SKIP() << "shared data absent: " << clean_path << " / " << noise_path;
  }
  auto read = [](const std::filesystem::path& path, int* rate_hz) {
    SoundFileReader reader(path.string());
    *rate_hz = reader.Format().sample_rate_hz;
    std::vector<std::vector<float>> planar(static_cast<size_t>(reader.Format().channels),
                                           std::vector<float>(static_cast<size_t>(reader.Format().frames)));
    planar[0].resize(reader.ReadPlanar(planar, planar[0].size()));
    return planar[0];
  };
  int rate_hz = 0, noise_rate_hz = 0;
  const std::vector<float> clean = read(clean_path, &rate_hz);
  const std::vector<float> noise = read(noise_path, &noise_rate_hz);
  ASSERT_EQ(rate_hz, noise_rate_hz);
  ASSERT_GE(noise.size(), clean.size());
  double last = 1.0;
  for (double snr_db : {20.0, 5.0, -5.0}) {
    const std::vector<float> noisy = AddNoise(clean, noise, snr_db);
    const double s = Stoi(clean.data(), noisy.data(), clean.size(), rate_hz).value();
    const double e = Estoi(clean.data(), noisy.data(), clean.size(), rate_hz).value();
    // Published STOI curves for speech in everyday noise run from ~0.95 at 20 dB to
    // ~0.6-0.7 at -5 dB; ESTOI lies below STOI. Wide bounds: this is a sanity check,
    // the exact values are the golden test's job.
    EXPECT_GT(s, 0.5) << snr_db;
    EXPECT_LE(s, 1.0) << snr_db;
    EXPECT_GT(e, 0.2) << snr_db;
    EXPECT_LE(e, s) << snr_db;
    EXPECT_LT(s, last) << snr_db;
    last = s;
  }
}

#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST(StoiMeasure, TenSecondsAt48kHzTakeWellUnder100Ms) {
  const int rate_hz = 48000;
  const std::vector<float> clean = test::SpeechLike(10 * static_cast<size_t>(rate_hz), rate_hz, 0.5f, 9);
  const std::vector<float> noisy = AddNoise(clean, test::WhiteNoise(clean.size(), 1.0f, 10), 5.0);
  double best_ms = 1e9;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(Stoi(clean.data(), noisy.data(), clean.size(), rate_hz).has_value());
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  // Measured ~20 ms on the 2-core CI machine; the best of three runs absorbs a busy
  // neighbour, and the bound is the requirement itself.
  EXPECT_LT(best_ms, 100.0);
}
#endif

}  // namespace
}  // namespace hush
