// SPDX-License-Identifier: MIT
// Project-owned FFTs: a mixed-radix complex FFT (radix 2, 3, 4 and 5 butterflies, a
// generic butterfly for any other prime factor) and a real-input FFT built on it (an
// N-point real transform as one N/2-point complex transform plus a split step).
//
// Why: Debian ships kissfft only for the host, and the project may not vendor it, so the
// Windows build (HUSH_PORTABLE_DSP) uses these behind dsp::RealFft. Conventions match
// kissfft exactly, so RealFft behaves the same with either: Forward is unnormalised
// (X[k] = sum_n x[n] e^{-2 pi i k n / N}) and Inverse is unnormalised too (it returns
// N times the signal). tests/unit/test_portable_fft.cc compares them bin by bin.
//
// Twiddles are computed in double and stored as float; butterflies multiply by hand
// (std::complex<float> operator* calls __mulsc3 for C99 Annex G NaN handling, which is
// several times slower and buys nothing here).
//
// Allocation happens only in the constructors; Forward/Inverse are [RT-safe] (no
// allocation, lock or I/O) and reentrant per object only: one thread per object at a
// time (they use the object's scratch).
#ifndef HUSH_DSP_PORTABLE_FFT_H
#define HUSH_DSP_PORTABLE_FFT_H

#include <complex>
#include <vector>

namespace hush::dsp {

using Complex = std::complex<float>;

// Complex FFT of any length >= 1. Lengths with only small prime factors are fast; a large
// prime factor p costs O(N * p).
class PortableComplexFft {
 public:
  // length: number of points, 1 .. 2^24. Throws std::invalid_argument outside that range,
  // std::bad_alloc when out of memory.
  explicit PortableComplexFft(int length);

  int Length() const { return length_; }
  // [RT-safe] out[k] = sum_n in[n] e^{-2 pi i k n / N}; in and out: Length() elements,
  // must not overlap.
  void Forward(const Complex* in, Complex* out);
  // [RT-safe] out[n] = sum_k in[k] e^{+2 pi i k n / N} (unnormalised: N times the
  // signal); in and out must not overlap.
  void Inverse(const Complex* in, Complex* out);

 private:
  // Decimation in time, kissfft's recursion shape: `stage` splits into factors_[stage]
  // interleaved sub-transforms of the input read with stride `fstride`.
  void Transform(Complex* out, const Complex* in, size_t fstride, size_t stage, bool inverse);
  void Butterfly(Complex* out, size_t fstride, size_t m, int p, bool inverse);

  int length_;
  std::vector<int> factors_;        // radices, outermost first (4s first, then 2, 3, 5, ...)
  std::vector<Complex> forward_twiddles_;  // e^{-2 pi i n / N}, n < N
  std::vector<Complex> inverse_twiddles_;  // conjugates
  std::vector<Complex> scratch_;    // generic butterfly: one value per radix point
};

// Real-input FFT of even length N >= 2: N real samples <-> N/2 + 1 complex bins.
class PortableRealFft {
 public:
  // length: even, 2 .. 2^25. Throws std::invalid_argument otherwise.
  explicit PortableRealFft(int length);

  int Length() const { return length_; }
  int Bins() const { return length_ / 2 + 1; }
  // [RT-safe] time[Length()] -> spectrum[Bins()], unnormalised (as kiss_fftr).
  void Forward(const float* time, Complex* spectrum);
  // [RT-safe] spectrum[Bins()] -> time[Length()], unnormalised: returns N times the
  // signal (as kiss_fftri). The imaginary parts of bins 0 and N/2 are ignored. `spectrum`
  // is not modified.
  void Inverse(const Complex* spectrum, float* time);

 private:
  int length_;
  PortableComplexFft half_;
  std::vector<Complex> split_twiddles_;  // e^{-2 pi i k / N}, k <= N/2
  std::vector<Complex> packed_;          // N/2 complex: the even/odd samples as one signal
  std::vector<Complex> packed_spectrum_;
};

}  // namespace hush::dsp

#endif  // HUSH_DSP_PORTABLE_FFT_H
