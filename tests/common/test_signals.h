// SPDX-License-Identifier: MIT
// Deterministic test signals shared by the unit, property and RT tests.
#ifndef HUSH_TESTS_COMMON_TEST_SIGNALS_H
#define HUSH_TESTS_COMMON_TEST_SIGNALS_H

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace hush::test {

// A small, fast, seedable generator: tests must give the same numbers everywhere.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed * 6364136223846793005ULL + 1442695040888963407ULL) {}
  // Uniform in [-1, 1).
  float Uniform() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<float>(static_cast<int64_t>(state_ >> 11) - (int64_t{1} << 52)) / static_cast<float>(int64_t{1} << 52);
  }
  // Roughly Gaussian (sum of 4 uniforms), unit variance.
  float Gaussian() { return (Uniform() + Uniform() + Uniform() + Uniform()) * 0.8660254f; }
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((Uniform() * 0.5f + 0.5f) * n) % n; }

 private:
  uint64_t state_;
};

inline std::vector<float> WhiteNoise(size_t frames, float rms, uint64_t seed) {
  Lcg rng(seed);
  std::vector<float> x(frames);
  for (auto& v : x) v = rms * rng.Gaussian();
  return x;
}

// Low-pass filtered noise (a cascade of one-pole filters), for signals that must stay
// below a band edge: cutoff_hz is approximate, the roll-off steep enough for -60 dB at 2x.
inline std::vector<float> BandLimitedNoise(size_t frames, float rms, float cutoff_hz, int rate_hz, uint64_t seed) {
  std::vector<float> x = WhiteNoise(frames, 1.0f, seed);
  const float a = std::exp(-2.0f * std::numbers::pi_v<float> * cutoff_hz / static_cast<float>(rate_hz));
  for (int pass = 0; pass < 8; ++pass) {
    float state = 0.0f;
    for (auto& v : x) v = state = (1.0f - a) * v + a * state;
  }
  double energy = 0.0;
  for (float v : x) energy += static_cast<double>(v) * v;
  const float scale = rms / static_cast<float>(std::sqrt(energy / static_cast<double>(frames)) + 1e-20);
  for (auto& v : x) v *= scale;
  return x;
}

// Band-limited clicks: every 50 ms a Hann-windowed sinc pulse (cutoff_hz, 64 lobes
// wide) of random sign and size. Its autocorrelation has a sharp, symmetric peak, so a
// delay can be measured to a small fraction of a frame.
inline std::vector<float> BandLimitedClicks(size_t frames, float cutoff_hz, int rate_hz, uint64_t seed) {
  Lcg rng(seed);
  std::vector<float> x(frames, 0.0f);
  const double fc = static_cast<double>(cutoff_hz) / rate_hz;  // cycles per frame
  const int half = static_cast<int>(32.0 / fc);
  const size_t spacing = static_cast<size_t>(rate_hz / 20);
  for (size_t centre = static_cast<size_t>(half); centre + static_cast<size_t>(half) < frames; centre += spacing) {
    const double amplitude = 0.3 * rng.Uniform();
    for (int k = -half; k <= half; ++k) {
      const double t = k;
      const double sinc = k == 0 ? 1.0 : std::sin(2.0 * std::numbers::pi * fc * t) / (2.0 * std::numbers::pi * fc * t);
      const double window = 0.5 + 0.5 * std::cos(std::numbers::pi * t / half);
      x[centre + static_cast<size_t>(k)] += static_cast<float>(amplitude * sinc * window);
    }
  }
  return x;
}

// A voiced, speech-like signal: harmonics of a gliding 120-220 Hz pitch with formant-ish
// amplitude roll-off, switched on and off in syllables of ~200 ms with pauses between.
inline std::vector<float> SpeechLike(size_t frames, int rate_hz, float peak, uint64_t seed) {
  Lcg rng(seed);
  std::vector<float> x(frames, 0.0f);
  double phase = 0.0;
  const double rate = rate_hz;
  size_t i = 0;
  while (i < frames) {
    const size_t syllable = static_cast<size_t>((0.15 + 0.15 * (rng.Uniform() + 1.0)) * rate);
    const size_t pause = static_cast<size_t>((0.05 + 0.1 * (rng.Uniform() + 1.0)) * rate);
    const double f0 = 150.0 + 40.0 * rng.Uniform();
    for (size_t j = 0; j < syllable && i < frames; ++j, ++i) {
      const double t = static_cast<double>(j) / static_cast<double>(syllable);
      const double pitch = f0 * (1.0 + 0.2 * t);
      phase += 2.0 * std::numbers::pi * pitch / rate;
      double s = 0.0;
      for (int h = 1; h <= 20 && h * pitch < 0.45 * rate; ++h) s += std::sin(h * phase) / h;
      const double envelope = std::sin(std::numbers::pi * t);
      x[i] = static_cast<float>(peak * 0.5 * envelope * s);
    }
    i += pause;
  }
  return x;
}

inline double Energy(const float* x, size_t n) {
  double e = 0.0;
  for (size_t i = 0; i < n; ++i) e += static_cast<double>(x[i]) * x[i];
  return e;
}

inline double PowerDb(const float* x, size_t n) { return 10.0 * std::log10(Energy(x, n) / static_cast<double>(n) + 1e-30); }

// n samples of x from `offset` on (negative or past the end: zeros), for aligning a
// recording with its reference.
inline std::vector<float> Slice(const std::vector<float>& x, long offset, size_t n) {
  std::vector<float> y(n, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    const long j = offset + static_cast<long>(i);
    if (j >= 0 && j < static_cast<long>(x.size())) y[i] = x[static_cast<size_t>(j)];
  }
  return y;
}

}  // namespace hush::test

#endif  // HUSH_TESTS_COMMON_TEST_SIGNALS_H
