// SPDX-License-Identifier: MIT
#include "dsp/portable_resampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <numbers>
#include <stdexcept>

namespace hush::dsp {

namespace {

constexpr int kInterpolatedPhases = 512;   // rows per input frame when not exact
constexpr uint64_t kMaxExactPhases = 4096;  // larger reduced denominators interpolate
constexpr size_t kMaxExactTableFloats = size_t{1} << 20;  // 4 MB
constexpr double kMaxRateRatio = 256.0;    // either way; the C API needs 24 (192k -> 8k)
constexpr size_t kHistorySlackFrames = 256;

// Kaiser's beta for a stop-band attenuation of `db`.
double KaiserBeta(double db) {
  if (db > 50.0) return 0.1102 * (db - 8.7);
  if (db > 21.0) return 0.5842 * std::pow(db - 21.0, 0.4) + 0.07886 * (db - 21.0);
  return 0.0;
}

// The zeroth-order modified Bessel function of the first kind, by its power series
// (converges fast for the arguments used here, beta <= 15).
double BesselI0(double x) {
  double sum = 1.0, term = 1.0;
  const double q = x * x / 4.0;
  for (int k = 1; k < 200 && term > 1e-17 * sum; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
  }
  return sum;
}

}  // namespace

SincFilterSpec SincSpecForQuality(int quality) {
  static constexpr int kHalf[11] = {8, 12, 16, 24, 32, 40, 48, 64, 80, 96, 128};
  static constexpr double kStopDb[11] = {50, 60, 65, 75, 85, 90, 100, 110, 120, 130, 140};
  const int q = std::clamp(quality, 0, 10);
  return SincFilterSpec{kHalf[q], kStopDb[q]};
}

namespace detail {

SincCore::SincCore(int channels, double in_per_out_max, const SincFilterSpec& spec, int phases, bool exact,
                   bool zero_delay)
    : channels_(channels), phases_(phases), zero_delay_(zero_delay) {
  if (channels < 1 || channels > 8 || !(in_per_out_max > 0.0) || in_per_out_max > kMaxRateRatio || phases < 1 ||
      spec.half_zero_crossings < 2 || spec.half_zero_crossings > 1024 || !(spec.stopband_db >= 20.0) ||
      spec.stopband_db > 200.0) {
    throw std::invalid_argument("SincCore: channels, ratio or filter out of range");
  }
  const double h = spec.half_zero_crossings;
  stretch_ = std::min(1.0, 1.0 / in_per_out_max);
  half_width_ = static_cast<int>(std::ceil(h / stretch_ - 1e-9));
  taps_ = 2 * half_width_;
  // Transition width in cycles per (lower-rate) sample from Kaiser's rule; centred so the
  // stop band starts at Nyquist (in Nyquist units the band is 2 * width wide).
  const double width = (spec.stopband_db - 7.95) / (14.36 * 2.0 * h);
  cutoff_ = std::max(0.1, 1.0 - width);
  const double beta = KaiserBeta(spec.stopband_db);
  const double i0_beta = BesselI0(beta);
  const int rows = exact ? phases : phases + 1;  // interpolation reads row r + 1
  table_.assign(static_cast<size_t>(rows) * static_cast<size_t>(taps_), 0.0f);
  std::vector<double> row(static_cast<size_t>(taps_));
  for (int r = 0; r < rows; ++r) {
    const double frac = static_cast<double>(r) / phases;
    double sum = 0.0;
    for (int i = 0; i < taps_; ++i) {
      // Tap i multiplies the input frame (i - W + 1) after the centre's floor.
      const double d = static_cast<double>(i - half_width_ + 1) - frac;
      const double x = d / half_width_;
      double value = 0.0;
      if (std::abs(x) < 1.0) {
        const double arg = stretch_ * cutoff_ * d;
        const double sinc = arg == 0.0 ? 1.0 : std::sin(std::numbers::pi * arg) / (std::numbers::pi * arg);
        value = stretch_ * cutoff_ * sinc * BesselI0(beta * std::sqrt(1.0 - x * x)) / i0_beta;
      }
      row[static_cast<size_t>(i)] = value;
      sum += value;
    }
    // Unit DC gain in every phase: no gain modulation with the fractional position.
    for (int i = 0; i < taps_; ++i) {
      table_[static_cast<size_t>(r) * static_cast<size_t>(taps_) + static_cast<size_t>(i)] =
          static_cast<float>(row[static_cast<size_t>(i)] / sum);
    }
  }
  capacity_ = static_cast<size_t>(taps_ + LookaheadFrames()) + 2 * static_cast<size_t>(std::ceil(in_per_out_max)) + kHistorySlackFrames;
  history_.assign(capacity_ * static_cast<size_t>(channels_), 0.0f);
  coefficients_.assign(static_cast<size_t>(taps_), 0.0f);
  Reset();
}

void SincCore::Reset() {
  // taps - 1 frames of zero history: the first output needs only input frame 0 (or,
  // zero_delay, input frames 0 .. W).
  fill_ = static_cast<size_t>(taps_ - 1);
  next_ = fill_ + static_cast<size_t>(LookaheadFrames());
  std::fill(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(fill_ * static_cast<size_t>(channels_)), 0.0f);
}

void SincCore::MakeRoom() {
  // Keep what the next output reads: frames next_ - taps + 1 .. next_.
  const size_t keep_from = next_ + 1 >= static_cast<size_t>(taps_) ? next_ + 1 - static_cast<size_t>(taps_) : 0;
  const size_t shift = std::min(keep_from, fill_);
  if (shift == 0) return;
  const size_t ch = static_cast<size_t>(channels_);
  std::memmove(history_.data(), history_.data() + shift * ch, (fill_ - shift) * ch * sizeof(float));
  fill_ -= shift;
  next_ -= shift;
}

size_t SincCore::Append(const float* in, size_t frames) {
  if (fill_ == capacity_) MakeRoom();
  const size_t n = std::min(frames, capacity_ - fill_);
  const size_t ch = static_cast<size_t>(channels_);
  std::memcpy(history_.data() + fill_ * ch, in, n * ch * sizeof(float));
  fill_ += n;
  return n;
}

void SincCore::EmitExact(size_t row, float* out) {
  const float* c = table_.data() + row * static_cast<size_t>(taps_);
  const size_t ch = static_cast<size_t>(channels_);
  const float* x = history_.data() + (next_ + 1 - static_cast<size_t>(taps_)) * ch;
  for (size_t k = 0; k < ch; ++k) {
    float acc = 0.0f;
    for (int i = 0; i < taps_; ++i) acc += c[i] * x[static_cast<size_t>(i) * ch + k];
    out[k] = acc;
  }
}

void SincCore::Emit(double phase, float* out) {
  const int r = std::clamp(static_cast<int>(phase), 0, phases_ - 1);
  const float a = static_cast<float>(phase - r);
  const float* row0 = table_.data() + static_cast<size_t>(r) * static_cast<size_t>(taps_);
  const float* row1 = row0 + taps_;
  for (int i = 0; i < taps_; ++i) coefficients_[static_cast<size_t>(i)] = row0[i] + a * (row1[i] - row0[i]);
  const size_t ch = static_cast<size_t>(channels_);
  const float* x = history_.data() + (next_ + 1 - static_cast<size_t>(taps_)) * ch;
  const float* c = coefficients_.data();
  for (size_t k = 0; k < ch; ++k) {
    float acc = 0.0f;
    for (int i = 0; i < taps_; ++i) acc += c[i] * x[static_cast<size_t>(i) * ch + k];
    out[k] = acc;
  }
}

}  // namespace detail

PortableResampler::Plan PortableResampler::PlanFor(int in_rate_hz, int out_rate_hz, int quality) {
  constexpr int kMaxRateHz = 1000000;
  if (in_rate_hz <= 0 || out_rate_hz <= 0 || in_rate_hz > kMaxRateHz || out_rate_hz > kMaxRateHz || quality < 0 ||
      quality > 10 || static_cast<double>(in_rate_hz) / out_rate_hz > kMaxRateRatio ||
      static_cast<double>(out_rate_hz) / in_rate_hz > kMaxRateRatio) {
    throw std::invalid_argument("PortableResampler: bad rate or quality");
  }
  const uint64_t g = std::gcd(static_cast<uint64_t>(in_rate_hz), static_cast<uint64_t>(out_rate_hz));
  const uint64_t num = static_cast<uint64_t>(in_rate_hz) / g;
  const uint64_t den = static_cast<uint64_t>(out_rate_hz) / g;
  // Table size estimate for an exact table: den rows of 2 * H / s taps.
  const double stretch = std::min(1.0, static_cast<double>(out_rate_hz) / in_rate_hz);
  const double taps = 2.0 * SincSpecForQuality(quality).half_zero_crossings / stretch + 2.0;
  const bool exact = den <= kMaxExactPhases && static_cast<double>(den) * taps <= static_cast<double>(kMaxExactTableFloats);
  return Plan{num / den, num % den, den, exact};
}

PortableResampler::PortableResampler(int in_rate_hz, int out_rate_hz, int quality)
    : PortableResampler(PlanFor(in_rate_hz, out_rate_hz, quality), in_rate_hz, out_rate_hz, quality) {}

PortableResampler::PortableResampler(const Plan& plan, int in_rate_hz, int out_rate_hz, int quality)
    : step_whole_(plan.whole),
      step_numerator_(plan.numerator),
      denominator_(plan.denominator),
      exact_(plan.exact),
      core_(1, static_cast<double>(in_rate_hz) / out_rate_hz, SincSpecForQuality(quality),
            plan.exact ? static_cast<int>(plan.denominator) : kInterpolatedPhases, plan.exact) {
  const SincFilterSpec spec = SincSpecForQuality(quality);
  passband_edge_ = 1.0 - 2.0 * (spec.stopband_db - 7.95) / (14.36 * 2.0 * spec.half_zero_crossings);
}

void PortableResampler::Reset() {
  phase_numerator_ = 0;
  core_.Reset();
}

void PortableResampler::Process(const float* in, size_t* in_frames, float* out, size_t* out_frames) {
  const size_t in_total = *in_frames, out_total = *out_frames;
  size_t consumed = 0, produced = 0;
  while (produced < out_total) {
    if (!core_.Ready()) {
      if (consumed == in_total) break;
      consumed += core_.Append(in + consumed, std::min(core_.Missing(), in_total - consumed));
      continue;
    }
    if (exact_) {
      core_.EmitExact(static_cast<size_t>(phase_numerator_), out + produced);
    } else {
      core_.Emit(static_cast<double>(phase_numerator_) * kInterpolatedPhases / static_cast<double>(denominator_),
                 out + produced);
    }
    ++produced;
    phase_numerator_ += step_numerator_;
    const uint64_t carry = phase_numerator_ / denominator_;
    phase_numerator_ -= carry * denominator_;
    core_.Advance(static_cast<size_t>(step_whole_ + carry));
  }
  *in_frames = consumed;
  *out_frames = produced;
}

VariableResampler::VariableResampler(int channels, double nominal_in_per_out, double max_deviation,
                                     const SincFilterSpec& spec, bool zero_delay)
    : channels_(channels),
      min_ratio_(nominal_in_per_out * (1.0 - max_deviation)),
      max_ratio_(nominal_in_per_out * (1.0 + max_deviation)),
      core_(channels, [&] {
        if (!(nominal_in_per_out > 0.0) || !(max_deviation >= 0.0) || max_deviation > 0.5) {
          throw std::invalid_argument("VariableResampler: bad ratio or deviation");
        }
        return nominal_in_per_out * (1.0 + max_deviation);
      }(), spec, kInterpolatedPhases, false, zero_delay) {}

void VariableResampler::Reset() {
  fraction_ = 0.0;
  core_.Reset();
}

void VariableResampler::Process(const float* in, size_t in_frames, size_t* in_used, float* out, size_t out_frames,
                                size_t* out_generated, double in_per_out) {
  const double step = std::clamp(in_per_out, min_ratio_, max_ratio_);
  const size_t ch = static_cast<size_t>(channels_);
  size_t consumed = 0, produced = 0;
  while (produced < out_frames) {
    if (!core_.Ready()) {
      if (consumed == in_frames) break;
      consumed += core_.Append(in + consumed * ch, std::min(core_.Missing(), in_frames - consumed));
      continue;
    }
    core_.Emit(fraction_ * kInterpolatedPhases, out + produced * ch);
    ++produced;
    fraction_ += step;
    const double whole = std::floor(fraction_);
    fraction_ -= whole;
    core_.Advance(static_cast<size_t>(whole));
  }
  *in_used = consumed;
  *out_generated = produced;
}

}  // namespace hush::dsp
