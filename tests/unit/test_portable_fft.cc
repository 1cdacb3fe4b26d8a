// SPDX-License-Identifier: MIT
// The project's FFT (dsp/portable_fft.h, used on Windows) against kissfft (Debian's
// libkissfft, used on Linux), bin by bin, on every length the library uses.
#include <gtest/gtest.h>
#include <kissfft/kiss_fft.h>
#include <kissfft/kiss_fftr.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <complex>
#include <stdexcept>
#include <vector>

#include "common/test_signals.h"
#include "dsp/portable_fft.h"

namespace hush {
namespace {

// Worst |portable - kiss| over all bins, relative to the largest bin magnitude.
double WorstRelativeRealError(int n, unsigned seed) {
  const std::vector<float> x = test::WhiteNoise(static_cast<size_t>(n), 0.5f, seed);
  dsp::PortableRealFft portable(n);
  std::vector<dsp::Complex> ours(static_cast<size_t>(portable.Bins()));
  portable.Forward(x.data(), ours.data());
  kiss_fftr_cfg cfg = kiss_fftr_alloc(n, 0, nullptr, nullptr);
  std::vector<kiss_fft_cpx> theirs(static_cast<size_t>(n / 2 + 1));
  kiss_fftr(cfg, x.data(), theirs.data());
  kiss_fftr_free(cfg);
  double worst = 0.0, peak = 0.0;
  for (size_t k = 0; k < ours.size(); ++k) {
    const std::complex<double> t(theirs[k].r, theirs[k].i);
    worst = std::max(worst, std::abs(std::complex<double>(ours[k]) - t));
    peak = std::max(peak, std::abs(t));
  }
  return worst / peak;
}

TEST(PortableRealFft, MatchesKissfftOnEveryLengthTheLibraryUses) {
  // 960: the suppressors' STFT at 48 kHz (2^6 * 3 * 5); 512: STOI; powers of two: SI-SDR
  // (any length up to the next power of two); 480 and 30 for the radix-3/5 paths.
  // Tolerance: both are float FFTs with ~log2(N) roundings of ~6e-8 each on values of
  // the spectrum's scale; 1e-6 of the peak is ~3x the worst measured (3.1e-7 at 960).
  for (int n : {960, 512, 1024, 2048, 4096, 480, 30, 2}) {
    const double error = WorstRelativeRealError(n, static_cast<unsigned>(n));
    EXPECT_LT(error, 1e-6) << "N = " << n;
    RecordProperty("relative_error_" + std::to_string(n), std::to_string(error));
    std::printf("  N = %d: worst bin error %.2e of the peak bin\n", n, error);
  }
}

TEST(PortableRealFft, InverseMatchesKissfftri) {
  const int n = 960;
  const std::vector<float> x = test::WhiteNoise(static_cast<size_t>(n), 0.5f, 17);
  dsp::PortableRealFft portable(n);
  std::vector<dsp::Complex> spectrum(static_cast<size_t>(portable.Bins()));
  portable.Forward(x.data(), spectrum.data());
  std::vector<float> ours(static_cast<size_t>(n)), theirs(static_cast<size_t>(n));
  const std::vector<dsp::Complex> untouched = spectrum;
  portable.Inverse(spectrum.data(), ours.data());
  EXPECT_EQ(spectrum, untouched);  // the input is const in fact, not only in name
  kiss_fftr_cfg cfg = kiss_fftr_alloc(n, 1, nullptr, nullptr);
  kiss_fftri(cfg, reinterpret_cast<const kiss_fft_cpx*>(spectrum.data()), theirs.data());
  kiss_fftr_free(cfg);
  // Both unnormalised (N times the signal: values up to ~1500 here). Float roundings of
  // ~log2(N) stages: 1e-6 of the largest value is ~4x the worst measured (2.6e-7).
  double worst = 0.0, peak = 0.0, round_trip = 0.0;
  for (int i = 0; i < n; ++i) {
    const size_t k = static_cast<size_t>(i);
    worst = std::max(worst, static_cast<double>(std::abs(ours[k] - theirs[k])));
    peak = std::max(peak, static_cast<double>(std::abs(theirs[k])));
    round_trip = std::max(round_trip, static_cast<double>(std::abs(ours[k] / n - x[k])));
  }
  RecordProperty("inverse_relative_error", std::to_string(worst / peak));
  std::printf("  inverse: worst %.2e of the peak, round trip %.2e\n", worst / peak, round_trip);
  EXPECT_LT(worst, 1e-6 * peak);
  EXPECT_LT(round_trip, 2e-6);  // |x| up to ~2: a few float ulps
}

TEST(PortableComplexFft, MatchesKissfftIncludingPrimeFactors) {
  // 97 and 7 * 11 * 13 exercise the generic odd-prime butterfly; 1 is the trivial copy.
  for (int n : {480, 1000, 97, 1001, 64, 1}) {
    std::vector<dsp::Complex> x(static_cast<size_t>(n));
    const std::vector<float> re = test::WhiteNoise(x.size(), 0.5f, 3), im = test::WhiteNoise(x.size(), 0.5f, 4);
    for (size_t i = 0; i < x.size(); ++i) x[i] = {re[i], im[i]};
    for (bool inverse : {false, true}) {
      dsp::PortableComplexFft portable(n);
      std::vector<dsp::Complex> ours(x.size());
      if (inverse) {
        portable.Inverse(x.data(), ours.data());
      } else {
        portable.Forward(x.data(), ours.data());
      }
      kiss_fft_cfg cfg = kiss_fft_alloc(n, inverse ? 1 : 0, nullptr, nullptr);
      std::vector<kiss_fft_cpx> theirs(x.size());
      kiss_fft(cfg, reinterpret_cast<const kiss_fft_cpx*>(x.data()), theirs.data());
      kiss_fft_free(cfg);
      double worst = 0.0, peak = 0.0;
      for (size_t k = 0; k < x.size(); ++k) {
        const std::complex<double> t(theirs[k].r, theirs[k].i);
        worst = std::max(worst, std::abs(std::complex<double>(ours[k]) - t));
        peak = std::max(peak, std::abs(t));
      }
      // As above; a prime factor p adds p - 1 roundings per output, hence 2e-6 for 97.
      EXPECT_LT(worst, 2e-6 * peak) << "N = " << n << (inverse ? " inverse" : " forward");
    }
  }
}

TEST(PortableRealFft, RejectsLengthsItCannotDo) {
  EXPECT_THROW(dsp::PortableRealFft(0), std::invalid_argument);
  EXPECT_THROW(dsp::PortableRealFft(961), std::invalid_argument);
  EXPECT_THROW(dsp::PortableComplexFft(0), std::invalid_argument);
}

}  // namespace
}  // namespace hush
