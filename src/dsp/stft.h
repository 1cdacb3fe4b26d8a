// SPDX-License-Identifier: MIT
// Short-time Fourier analysis and synthesis with 50% overlap and square-root Hann
// windows on both sides: the squared windows sum to exactly 1, so analysis followed by
// synthesis with unit gains reconstructs the input delayed by window - hop frames.
#ifndef HUSH_DSP_STFT_H
#define HUSH_DSP_STFT_H

#include <complex>
#include <memory>
#include <vector>

#if HUSH_PORTABLE_DSP
#include "dsp/portable_fft.h"
#else
struct kiss_fftr_state;
#endif

namespace hush::dsp {

using Complex = std::complex<float>;

// A real-input FFT of fixed even length. RT-safe after construction. kissfft, or with
// HUSH_PORTABLE_DSP (Windows) the project's own PortableRealFft (dsp/portable_fft.h).
class RealFft {
 public:
  explicit RealFft(int length);
  ~RealFft();
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;

  int Length() const { return length_; }
  int Bins() const { return length_ / 2 + 1; }
  // [RT-safe] time[Length()] -> spectrum[Bins()], unnormalised.
  void Forward(const float* time, Complex* spectrum);
  // [RT-safe] spectrum[Bins()] -> time[Length()], scaled by 1/Length() so that
  // Inverse(Forward(x)) == x.
  void Inverse(const Complex* spectrum, float* time);

 private:
  int length_;
#if HUSH_PORTABLE_DSP
  std::unique_ptr<PortableRealFft> portable_;
#else
  kiss_fftr_state* forward_ = nullptr;
  kiss_fftr_state* inverse_ = nullptr;
  std::vector<Complex> scratch_;
#endif
};

// One channel of streaming STFT analysis + synthesis, hop = window / 2.
class Stft {
 public:
  explicit Stft(int hop_frames);

  int HopFrames() const { return hop_frames_; }
  int WindowFrames() const { return 2 * hop_frames_; }
  int Bins() const { return hop_frames_ + 1; }
  // Input-to-output delay of Analyze + Synthesize with unit gains.
  int DelayFrames() const { return hop_frames_; }

  // [RT-safe] Takes the next hop of input, returns the windowed spectrum of the
  // latest window (valid until the next call).
  const Complex* Analyze(const float* hop);
  // [RT-safe] Overlap-adds the inverse of `spectrum` and writes one finished hop.
  void Synthesize(const Complex* spectrum, float* hop_out);
  // [RT-safe]
  void Reset();

 private:
  int hop_frames_;
  RealFft fft_;
  std::vector<float> window_;      // sqrt-Hann, periodic
  std::vector<float> input_;       // the last window of input
  std::vector<float> overlap_;     // second half of the previous synthesis frame
  std::vector<float> frame_;       // scratch
  std::vector<Complex> spectrum_;  // result of Analyze
};

}  // namespace hush::dsp

#endif  // HUSH_DSP_STFT_H
