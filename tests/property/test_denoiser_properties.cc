// SPDX-License-Identifier: MIT
// Invariants of hush_denoiser over sweeps of rates, channel counts and block sizes.
#include <gtest/gtest.h>
#include <hush/hush.hpp>

#include <cmath>
#include <numeric>
#include <numeric>
#include <string>
#include <vector>

#include "common/denoise_helpers.h"
#include "common/test_signals.h"
#include "eval/sisdr.h"

namespace hush {
namespace {

constexpr uint32_t kRates[] = {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000};

test::Planar TestInput(uint32_t rate, uint32_t channels, size_t frames) {
  test::Planar x;
  for (uint32_t c = 0; c < channels; ++c) {
    std::vector<float> s = test::SpeechLike(frames, static_cast<int>(rate), 0.4f, 100 + c);
    const std::vector<float> n = test::WhiteNoise(frames, 0.02f, 200 + c);
    for (size_t i = 0; i < frames; ++i) s[i] += n[i];
    x.push_back(std::move(s));
  }
  return x;
}

// Any sequence of block sizes gives the same output as blocks of exactly one hop.
// Every property holds for both suppressors.
class DenoiserProperty : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    hush_model* raw = nullptr;
    if (hush_model_create(GetParam(), &raw) == HUSH_ERROR_UNSUPPORTED) GTEST_SKIP() << "no neural model in this build";
    hush_model_destroy(raw);
  }
  static hush_suppressor_kind Kind() { return static_cast<hush_suppressor_kind>(GetParam()); }
};

TEST_P(DenoiserProperty, BlockSizeSequenceDoesNotChangeTheOutput) {
  Model model(Kind());
  for (uint32_t rate : {48000u, 44100u, 16000u, 96000u}) {
    const size_t hop = rate / 100;
    const test::Planar x = TestInput(rate, 2, rate * 2);
    Denoiser reference(model, test::Config(rate, 2));
    const test::Planar expected = test::RunBlocks(reference, x, 0, [&] { return hop; });
    ASSERT_FALSE(expected.empty());
    for (uint64_t seed : {1u, 2u, 3u}) {
      Denoiser d(model, test::Config(rate, 2));
      test::Lcg rng(seed);
      // Sizes from 1 frame to the 4096 maximum, with odd values and many tiny blocks.
      const test::Planar got = test::RunBlocks(d, x, 0, [&] {
        const uint32_t pick = rng.Below(4);
        return pick == 0 ? size_t{1} + rng.Below(7) : pick == 1 ? size_t{4096} : size_t{1} + rng.Below(1500);
      });
      ASSERT_FALSE(got.empty());
      for (size_t c = 0; c < 2; ++c) {
        for (size_t i = 0; i < x[0].size(); ++i) {
          if (rate == 48000) {
            // Without resampling the hops see identical samples: bit-exact.
            ASSERT_EQ(got[c][i], expected[c][i]) << "rate " << rate << " seed " << seed << " at " << i;
          } else {
            // SpeexDSP interpolates its filter phase in float; differently cut blocks
            // round differently by a few ulp (~1e-7 of full scale), far below audibility.
            ASSERT_NEAR(got[c][i], expected[c][i], 2e-6f) << "rate " << rate << " seed " << seed << " at " << i;
          }
        }
      }
    }
  }
}

TEST_P(DenoiserProperty, SilenceInGivesSilenceOut) {
  Model model(Kind());
  for (uint32_t rate : kRates) {
    Denoiser d(model, test::Config(rate, 3));
    const test::Planar x(3, std::vector<float>(rate, 0.0f));
    const test::Planar y = test::RunBlocks(d, x, 0, [] { return size_t{777}; });
    ASSERT_FALSE(y.empty());
    for (const auto& channel : y) {
      for (float v : channel) ASSERT_EQ(v, 0.0f) << rate;
    }
  }
}

// A stream that starts with digital silence (a muted microphone, a virtual device before
// its first client) must still suppress the noise that follows. The statistical noise
// tracker once locked up here: its estimate stayed ~0, every bin looked like speech and
// nothing was suppressed ever after (found by the PipeWire filter-chain test).
TEST_P(DenoiserProperty, NoiseAfterDigitalSilenceIsStillSuppressed) {
  Model model(Kind());
  Denoiser d(model, test::Config(48000, 1));
  const size_t silence = 48000 * 3, noise_frames = 48000 * 4;
  test::Planar x(1, std::vector<float>(silence, 0.0f));
  const std::vector<float> noise = test::WhiteNoise(noise_frames, 0.05f, 11);
  x[0].insert(x[0].end(), noise.begin(), noise.end());
  const test::Planar y = test::RunBlocks(d, x, 0, [] { return size_t{480}; });
  ASSERT_FALSE(y.empty());
  // The last 2 s: the trackers have had 2 s (three minimum windows) to find the noise.
  const size_t from = x[0].size() - 48000 * 2;
  const double in_db = test::PowerDb(x[0].data() + from, 48000 * 2);
  const double out_db = test::PowerDb(y[0].data() + from, 48000 * 2);
  // White noise alone at the default 30 dB limit comes out >20 dB lower when the
  // trackers work; 10 dB leaves margin and still fails the locked-up case (0 dB).
  EXPECT_LT(out_db, in_db - 10.0) << "in " << in_db << " dB, out " << out_db << " dB";
}

TEST_P(DenoiserProperty, FiniteInGivesFiniteBoundedOut) {
  Model model(Kind());
  for (uint32_t rate : {8000u, 44100u, 48000u, 192000u}) {
    Denoiser d(model, test::Config(rate, 1, 100.0f));
    std::vector<float> x(rate * 2);
    test::Lcg rng(rate);
    // Full-scale square bursts, denormals, tiny and huge in-range values.
    for (size_t i = 0; i < x.size(); ++i) {
      const size_t segment = (i / 4000) % 4;
      x[i] = segment == 0 ? ((i / 50) % 2 ? 1.0f : -1.0f)
             : segment == 1 ? 1e-39f * rng.Uniform()
             : segment == 2 ? 1e-6f * rng.Uniform()
                            : rng.Uniform();
    }
    const test::Planar y = test::RunBlocks(d, {x}, 0, [] { return size_t{1024}; });
    ASSERT_FALSE(y.empty());
    for (float v : y[0]) {
      ASSERT_TRUE(std::isfinite(v));
      // Gains never exceed 1, but band-limiting a full-scale square overshoots (Gibbs:
      // ~18%), and per-bin gains can add phase-coherent ringing; 1.5 still catches any
      // runaway gain or instability.
      ASSERT_LT(std::abs(v), 1.5f);
    }
  }
}

// With strength 0 the denoiser is a pure delay of exactly the reported latency, at every
// rate and channel count.
TEST_P(DenoiserProperty, EveryRateAndChannelCountRoundTripsWithTheReportedLatency) {
  Model model(Kind());
  for (uint32_t rate : kRates) {
    for (uint32_t channels : {1u, 2u, 8u}) {
      Denoiser d(model, test::Config(rate, channels, 0.0f));
      const uint32_t latency = d.LatencyFrames();
      // Keep the test signal inside the band both rates pass: below 0.4 x the lower rate.
      const float cutoff_hz = 0.4f * static_cast<float>(std::min(rate, 48000u));
      test::Planar x;
      for (uint32_t c = 0; c < channels; ++c) x.push_back(test::BandLimitedClicks(rate, cutoff_hz, static_cast<int>(rate), c + 1));
      const test::Planar y = test::RunBlocks(d, x, latency, [] { return size_t{999}; });
      ASSERT_FALSE(y.empty());
      for (uint32_t c = 0; c < channels; ++c) {
        const size_t n = x[c].size();
        const long lag = EstimateDelayFrames(x[c].data(), y[c].data(), n, 3 * static_cast<long>(latency));
        // The sub-frame delay, from a parabola through the correlation around its peak.
        auto correlation = [&](long l) {
          double sum = 0.0;
          for (size_t i = 0; i < n && i + static_cast<size_t>(l) < y[c].size(); ++i) {
            sum += static_cast<double>(x[c][i]) * y[c][i + static_cast<size_t>(l)];
          }
          return sum;
        };
        const long best = lag;
        const double cm = correlation(best - 1), c0 = correlation(best), cp = correlation(best + 1);
        const double measured = static_cast<double>(best) + 0.5 * (cm - cp) / (cm - 2.0 * c0 + cp);
        const bool exact = (48000 / std::gcd(rate, 48000u)) <= 160;  // see kMaxPadPeriodFrames
        // Exact rates: the delay is a whole number of frames (0.05: parabola error).
        // Others: the true delay is fractional and the report rounds it (0.5 + 0.05).
        EXPECT_NEAR(measured, static_cast<double>(latency), exact ? 0.05 : 0.55)
            << "rate " << rate << " channels " << channels;
        if (exact) {
          // Aligned by the reported latency the output is the input: the resamplers'
          // pass-band ripple at SpeexDSP quality 6 leaves > 60 dB of SI-SDR.
          const size_t margin = rate / 10;  // skip the filter start-up at both ends
          const double sisdr = SiSdrDb(x[c].data() + margin, y[c].data() + latency + margin, n - 2 * margin);
          EXPECT_GT(sisdr, rate == 48000 ? 90.0 : 60.0) << "rate " << rate << " channels " << channels;
        }
      }
    }
  }
}

TEST_P(DenoiserProperty, LatencyIsAtMostOneHopPlusTheAlgorithmicDelayPlusResampling) {
  Model model(Kind());
  for (uint32_t rate : kRates) {
    Denoiser d(model, test::Config(rate, 1));
    const double latency_ms = 1000.0 * d.LatencyFrames() / rate;
    // 10 ms algorithmic + < 10 ms block alignment; at other rates + the two resampler
    // filters (longer in time at low rates, for the same relative transition band) and
    // the rounding pad (< 3.4 ms).
    const double budget_ms = rate == 48000 ? 20.0 : rate >= 16000 ? 27.0 : 33.0;
    EXPECT_LT(latency_ms, budget_ms) << rate;
  }
}

INSTANTIATE_TEST_SUITE_P(Suppressors, DenoiserProperty,
                         ::testing::Values(HUSH_SUPPRESSOR_STATISTICAL, HUSH_SUPPRESSOR_NEURAL),
                         [](const ::testing::TestParamInfo<int>& param_info) {
                           return std::string(param_info.param == HUSH_SUPPRESSOR_NEURAL ? "neural" : "statistical");
                         });

}  // namespace
}  // namespace hush
