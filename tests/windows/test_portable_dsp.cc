// SPDX-License-Identifier: MIT
// The portable FFT and resamplers as built for Windows, against references that need no
// third-party library (a double-precision DFT, an analytic sine). The comparison against
// kissfft, SpeexDSP and libsamplerate runs on Linux (tests/unit/test_portable_*.cc).
#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "dsp/portable_fft.h"
#include "dsp/portable_resampler.h"
#include "dsp/stft.h"
#include "nn/kernels.h"
#include "win_test.h"

HUSH_TEST(PortableRealFftMatchesADoubleDft) {
  // Every length the library uses (960: the STFT; 512: STOI; powers of two: SI-SDR) and
  // an odd-factor one. Tolerance: float FFT error grows like log2(N) * 6e-8 relative to
  // the spectrum's RMS; 2e-6 of the peak bin magnitude is 10x what Linux measures.
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  for (int n : {960, 512, 1024, 30}) {
    std::vector<float> x(static_cast<size_t>(n)), back(static_cast<size_t>(n));
    for (float& v : x) v = normal(rng);
    hush::dsp::PortableRealFft fft(n);
    std::vector<hush::dsp::Complex> spectrum(static_cast<size_t>(fft.Bins()));
    fft.Forward(x.data(), spectrum.data());
    double worst = 0.0, peak = 0.0;
    for (int k = 0; k < fft.Bins(); ++k) {
      std::complex<double> acc = 0.0;
      for (int t = 0; t < n; ++t) acc += static_cast<double>(x[static_cast<size_t>(t)]) * std::polar(1.0, -2.0 * std::numbers::pi * k * t / n);
      worst = std::max(worst, std::abs(acc - std::complex<double>(spectrum[static_cast<size_t>(k)])));
      peak = std::max(peak, std::abs(acc));
    }
    fft.Inverse(spectrum.data(), back.data());
    double round_trip = 0.0;
    for (int t = 0; t < n; ++t) round_trip = std::max(round_trip, std::abs(back[static_cast<size_t>(t)] / n - static_cast<double>(x[static_cast<size_t>(t)])));
    std::printf("  N=%d: worst bin error %.2e of peak %.1f; round trip %.2e\n", n, worst, peak, round_trip);
    HUSH_CHECK_LE(worst, 2e-6 * peak);
    HUSH_CHECK_LE(round_trip, 5e-6);  // inputs are ~N(0,1): a few float ulps
  }
}

HUSH_TEST(StftIsTheIdentityWithUnitGains) {
  // dsp::Stft on the portable FFT: analysis + synthesis reconstructs the input delayed by
  // one hop (sqrt-Hann windows whose squares sum to one).
  hush::dsp::Stft stft(480);
  std::vector<float> x(48000), y(48000);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (float& v : x) v = uniform(rng);
  for (size_t pos = 0; pos + 480 <= x.size(); pos += 480) stft.Synthesize(stft.Analyze(x.data() + pos), y.data() + pos);
  double worst = 0.0;
  for (size_t i = 960; i < y.size(); ++i) worst = std::max(worst, static_cast<double>(std::abs(y[i] - x[i - 480])));
  std::printf("  worst reconstruction error %.2e\n", worst);
  HUSH_CHECK_LE(worst, 1e-5);
}

namespace {

// Resamples a 997 Hz sine through `r` in 137-frame pieces; returns the SNR against the
// analytic sine delayed by the resampler's reported delay (so a wrong report fails).
double SineSnrDb(int in_hz, int out_hz, int quality) {
  hush::dsp::PortableResampler r(in_hz, out_hz, quality);
  const size_t n = static_cast<size_t>(in_hz);
  std::vector<float> x(n), y(static_cast<size_t>(static_cast<double>(n) * out_hz / in_hz) + 64);
  for (size_t i = 0; i < n; ++i) x[i] = 0.5f * static_cast<float>(std::sin(2.0 * std::numbers::pi * 997.0 * static_cast<double>(i) / in_hz));
  size_t in_pos = 0, out_pos = 0;
  while (in_pos < n) {
    size_t a = std::min<size_t>(137, n - in_pos), b = y.size() - out_pos;
    r.Process(x.data() + in_pos, &a, y.data() + out_pos, &b);
    if (a == 0 && b == 0) break;
    in_pos += a;
    out_pos += b;
  }
  const double delay = r.InputLatencyFrames();
  double error = 0.0, signal = 0.0;
  for (size_t j = static_cast<size_t>(out_hz / 10); j + 1 < out_pos; ++j) {
    const double t = (static_cast<double>(j) * in_hz / out_hz - delay) / in_hz;
    const double ref = 0.5 * std::sin(2.0 * std::numbers::pi * 997.0 * t);
    error += (y[j] - ref) * (y[j] - ref);
    signal += ref * ref;
  }
  return 10.0 * std::log10(signal / (error + 1e-30));
}

}  // namespace

HUSH_TEST(PortableResamplerKeepsASineAtTheReportedDelay) {
  // Quality 6 (the C API's): Linux measures 120-136 dB for these pairs; 100 dB leaves
  // room for a different libm without letting a real defect (a one-frame delay error is
  // ~ -30 dB at 1 kHz) through.
  for (auto [in_hz, out_hz] : {std::pair{44100, 48000}, std::pair{48000, 44100}, std::pair{8000, 48000},
                               std::pair{48000, 16000}, std::pair{192000, 48000}}) {
    const double snr = SineSnrDb(in_hz, out_hz, 6);
    std::printf("  %d -> %d Hz: %.1f dB\n", in_hz, out_hz, snr);
    HUSH_CHECK(snr > 100.0);
  }
}

HUSH_TEST(VariableResamplerStaysCleanWhileTheRatioMoves) {
  // Stereo, the ratio swept by +-0.5 % (the bridge's limit) in 2 ppm steps every
  // 256-frame block: the output must stay a sine (no discontinuity above 1e-4 in the
  // predictor residual, which a 0.5 % frequency change keeps below 1e-5 at 440 Hz).
  hush::dsp::VariableResampler r(2, 1.0, 0.005, hush::dsp::SincFilterSpec{32, 96.0});
  const double omega_in = 2.0 * std::numbers::pi * 440.0 / 48000.0;
  std::vector<float> in(2 * 512), out(2 * 256);
  std::vector<float> left;
  double phase = 0.0, ratio = 1.0, direction = 2e-6;
  size_t worst_index = 0;
  double worst = 0.0;
  size_t in_fill = 0;
  for (int block = 0; block < 2000; ++block) {
    while (in_fill < 512) {
      in[2 * in_fill] = static_cast<float>(0.5 * std::sin(phase));
      in[2 * in_fill + 1] = -in[2 * in_fill];
      phase += omega_in;
      ++in_fill;
    }
    size_t used = 0, generated = 0;
    r.Process(in.data(), in_fill, &used, out.data(), 256, &generated, ratio);
    HUSH_REQUIRE(generated == 256);
    std::copy(in.begin() + static_cast<std::ptrdiff_t>(2 * used), in.begin() + static_cast<std::ptrdiff_t>(2 * in_fill), in.begin());
    in_fill -= used;
    for (size_t i = 0; i < generated; ++i) {
      HUSH_CHECK(out[2 * i] == -out[2 * i + 1]);  // channels stay separate and aligned
      left.push_back(out[2 * i]);
    }
    ratio += direction * 256.0 / 100.0;
    if (std::abs(ratio - 1.0) > 0.0049) direction = -direction;
  }
  const double c = 2.0 * std::cos(omega_in);  // the frequency moves by <= 0.5 %
  for (size_t n = 200; n < left.size(); ++n) {
    const double residual = std::abs(left[n] - c * left[n - 1] + left[n - 2]);
    if (residual > worst) {
      worst = residual;
      worst_index = n;
    }
  }
  std::printf("  worst predictor residual %.2e at frame %zu (delay %d frames)\n", worst, worst_index, r.DelayFrames());
  HUSH_CHECK_LE(worst, 1e-4);
}

HUSH_TEST(NnKernelsAgreeWithScalar) {
  // The AVX2/SSE2 kernels as compiled for the Windows x64 ABI (AVX spills need 32-byte
  // alignment that mingw's stack does not give; see src/CMakeLists.txt) against scalar.
  const hush::nn::KernelTable* scalar = hush::nn::ScalarKernels();
  HUSH_REQUIRE(scalar != nullptr);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  int checked = 0;
  for (const char* name : {"sse2", "avx2"}) {
    const hush::nn::KernelTable* table = hush::nn::KernelsByName(name);
    if (table == nullptr) {
      std::printf("  %s: not available on this CPU\n", name);
      continue;
    }
    ++checked;
    const int rows = 77, cols = 53;
    std::vector<float> w(static_cast<size_t>(rows * cols)), x(static_cast<size_t>(cols));
    for (float& v : w) v = normal(rng);
    for (float& v : x) v = normal(rng);
    std::vector<float> y_ref(static_cast<size_t>(rows), 0.25f), y(static_cast<size_t>(rows), 0.25f);
    scalar->matvec_accumulate(w.data(), x.data(), rows, cols, y_ref.data());
    table->matvec_accumulate(w.data(), x.data(), rows, cols, y.data());
    double worst = 0.0;
    for (int r = 0; r < rows; ++r) worst = std::max(worst, static_cast<double>(std::abs(y[static_cast<size_t>(r)] - y_ref[static_cast<size_t>(r)])));
    std::vector<float> s_ref(101), s(101), t_ref(101), t(101);
    for (size_t i = 0; i < s.size(); ++i) s_ref[i] = s[i] = t_ref[i] = t[i] = 0.2f * (static_cast<float>(i) - 50.0f);
    scalar->sigmoid(s_ref.data(), 101);
    table->sigmoid(s.data(), 101);
    scalar->tanh(t_ref.data(), 101);
    table->tanh(t.data(), 101);
    double worst_act = 0.0;
    for (size_t i = 0; i < s.size(); ++i) {
      worst_act = std::max(worst_act, static_cast<double>(std::abs(s[i] - s_ref[i])));
      worst_act = std::max(worst_act, static_cast<double>(std::abs(t[i] - t_ref[i])));
    }
    std::printf("  %s: matvec %.2e, activations %.2e\n", name, worst, worst_act);
    // Summation order differs (FMA, lanes): ~cols ulps of |y| ~ 10 -> 1e-4; the shared
    // exp approximation makes the activations agree to a few ulp.
    HUSH_CHECK_LE(worst, 1e-4);
    HUSH_CHECK_LE(worst_act, 1e-6);
  }
  HUSH_CHECK(checked >= 1);  // SSE2 is part of x86-64
  std::printf("  best: %s\n", hush::nn::BestKernels().name);
}
