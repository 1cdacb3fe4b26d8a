// SPDX-License-Identifier: MIT
#include "robustness.h"

#include <algorithm>
#include <cmath>

namespace hush::bench {

namespace {

constexpr size_t kFrame = 480;  // 10 ms at 48 kHz

std::vector<double> FrameEnergies(const float* x, size_t n) {
  std::vector<double> e(n / kFrame, 0.0);
  for (size_t f = 0; f < e.size(); ++f) {
    for (size_t i = 0; i < kFrame; ++i) e[f] += static_cast<double>(x[f * kFrame + i]) * x[f * kFrame + i];
  }
  return e;
}

double Sum(const std::vector<double>& e, size_t from, size_t to) {
  double s = 0.0;
  for (size_t f = from; f < std::min(to, e.size()); ++f) s += e[f];
  return s;
}

}  // namespace

void AddOnsetLosses(const float* clean, const float* input, const float* out, size_t n, Accumulator& losses_db) {
  const auto c = FrameEnergies(clean, n);
  const auto x = FrameEnergies(input, n);
  const auto o = FrameEnergies(out, n);
  if (c.empty()) return;
  const double peak = *std::max_element(c.begin(), c.end());
  if (peak <= 0.0) return;
  const double quiet = peak * 3.16e-4;  // -35 dB
  const double loud = peak * 3.16e-3; // -25 dB
  size_t quiet_run = 0;
  for (size_t f = 0; f + 30 < c.size(); ++f) {
    if (c[f] < quiet) {
      ++quiet_run;
      continue;
    }
    if (c[f] > loud && quiet_run >= 5) {
      const double onset_in = Sum(x, f, f + 5), onset_out = Sum(o, f, f + 5);
      const double body_in = Sum(x, f + 10, f + 30), body_out = Sum(o, f + 10, f + 30);
      if (onset_in > 0 && body_in > 0 && body_out > 0) {
        const double onset_gain_db = 10.0 * std::log10((onset_out + 1e-20) / onset_in);
        const double body_gain_db = 10.0 * std::log10(body_out / body_in);
        losses_db.Add(body_gain_db - onset_gain_db);
      }
    }
    quiet_run = 0;
  }
}

void AddPumping(const float* clean, const float* noisy, const float* out, size_t n, Accumulator& pumping_db) {
  const auto c = FrameEnergies(clean, n);
  const auto x = FrameEnergies(noisy, n);
  const auto o = FrameEnergies(out, n);
  if (c.empty()) return;
  const double peak = *std::max_element(c.begin(), c.end());
  Accumulator item;
  for (size_t f = 0; f < c.size(); ++f) {
    if (c[f] < peak * 1e-5 && x[f] > 0 && o[f] > 0) item.Add(10.0 * std::log10(o[f] / x[f]));
  }
  if (item.count < 20) return;
  const double mean = item.Mean();
  pumping_db.Add(std::sqrt(std::max(0.0, item.sum_squares / static_cast<double>(item.count) - mean * mean)));
}

}  // namespace hush::bench
