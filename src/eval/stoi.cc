// SPDX-License-Identifier: MIT
#include "eval/stoi.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

#include "dsp/stft.h"

namespace hush {

namespace {

constexpr int kStoiRateHz = 10000;
constexpr int kFrameLen = 256;
constexpr int kHop = kFrameLen / 2;
constexpr int kFftLen = 512;
constexpr int kBands = 15;
constexpr double kLowestCentreHz = 150.0;
constexpr int kSegmentFrames = 30;  // N: 30 frames of 12.8 ms = 384 ms
constexpr double kBetaDb = -15.0;
constexpr double kDynamicRangeDb = 40.0;

// MATLAB resample()'s default filter: Kaiser window with beta = 5, reaching 10 periods
// of the lower of the two rates either side of its centre.
constexpr double kKaiserBeta = 5.0;
constexpr int64_t kSincPeriods = 10;

// Modified Bessel function of the first kind, order 0, by its power series; converges
// in ~25 terms for the arguments a Kaiser window with beta = 5 needs.
double BesselI0(double x) {
  const double q = 0.25 * x * x;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 200 && term > 1e-17 * sum; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
  }
  return sum;
}

// MATLAB's hanning(N): symmetric, without the zero end points. Both the silent-frame
// detector and the STFT of the reference code use it.
const std::array<double, kFrameLen>& Hanning() {
  static const std::array<double, kFrameLen> window = [] {
    std::array<double, kFrameLen> w{};
    for (int n = 0; n < kFrameLen; ++n) {
      w[static_cast<size_t>(n)] = 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * (n + 1) / (kFrameLen + 1)));
    }
    return w;
  }();
  return window;
}

// Frame starts of the reference code's framing, 1:hop:(length - N) in MATLAB: a frame
// that would end on the last sample is not taken.
size_t FrameCount(size_t length) { return length > kFrameLen ? (length - kFrameLen - 1) / kHop + 1 : 0; }

// One-third-octave bands as FFT bin ranges [first, last), as the reference thirdoct():
// each edge snaps to the nearest bin (the lower one on a tie).
struct BandEdges {
  std::array<int, kBands> first{};
  std::array<int, kBands> last{};
};

const BandEdges& ThirdOctaveBands() {
  static const BandEdges edges = [] {
    BandEdges e;
    const double bin_hz = static_cast<double>(kStoiRateHz) / kFftLen;
    auto nearest_bin = [&](double hz) {
      int best = 0;
      for (int k = 1; k <= kFftLen / 2; ++k) {
        if (std::abs(k * bin_hz - hz) < std::abs(best * bin_hz - hz)) best = k;
      }
      return best;
    };
    for (int b = 0; b < kBands; ++b) {
      // Edges as the geometric means of neighbouring centres, written as the reference
      // computes them so that rounding lands on the same bins.
      const double centre_hz = kLowestCentreHz * std::pow(2.0, b / 3.0);
      e.first[static_cast<size_t>(b)] = nearest_bin(std::sqrt(centre_hz * kLowestCentreHz * std::pow(2.0, (b - 1) / 3.0)));
      e.last[static_cast<size_t>(b)] = nearest_bin(std::sqrt(centre_hz * kLowestCentreHz * std::pow(2.0, (b + 1) / 3.0)));
    }
    return e;
  }();
  return edges;
}

void CheckInput(const float* x, size_t frames) {
  if (frames > 0 && x == nullptr) throw std::invalid_argument("STOI: null signal");
  for (size_t i = 0; i < frames; ++i) {
    if (!std::isfinite(x[i])) throw std::invalid_argument("STOI: non-finite sample");
  }
}

// Drops the frames of both signals whose clean frame lies 40 dB or more below the
// loudest clean frame, and overlap-adds the windowed frames that remain.
void RemoveSilentFrames(std::vector<double>& x, std::vector<double>& y) {
  const auto& w = Hanning();
  const size_t count = FrameCount(x.size());
  std::vector<double> level_db(count);
  double max_db = -std::numeric_limits<double>::infinity();
  for (size_t f = 0; f < count; ++f) {
    const double* frame = x.data() + f * kHop;
    double energy = 0.0;
    for (size_t n = 0; n < kFrameLen; ++n) energy += (w[n] * frame[n]) * (w[n] * frame[n]);
    // An all-zero frame is -inf dB: never kept, as in the reference.
    level_db[f] = 10.0 * std::log10(energy);
    max_db = std::max(max_db, level_db[f]);
  }
  std::vector<size_t> kept;
  if (std::isfinite(max_db)) {
    for (size_t f = 0; f < count; ++f) {
      if (level_db[f] - max_db + kDynamicRangeDb > 0.0) kept.push_back(f);
    }
  }
  const size_t out_len = kept.empty() ? 0 : (kept.size() - 1) * kHop + kFrameLen;
  std::vector<double> xo(out_len, 0.0), yo(out_len, 0.0);
  for (size_t j = 0; j < kept.size(); ++j) {
    const double* xi = x.data() + kept[j] * kHop;
    const double* yi = y.data() + kept[j] * kHop;
    double* xj = xo.data() + j * kHop;
    double* yj = yo.data() + j * kHop;
    for (size_t n = 0; n < kFrameLen; ++n) {
      xj[n] += w[n] * xi[n];
      yj[n] += w[n] * yi[n];
    }
  }
  x.swap(xo);
  y.swap(yo);
}

// One-third-octave band envelopes X_j(m) (Eq. 1 of Taal et al.): the square root of the
// STFT power summed over each band. Returned band-major: env[band * frames + m].
std::vector<double> BandEnvelopes(const std::vector<double>& x, size_t frames, dsp::RealFft& fft) {
  const auto& w = Hanning();
  const BandEdges& bands = ThirdOctaveBands();
  std::vector<float> frame(kFftLen, 0.0f);
  std::vector<dsp::Complex> spectrum(kFftLen / 2 + 1);
  std::vector<double> power(kFftLen / 2 + 1);
  std::vector<double> env(kBands * frames);
  for (size_t m = 0; m < frames; ++m) {
    const double* in = x.data() + m * kHop;
    for (size_t n = 0; n < kFrameLen; ++n) frame[n] = static_cast<float>(w[n] * in[n]);
    fft.Forward(frame.data(), spectrum.data());
    for (size_t k = 0; k < power.size(); ++k) power[k] = std::norm(std::complex<double>(spectrum[k]));
    for (size_t b = 0; b < kBands; ++b) {
      double sum = 0.0;
      for (int k = bands.first[b]; k < bands.last[b]; ++k) sum += power[static_cast<size_t>(k)];
      env[b * frames + m] = std::sqrt(sum);
    }
  }
  return env;
}

struct Envelopes {
  size_t frames = 0;
  std::vector<double> clean;      // band-major, kBands x frames
  std::vector<double> processed;  // same
};

// Everything before the intermediate intelligibility measure: checks, resampling to
// 10 kHz, silent-frame removal and the band envelopes. nullopt when fewer than N frames.
std::optional<Envelopes> Analyse(const float* clean, const float* processed, size_t frames, int sample_rate_hz) {
  if (sample_rate_hz <= 0) throw std::invalid_argument("STOI: sample rate must be positive");
  CheckInput(clean, frames);
  CheckInput(processed, frames);
  std::vector<double> x = ResampleKaiserSinc(clean, frames, sample_rate_hz, kStoiRateHz);
  std::vector<double> y = ResampleKaiserSinc(processed, frames, sample_rate_hz, kStoiRateHz);
  RemoveSilentFrames(x, y);
  Envelopes e;
  e.frames = FrameCount(x.size());
  if (e.frames < kSegmentFrames) return std::nullopt;
  dsp::RealFft fft(kFftLen);
  e.clean = BandEnvelopes(x, e.frames, fft);
  e.processed = BandEnvelopes(y, e.frames, fft);
  return e;
}

// Removes the mean and scales to unit norm; a constant vector becomes all zeros (its
// correlation with anything is then 0 where the MATLAB code would give NaN).
template <size_t kLength, size_t kStride = 1>
void NormaliseInPlace(double* v) {
  double mean = 0.0;
  for (size_t i = 0; i < kLength; ++i) mean += v[i * kStride];
  mean /= kLength;
  double norm = 0.0;
  for (size_t i = 0; i < kLength; ++i) {
    v[i * kStride] -= mean;
    norm += v[i * kStride] * v[i * kStride];
  }
  const double scale = norm > 0.0 ? 1.0 / std::sqrt(norm) : 0.0;
  for (size_t i = 0; i < kLength; ++i) v[i * kStride] *= scale;
}

// Intermediate STOI of one segment (Eqs. 2-5): per band, the processed envelope scaled
// to the clean one's energy, clipped at 15 dB above it, and correlated with it.
double StoiSegment(const Envelopes& e, size_t start) {
  const double clip = 1.0 + std::pow(10.0, -kBetaDb / 20.0);
  double total = 0.0;
  for (size_t b = 0; b < kBands; ++b) {
    const double* xs = e.clean.data() + b * e.frames + start;
    const double* ys = e.processed.data() + b * e.frames + start;
    double energy_x = 0.0, energy_y = 0.0;
    for (size_t i = 0; i < kSegmentFrames; ++i) {
      energy_x += xs[i] * xs[i];
      energy_y += ys[i] * ys[i];
    }
    // A silent processed band stays silent (alpha would be infinite).
    const double alpha = energy_y > 0.0 ? std::sqrt(energy_x / energy_y) : 0.0;
    double x[kSegmentFrames], y[kSegmentFrames];
    for (size_t i = 0; i < kSegmentFrames; ++i) {
      x[i] = xs[i];
      y[i] = std::min(alpha * ys[i], clip * xs[i]);
    }
    NormaliseInPlace<kSegmentFrames>(x);
    NormaliseInPlace<kSegmentFrames>(y);
    double r = 0.0;
    for (size_t i = 0; i < kSegmentFrames; ++i) r += x[i] * y[i];
    total += r;
  }
  return total / kBands;
}

// Intermediate ESTOI of one segment (Jensen & Taal 2016, Sec. III): rows (bands) then
// columns (frames) normalised to zero mean and unit norm, no clipping; the mean over
// frames of the column inner products, i.e. the spectral correlation.
double EstoiSegment(const Envelopes& e, size_t start) {
  double x[kBands][kSegmentFrames], y[kBands][kSegmentFrames];
  for (size_t b = 0; b < kBands; ++b) {
    for (size_t i = 0; i < kSegmentFrames; ++i) {
      x[b][i] = e.clean[b * e.frames + start + i];
      y[b][i] = e.processed[b * e.frames + start + i];
    }
    NormaliseInPlace<kSegmentFrames>(x[b]);
    NormaliseInPlace<kSegmentFrames>(y[b]);
  }
  for (size_t i = 0; i < kSegmentFrames; ++i) {
    NormaliseInPlace<kBands, kSegmentFrames>(&x[0][i]);
    NormaliseInPlace<kBands, kSegmentFrames>(&y[0][i]);
  }
  double total = 0.0;
  for (size_t b = 0; b < kBands; ++b) {
    for (size_t i = 0; i < kSegmentFrames; ++i) total += x[b][i] * y[b][i];
  }
  return total / kSegmentFrames;
}

// The final measure: the mean of the intermediate measure over all segments ending at
// frames N..M (one segment per frame, fully overlapping).
template <typename SegmentMeasure>
std::optional<double> MeanOverSegments(const float* clean, const float* processed, size_t frames,
                                       int sample_rate_hz, SegmentMeasure measure) {
  const std::optional<Envelopes> e = Analyse(clean, processed, frames, sample_rate_hz);
  if (!e) return std::nullopt;
  const size_t segments = e->frames - kSegmentFrames + 1;
  double sum = 0.0;
  for (size_t s = 0; s < segments; ++s) sum += measure(*e, s);
  return sum / static_cast<double>(segments);
}

}  // namespace

std::vector<double> ResampleKaiserSinc(const float* x, size_t frames, int in_rate_hz, int out_rate_hz) {
  if (in_rate_hz <= 0 || out_rate_hz <= 0) throw std::invalid_argument("resample: rates must be positive");
  if (frames > 0 && x == nullptr) throw std::invalid_argument("resample: null signal");
  const int64_t gcd = std::gcd(in_rate_hz, out_rate_hz);
  const int64_t up = out_rate_hz / gcd, down = in_rate_hz / gcd;
  if (up == down) return std::vector<double>(x, x + frames);

  // The filter at the up-sampled rate: a sinc cut off at the lower Nyquist rate, times a
  // Kaiser window, scaled to a DC gain of `up` (it interpolates up-1 zeros per input).
  const int64_t max_rate = std::max(up, down);
  const int64_t half_taps = kSincPeriods * max_rate;
  const int64_t taps = 2 * half_taps + 1;
  std::vector<double> h(static_cast<size_t>(taps));
  const double cutoff = 1.0 / static_cast<double>(max_rate);  // of the up-sampled Nyquist rate
  const double window_norm = 1.0 / BesselI0(kKaiserBeta);
  double dc = 0.0;
  for (int64_t n = 0; n < taps; ++n) {
    const double t = static_cast<double>(n - half_taps);
    const double r = t / static_cast<double>(half_taps);
    const double window = BesselI0(kKaiserBeta * std::sqrt(std::max(0.0, 1.0 - r * r))) * window_norm;
    const double arg = std::numbers::pi * cutoff * t;
    const double sinc = n == half_taps ? 1.0 : std::sin(arg) / arg;
    h[static_cast<size_t>(n)] = window * sinc;
    dc += h[static_cast<size_t>(n)];
  }
  for (double& v : h) v *= static_cast<double>(up) / dc;

  // Polyphase form. Output k sits at up-sampled time k * down; input j at j * up; the
  // filter's centre is tap half_taps, so output k = sum_j x[j] h[k * down + half_taps - j * up].
  // Phase r holds taps r, r + up, r + 2 up, ..., stored reversed so that the input is
  // read forwards.
  std::vector<std::vector<double>> phases(static_cast<size_t>(up));
  size_t longest = 0;
  for (int64_t r = 0; r < up; ++r) {
    auto& phase = phases[static_cast<size_t>(r)];
    for (int64_t n = r; n < taps; n += up) phase.push_back(h[static_cast<size_t>(n)]);
    std::reverse(phase.begin(), phase.end());
    longest = std::max(longest, phase.size());
  }
  // The input with `longest` zeros either side (the reference treats the signal as zero
  // outside itself), so no index needs a bounds check.
  const size_t pad = longest + 1;
  std::vector<double> padded(frames + 2 * pad, 0.0);
  std::copy(x, x + frames, padded.begin() + static_cast<std::ptrdiff_t>(pad));
  const uint64_t out_frames =
      (static_cast<uint64_t>(frames) * static_cast<uint64_t>(up) + static_cast<uint64_t>(down) - 1) /
      static_cast<uint64_t>(down);
  std::vector<double> y(static_cast<size_t>(out_frames));
  for (uint64_t k = 0; k < out_frames; ++k) {
    const uint64_t centre = k * static_cast<uint64_t>(down) + static_cast<uint64_t>(half_taps);
    const uint64_t newest = centre / static_cast<uint64_t>(up);  // last input the filter reaches
    const auto& phase = phases[static_cast<size_t>(centre % static_cast<uint64_t>(up))];
    const size_t length = phase.size();
    const double* in = padded.data() + pad + newest + 1 - length;
    // Four partial sums: the additions of one chain would wait on each other.
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= length; i += 4) {
      s0 += phase[i] * in[i];
      s1 += phase[i + 1] * in[i + 1];
      s2 += phase[i + 2] * in[i + 2];
      s3 += phase[i + 3] * in[i + 3];
    }
    for (; i < length; ++i) s0 += phase[i] * in[i];
    y[static_cast<size_t>(k)] = (s0 + s1) + (s2 + s3);
  }
  return y;
}

std::optional<double> Stoi(const float* clean, const float* processed, size_t frames, int sample_rate_hz) {
  return MeanOverSegments(clean, processed, frames, sample_rate_hz, StoiSegment);
}

std::optional<double> Estoi(const float* clean, const float* processed, size_t frames, int sample_rate_hz) {
  return MeanOverSegments(clean, processed, frames, sample_rate_hz, EstoiSegment);
}

}  // namespace hush
