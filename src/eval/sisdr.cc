// SPDX-License-Identifier: MIT
#include "eval/sisdr.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "dsp/stft.h"

namespace hush {

double SiSdrDb(const float* reference, const float* estimate, size_t frames) {
  if (frames > 0 && (reference == nullptr || estimate == nullptr)) throw std::invalid_argument("SI-SDR: null signal");
  if (frames == 0) return -std::numeric_limits<double>::infinity();
  double mean_r = 0.0, mean_e = 0.0;
  for (size_t i = 0; i < frames; ++i) {
    mean_r += reference[i];
    mean_e += estimate[i];
  }
  mean_r /= static_cast<double>(frames);
  mean_e /= static_cast<double>(frames);
  double dot = 0.0, energy_r = 0.0;
  for (size_t i = 0; i < frames; ++i) {
    const double r = reference[i] - mean_r, e = estimate[i] - mean_e;
    dot += r * e;
    energy_r += r * r;
  }
  if (energy_r <= 0.0) return -std::numeric_limits<double>::infinity();
  const double scale = dot / energy_r;
  double target = 0.0, error = 0.0;
  for (size_t i = 0; i < frames; ++i) {
    const double t = scale * (reference[i] - mean_r);
    const double d = (estimate[i] - mean_e) - t;
    target += t * t;
    error += d * d;
  }
  if (target <= 0.0) return -std::numeric_limits<double>::infinity();
  if (error <= 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(target / error);
}

long EstimateDelayFrames(const float* reference, const float* delayed, size_t frames, long max_lag_frames) {
  if (frames > 0 && (reference == nullptr || delayed == nullptr)) throw std::invalid_argument("delay: null signal");
  if (max_lag_frames < 0) throw std::invalid_argument("delay: negative maximum lag");
  if (frames == 0) return 0;
  // Zero-padded to a power of two at least twice as long, so the circular correlation
  // equals the linear one for every lag tested.
  size_t n = 2;
  while (n < 2 * frames) n *= 2;
  dsp::RealFft fft(static_cast<int>(n));
  std::vector<float> a(n, 0.0f), b(n, 0.0f), c(n);
  std::copy(reference, reference + frames, a.begin());
  std::copy(delayed, delayed + frames, b.begin());
  std::vector<dsp::Complex> fa(n / 2 + 1), fb(n / 2 + 1);
  fft.Forward(a.data(), fa.data());
  fft.Forward(b.data(), fb.data());
  for (size_t k = 0; k < fa.size(); ++k) fa[k] = std::conj(fa[k]) * fb[k];
  fft.Inverse(fa.data(), c.data());
  long best_lag = 0;
  float best = -std::numeric_limits<float>::infinity();
  const long limit = std::min<long>(max_lag_frames, static_cast<long>(frames) - 1);
  for (long lag = -limit; lag <= limit; ++lag) {
    const float v = c[static_cast<size_t>(lag >= 0 ? lag : static_cast<long>(n) + lag)];
    if (v > best) {
      best = v;
      best_lag = lag;
    }
  }
  return best_lag;
}

}  // namespace hush
