// SPDX-License-Identifier: MIT
#include "dsp/special_functions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace hush::dsp {

double ExponentialIntegralE1(double x) {
  if (!(x > 0.0)) return std::numeric_limits<double>::infinity();
  constexpr double kEulerGamma = 0.57721566490153286061;
  if (x < 1.0) {
    // E1(x) = -gamma - ln x - sum_{n>=1} (-x)^n / (n * n!)
    double sum = 0.0, term = 1.0;
    for (int n = 1; n < 60; ++n) {
      term *= -x / n;
      sum += term / n;
      if (std::abs(term / n) < 1e-17) break;
    }
    return -kEulerGamma - std::log(x) - sum;
  }
  // Modified Lentz evaluation of the continued fraction
  // E1(x) = exp(-x) / (x + 1 - 1/(x + 3 - 4/(x + 5 - ...))).
  constexpr double kTiny = 1e-300;
  double b = x + 1.0, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 200; ++i) {
    const double an = -static_cast<double>(i) * i;
    b += 2.0;
    d = 1.0 / (an * d + b);
    c = b + an / c;
    const double delta = c * d;
    h *= delta;
    if (std::abs(delta - 1.0) < 1e-15) break;
  }
  return h * std::exp(-x);
}

namespace {

// log(v) from -12 (v = 6e-6) to 4 (v = 55): below, E1(v) ~ -gamma - ln v to 1e-5;
// above, exp(0.5 E1(v)) = 1 to within 1e-25.
constexpr float kLogMin = -12.0f;
constexpr float kLogMax = 4.0f;
constexpr int kTableSize = 1024;

struct Table {
  std::array<float, kTableSize + 1> values{};
  Table() {
    for (int i = 0; i <= kTableSize; ++i) {
      const double log_v = kLogMin + (kLogMax - kLogMin) * i / kTableSize;
      values[static_cast<size_t>(i)] =
          static_cast<float>(std::exp(0.5 * ExponentialIntegralE1(std::exp(log_v))));
    }
  }
};

const Table& GetTable() {
  static const Table table;  // built on first use, which the suppressors do at creation
  return table;
}

}  // namespace

float ExpHalfE1(float v) {
  const Table& table = GetTable();
  if (!(v > 0.0f)) return std::numeric_limits<float>::infinity();
  const float log_v = std::log(v);
  if (log_v >= kLogMax) return 1.0f;
  if (log_v <= kLogMin) {
    constexpr float kEulerGamma = 0.5772156649f;
    return std::exp(0.5f * (-kEulerGamma - log_v));
  }
  const float position = (log_v - kLogMin) * (kTableSize / (kLogMax - kLogMin));
  // Float rounding can put log_v just under kLogMax at position == kTableSize.
  const int i = std::min(static_cast<int>(position), kTableSize - 1);
  const float fraction = position - static_cast<float>(i);
  return table.values[static_cast<size_t>(i)] +
         fraction * (table.values[static_cast<size_t>(i) + 1] - table.values[static_cast<size_t>(i)]);
}

}  // namespace hush::dsp
