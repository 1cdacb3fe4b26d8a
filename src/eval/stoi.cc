// SPDX-License-Identifier: MIT
#include "eval/stoi.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "dsp/resampler.h"
#include "dsp/stft.h"

namespace hush {

namespace {

constexpr int kRateHz = 10000;
constexpr int kFrameLen = 256;
constexpr int kHop = kFrameLen / 2;
constexpr int kFftLen = 512;
constexpr int kBands = 15;
constexpr double kMinBandHz = 150.0;
constexpr int kSegmentFrames = 30;
constexpr double kBetaDb = -15.0;
constexpr double kDynamicRangeDb = 40.0;
constexpr double kEps = 1e-12;

std::vector<double> To10kHz(const float* x, size_t frames, int rate_hz) {
  if (rate_hz == kRateHz) return std::vector<double>(x, x + frames);
  // SpeexDSP at its best quality (> 100 dB stop band); its delay is cut off so both
  // signals keep their alignment and start at the same sample.
  dsp::Resampler resampler(rate_hz, kRateHz, 10);
  const size_t delay_in = static_cast<size_t>(resampler.InputLatencyFrames());
  std::vector<float> input(x, x + frames);
  input.resize(frames + delay_in, 0.0f);
  std::vector<float> output(input.size() * kRateHz / static_cast<size_t>(rate_hz) + 16);
  size_t in_frames = input.size(), out_frames = output.size();
  resampler.Process(input.data(), &in_frames, output.data(), &out_frames);
  const size_t skip = static_cast<size_t>(std::lround(static_cast<double>(delay_in) * kRateHz / rate_hz));
  const size_t keep = static_cast<size_t>(static_cast<double>(frames) * kRateHz / rate_hz);
  std::vector<double> y;
  for (size_t i = skip; i < out_frames && y.size() < keep; ++i) y.push_back(output[i]);
  return y;
}

// MATLAB's hanning(N): symmetric, without the zero end points.
std::vector<double> HanningWindow() {
  std::vector<double> w(kFrameLen);
  for (int n = 0; n < kFrameLen; ++n) w[static_cast<size_t>(n)] = 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * (n + 1) / (kFrameLen + 1)));
  return w;
}

// Drops frames more than 40 dB below the loudest frame of the clean signal from both
// signals and overlap-adds the rest back together.
void RemoveSilentFrames(std::vector<double>& x, std::vector<double>& y) {
  const std::vector<double> w = HanningWindow();
  std::vector<size_t> starts;
  // Frame starts as in the reference code: 1:N/2:(length(x)-N), 1-based.
  for (size_t s = 0; s + kFrameLen < x.size(); s += kHop) starts.push_back(s);
  std::vector<double> energy_db(starts.size());
  double max_db = -1e300;
  for (size_t f = 0; f < starts.size(); ++f) {
    double e = 0.0;
    for (int n = 0; n < kFrameLen; ++n) {
      const double v = w[static_cast<size_t>(n)] * x[starts[f] + static_cast<size_t>(n)];
      e += v * v;
    }
    energy_db[f] = 20.0 * std::log10(std::sqrt(e) + 2.220446049250313e-16);
    max_db = std::max(max_db, energy_db[f]);
  }
  std::vector<size_t> kept;
  for (size_t f = 0; f < starts.size(); ++f) {
    if (energy_db[f] - max_db + kDynamicRangeDb > 0.0) kept.push_back(starts[f]);
  }
  const size_t out_len = kept.empty() ? 0 : (kept.size() - 1) * kHop + kFrameLen;
  std::vector<double> xo(out_len, 0.0), yo(out_len, 0.0);
  for (size_t j = 0; j < kept.size(); ++j) {
    for (int n = 0; n < kFrameLen; ++n) {
      xo[j * kHop + static_cast<size_t>(n)] += w[static_cast<size_t>(n)] * x[kept[j] + static_cast<size_t>(n)];
      yo[j * kHop + static_cast<size_t>(n)] += w[static_cast<size_t>(n)] * y[kept[j] + static_cast<size_t>(n)];
    }
  }
  x.swap(xo);
  y.swap(yo);
}

// One-third-octave band limits in FFT bins [first, last), as the reference thirdoct().
std::vector<std::pair<int, int>> ThirdOctaveBands() {
  std::vector<std::pair<int, int>> bands;
  const int bins = kFftLen / 2 + 1;
  auto nearest_bin = [&](double hz) {
    int best = 0;
    for (int k = 1; k < bins; ++k) {
      if (std::abs(k * static_cast<double>(kRateHz) / kFftLen - hz) <
          std::abs(best * static_cast<double>(kRateHz) / kFftLen - hz)) {
        best = k;
      }
    }
    return best;
  };
  for (int b = 0; b < kBands; ++b) {
    const double centre = kMinBandHz * std::pow(2.0, b / 3.0);
    const double low = std::sqrt(centre * kMinBandHz * std::pow(2.0, (b - 1) / 3.0));
    const double high = std::sqrt(centre * kMinBandHz * std::pow(2.0, (b + 1) / 3.0));
    bands.emplace_back(nearest_bin(low), nearest_bin(high));
  }
  return bands;
}

// Band envelopes [band][frame] of a signal: STFT magnitudes summed in power per band.
std::vector<std::vector<double>> BandEnvelopes(const std::vector<double>& x) {
  static const std::vector<std::pair<int, int>> bands = ThirdOctaveBands();
  const std::vector<double> w = HanningWindow();
  dsp::RealFft fft(kFftLen);
  std::vector<float> frame(kFftLen, 0.0f);
  std::vector<dsp::Complex> spectrum(kFftLen / 2 + 1);
  std::vector<std::vector<double>> env(kBands);
  for (size_t s = 0; s + kFrameLen < x.size(); s += kHop) {
    std::fill(frame.begin(), frame.end(), 0.0f);
    for (int n = 0; n < kFrameLen; ++n) frame[static_cast<size_t>(n)] = static_cast<float>(w[static_cast<size_t>(n)] * x[s + static_cast<size_t>(n)]);
    fft.Forward(frame.data(), spectrum.data());
    for (int b = 0; b < kBands; ++b) {
      double power = 0.0;
      for (int k = bands[static_cast<size_t>(b)].first; k < bands[static_cast<size_t>(b)].second; ++k) power += std::norm(spectrum[static_cast<size_t>(k)]);
      env[static_cast<size_t>(b)].push_back(std::sqrt(power));
    }
  }
  return env;
}

template <typename SegmentScore>
std::optional<double> Score(const float* clean, const float* processed, size_t frames, int rate_hz, SegmentScore score) {
  if (clean == nullptr || processed == nullptr || frames == 0 || rate_hz <= 0) return std::nullopt;
  std::vector<double> x = To10kHz(clean, frames, rate_hz);
  std::vector<double> y = To10kHz(processed, frames, rate_hz);
  RemoveSilentFrames(x, y);
  const auto ex = BandEnvelopes(x);
  const auto ey = BandEnvelopes(y);
  const size_t num_frames = ex[0].size();
  if (num_frames < kSegmentFrames) return std::nullopt;
  double sum = 0.0;
  size_t count = 0;
  for (size_t m = kSegmentFrames; m <= num_frames; ++m) {
    sum += score(ex, ey, m - kSegmentFrames);
    ++count;
  }
  return sum / static_cast<double>(count);
}

double Correlation(const double* a, const double* b, int n) {
  double ma = 0.0, mb = 0.0;
  for (int i = 0; i < n; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (int i = 0; i < n; ++i) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) * (a[i] - ma);
    bb += (b[i] - mb) * (b[i] - mb);
  }
  return ab / (std::sqrt(aa) * std::sqrt(bb) + kEps);
}

}  // namespace

std::optional<double> Stoi(const float* clean, const float* processed, size_t frames, int sample_rate_hz) {
  const double clip = std::pow(10.0, -kBetaDb / 20.0);
  return Score(clean, processed, frames, sample_rate_hz, [&](const auto& ex, const auto& ey, size_t start) {
    double total = 0.0;
    double x[kSegmentFrames], y[kSegmentFrames];
    for (int b = 0; b < kBands; ++b) {
      double nx = 0.0, ny = 0.0;
      for (int i = 0; i < kSegmentFrames; ++i) {
        x[i] = ex[static_cast<size_t>(b)][start + static_cast<size_t>(i)];
        y[i] = ey[static_cast<size_t>(b)][start + static_cast<size_t>(i)];
        nx += x[i] * x[i];
        ny += y[i] * y[i];
      }
      // Normalise the processed envelope to the clean one's energy, then clip it at
      // 15 dB above the clean envelope (the signal-to-distortion floor of the model).
      const double alpha = std::sqrt(nx) / (std::sqrt(ny) + kEps);
      for (int i = 0; i < kSegmentFrames; ++i) y[i] = std::min(alpha * y[i], x[i] * (1.0 + clip));
      total += Correlation(x, y, kSegmentFrames);
    }
    return total / kBands;
  });
}

std::optional<double> Estoi(const float* clean, const float* processed, size_t frames, int sample_rate_hz) {
  return Score(clean, processed, frames, sample_rate_hz, [&](const auto& ex, const auto& ey, size_t start) {
    // Normalise each band's row (mean 0, unit norm), then each frame's column, and
    // average the column inner products: the spectral correlation over the segment.
    double x[kBands][kSegmentFrames], y[kBands][kSegmentFrames];
    for (int b = 0; b < kBands; ++b) {
      for (int i = 0; i < kSegmentFrames; ++i) {
        x[b][i] = ex[static_cast<size_t>(b)][start + static_cast<size_t>(i)];
        y[b][i] = ey[static_cast<size_t>(b)][start + static_cast<size_t>(i)];
      }
    }
    auto normalise_rows = [](double (&m)[kBands][kSegmentFrames]) {
      for (int b = 0; b < kBands; ++b) {
        double mean = 0.0, norm = 0.0;
        for (int i = 0; i < kSegmentFrames; ++i) mean += m[b][i];
        mean /= kSegmentFrames;
        for (int i = 0; i < kSegmentFrames; ++i) norm += (m[b][i] - mean) * (m[b][i] - mean);
        norm = std::sqrt(norm) + kEps;
        for (int i = 0; i < kSegmentFrames; ++i) m[b][i] = (m[b][i] - mean) / norm;
      }
    };
    auto normalise_columns = [](double (&m)[kBands][kSegmentFrames]) {
      for (int i = 0; i < kSegmentFrames; ++i) {
        double mean = 0.0, norm = 0.0;
        for (int b = 0; b < kBands; ++b) mean += m[b][i];
        mean /= kBands;
        for (int b = 0; b < kBands; ++b) norm += (m[b][i] - mean) * (m[b][i] - mean);
        norm = std::sqrt(norm) + kEps;
        for (int b = 0; b < kBands; ++b) m[b][i] = (m[b][i] - mean) / norm;
      }
    };
    normalise_rows(x);
    normalise_rows(y);
    normalise_columns(x);
    normalise_columns(y);
    double total = 0.0;
    for (int b = 0; b < kBands; ++b) {
      for (int i = 0; i < kSegmentFrames; ++i) total += x[b][i] * y[b][i];
    }
    return total / kSegmentFrames;
  });
}

}  // namespace hush
