// SPDX-License-Identifier: MIT
#include "dsp/portable_fft.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace hush::dsp {

namespace {

// Plain complex multiply (no Annex G NaN recovery; see the header).
inline Complex Mul(Complex a, Complex b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}
// a * (-i) for the forward transform, a * (+i) for the inverse.
inline Complex RotateQuarter(Complex a, bool inverse) {
  return inverse ? Complex{-a.imag(), a.real()} : Complex{a.imag(), -a.real()};
}

constexpr int kMaxComplexLength = 1 << 24;

}  // namespace

PortableComplexFft::PortableComplexFft(int length) : length_(length) {
  if (length < 1 || length > kMaxComplexLength) throw std::invalid_argument("PortableComplexFft: length out of range");
  // 4s first (the cheapest butterfly per point), then 2, then odd primes ascending.
  int n = length;
  int largest = 1;
  for (int p : {4, 2}) {
    while (n % p == 0) {
      factors_.push_back(p);
      n /= p;
    }
  }
  for (int p = 3; n > 1; p += 2) {
    if (static_cast<long long>(p) * p > n) p = n;  // what is left is prime
    while (n % p == 0) {
      factors_.push_back(p);
      largest = std::max(largest, p);
      n /= p;
    }
  }
  if (factors_.empty()) factors_.push_back(1);  // length 1: a copy
  forward_twiddles_.resize(static_cast<size_t>(length));
  inverse_twiddles_.resize(static_cast<size_t>(length));
  for (int i = 0; i < length; ++i) {
    const double phase = -2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(length);
    forward_twiddles_[static_cast<size_t>(i)] = Complex(static_cast<float>(std::cos(phase)), static_cast<float>(std::sin(phase)));
    inverse_twiddles_[static_cast<size_t>(i)] = std::conj(forward_twiddles_[static_cast<size_t>(i)]);
  }
  scratch_.resize(static_cast<size_t>(largest));
}

void PortableComplexFft::Forward(const Complex* in, Complex* out) { Transform(out, in, 1, 0, false); }

void PortableComplexFft::Inverse(const Complex* in, Complex* out) { Transform(out, in, 1, 0, true); }

void PortableComplexFft::Transform(Complex* out, const Complex* in, size_t fstride, size_t stage, bool inverse) {
  const int p = factors_[stage];
  const size_t m = static_cast<size_t>(length_) / (fstride * static_cast<size_t>(p));
  if (m == 1) {
    for (int j = 0; j < p; ++j) out[j] = in[static_cast<size_t>(j) * fstride];
  } else {
    // The recursion depth is the number of factors (<= 24), so the stack use is bounded.
    for (int j = 0; j < p; ++j) {
      Transform(out + static_cast<size_t>(j) * m, in + static_cast<size_t>(j) * fstride, fstride * static_cast<size_t>(p),
                stage + 1, inverse);
    }
  }
  if (p > 1) Butterfly(out, fstride, m, p, inverse);
}

void PortableComplexFft::Butterfly(Complex* out, size_t fstride, size_t m, int p, bool inverse) {
  const Complex* tw = inverse ? inverse_twiddles_.data() : forward_twiddles_.data();
  switch (p) {
    case 2:
      for (size_t k = 0; k < m; ++k) {
        const Complex t = Mul(out[k + m], tw[k * fstride]);
        out[k + m] = out[k] - t;
        out[k] += t;
      }
      return;
    case 3: {
      // W_3 = -1/2 -+ i sqrt(3)/2.
      const float half_sqrt3 = static_cast<float>(std::numbers::sqrt3 / 2.0);
      for (size_t k = 0; k < m; ++k) {
        const Complex a0 = out[k];
        const Complex a1 = Mul(out[k + m], tw[k * fstride]);
        const Complex a2 = Mul(out[k + 2 * m], tw[2 * k * fstride]);
        const Complex sum = a1 + a2;
        const Complex rotated = RotateQuarter(a1 - a2, inverse) * half_sqrt3;
        const Complex base = a0 - sum * 0.5f;
        out[k] = a0 + sum;
        out[k + m] = base + rotated;
        out[k + 2 * m] = base - rotated;
      }
      return;
    }
    case 4:
      for (size_t k = 0; k < m; ++k) {
        const Complex a0 = out[k];
        const Complex a1 = Mul(out[k + m], tw[k * fstride]);
        const Complex a2 = Mul(out[k + 2 * m], tw[2 * k * fstride]);
        const Complex a3 = Mul(out[k + 3 * m], tw[3 * k * fstride]);
        const Complex s02 = a0 + a2, d02 = a0 - a2;
        const Complex s13 = a1 + a3;
        const Complex r13 = RotateQuarter(a1 - a3, inverse);  // -i (a1 - a3) forward
        out[k] = s02 + s13;
        out[k + m] = d02 + r13;
        out[k + 2 * m] = s02 - s13;
        out[k + 3 * m] = d02 - r13;
      }
      return;
    default: {
      // Any prime: a direct p-point DFT of the twiddled inputs, O(p^2) per k. Indices
      // stay below N without a division (j k fstride < p m fstride = N; 64-bit modulo in
      // this loop cost more than the arithmetic).
      const size_t n = static_cast<size_t>(length_);
      const size_t up = static_cast<size_t>(p);
      Complex* t = scratch_.data();
      for (size_t k = 0; k < m; ++k) {
        for (size_t j = 0; j < up; ++j) t[j] = Mul(out[k + j * m], tw[j * k * fstride]);
        for (size_t q = 0; q < up; ++q) {
          Complex acc = t[0];
          // W_p^{jq} = W_N^{jq N/p}, N/p = fstride * m.
          const size_t step = q * fstride * m;  // < N
          size_t index = step;
          for (size_t j = 1; j < up; ++j) {
            acc += Mul(t[j], tw[index]);
            index += step;
            if (index >= n) index -= n;
          }
          out[k + q * m] = acc;
        }
      }
      return;
    }
  }
}

PortableRealFft::PortableRealFft(int length)
    : length_(length),
      half_([length] {
        if (length < 2 || length % 2 != 0 || length / 2 > kMaxComplexLength) {
          throw std::invalid_argument("PortableRealFft: length must be even, 2 .. 2^25");
        }
        return length / 2;
      }()),
      split_twiddles_(static_cast<size_t>(length / 2 + 1)),
      packed_(static_cast<size_t>(length / 2)),
      packed_spectrum_(static_cast<size_t>(length / 2)) {
  for (size_t k = 0; k < split_twiddles_.size(); ++k) {
    const double phase = -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(length);
    split_twiddles_[k] = Complex(static_cast<float>(std::cos(phase)), static_cast<float>(std::sin(phase)));
  }
}

void PortableRealFft::Forward(const float* time, Complex* spectrum) {
  // z[n] = x[2n] + i x[2n+1]; Z = FFT_{N/2}(z). Then with Zc = conj(Z[N/2 - k]):
  // X[k] = (Z[k] + Zc) / 2 + W_N^k (Z[k] - Zc) / 2i.
  const size_t h = static_cast<size_t>(length_ / 2);
  for (size_t n = 0; n < h; ++n) packed_[n] = Complex(time[2 * n], time[2 * n + 1]);
  half_.Forward(packed_.data(), packed_spectrum_.data());
  const Complex* z = packed_spectrum_.data();
  // Bins 0 and N/2 from Z[0] alone: the sums of the even and of the odd samples.
  spectrum[0] = Complex(z[0].real() + z[0].imag(), 0.0f);
  spectrum[h] = Complex(z[0].real() - z[0].imag(), 0.0f);
  for (size_t k = 1; k < h; ++k) {
    const Complex zk = z[k];
    const Complex zc = std::conj(z[h - k]);
    const Complex even = (zk + zc) * 0.5f;
    const Complex odd = RotateQuarter(zk - zc, false) * 0.5f;  // (zk - zc) / 2i
    spectrum[k] = even + Mul(split_twiddles_[k], odd);
  }
}

void PortableRealFft::Inverse(const Complex* spectrum, float* time) {
  // The forward split undone without its 1/2s: Z[k] = E + i O with E = X[k] + conj(X[h-k])
  // and O = (X[k] - conj(X[h-k])) W_N^{-k}; the N/2-point inverse of that is N z.
  const size_t h = static_cast<size_t>(length_ / 2);
  {
    const float x0 = spectrum[0].real(), xh = spectrum[h].real();
    packed_[0] = Complex(x0 + xh, x0 - xh);
  }
  for (size_t k = 1; k < h; ++k) {
    const Complex xk = spectrum[k];
    const Complex xc = std::conj(spectrum[h - k]);
    const Complex even = xk + xc;
    const Complex odd = Mul(xk - xc, std::conj(split_twiddles_[k]));
    packed_[k] = even + RotateQuarter(odd, true);  // + i * odd
  }
  half_.Inverse(packed_.data(), packed_spectrum_.data());
  for (size_t n = 0; n < h; ++n) {
    time[2 * n] = packed_spectrum_[n].real();
    time[2 * n + 1] = packed_spectrum_[n].imag();
  }
}

}  // namespace hush::dsp
