// SPDX-License-Identifier: MIT
#include "dsp/stft.h"

#if !HUSH_PORTABLE_DSP
#include <kissfft/kiss_fftr.h>
#endif

#include <algorithm>
#include <cmath>
#include <numbers>
#include <new>
#include <stdexcept>

namespace hush::dsp {

#if HUSH_PORTABLE_DSP
RealFft::RealFft(int length) : length_(length) {
  if (length < 2 || length % 2 != 0) throw std::invalid_argument("RealFft: length must be even");
  portable_ = std::make_unique<PortableRealFft>(length);
}

RealFft::~RealFft() = default;

void RealFft::Forward(const float* time, Complex* spectrum) { portable_->Forward(time, spectrum); }

void RealFft::Inverse(const Complex* spectrum, float* time) {
  // PortableRealFft leaves its input alone (no copy needed, unlike kiss_fftri).
  portable_->Inverse(spectrum, time);
  const float scale = 1.0f / static_cast<float>(length_);
  for (int i = 0; i < length_; ++i) time[i] *= scale;
}
#else
RealFft::RealFft(int length) : length_(length), scratch_(static_cast<size_t>(length / 2 + 1)) {
  if (length < 2 || length % 2 != 0) throw std::invalid_argument("RealFft: length must be even");
  forward_ = kiss_fftr_alloc(length, 0, nullptr, nullptr);
  inverse_ = kiss_fftr_alloc(length, 1, nullptr, nullptr);
  if (forward_ == nullptr || inverse_ == nullptr) {
    kiss_fftr_free(forward_);
    kiss_fftr_free(inverse_);
    throw std::bad_alloc();
  }
}

RealFft::~RealFft() {
  kiss_fftr_free(forward_);
  kiss_fftr_free(inverse_);
}

void RealFft::Forward(const float* time, Complex* spectrum) {
  // std::complex<float> and kiss_fft_cpx are both two packed floats.
  kiss_fftr(forward_, time, reinterpret_cast<kiss_fft_cpx*>(spectrum));
}

void RealFft::Inverse(const Complex* spectrum, float* time) {
  // kiss_fftri may scribble on its input, so it works on a copy.
  std::copy(spectrum, spectrum + Bins(), scratch_.begin());
  kiss_fftri(inverse_, reinterpret_cast<const kiss_fft_cpx*>(scratch_.data()), time);
  const float scale = 1.0f / static_cast<float>(length_);
  for (int i = 0; i < length_; ++i) time[i] *= scale;
}
#endif  // HUSH_PORTABLE_DSP

Stft::Stft(int hop_frames)
    : hop_frames_(hop_frames),
      fft_(2 * hop_frames),
      window_(static_cast<size_t>(2 * hop_frames)),
      input_(static_cast<size_t>(2 * hop_frames), 0.0f),
      overlap_(static_cast<size_t>(hop_frames), 0.0f),
      frame_(static_cast<size_t>(2 * hop_frames), 0.0f),
      spectrum_(static_cast<size_t>(hop_frames + 1)) {
  const int n = WindowFrames();
  for (int i = 0; i < n; ++i) {
    // Periodic Hann: w[i]^2 + w[i + hop]^2 == 1 for the square root used here.
    const double hann = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / n);
    window_[static_cast<size_t>(i)] = static_cast<float>(std::sqrt(hann));
  }
}

const Complex* Stft::Analyze(const float* hop) {
  std::copy(input_.begin() + hop_frames_, input_.end(), input_.begin());
  std::copy(hop, hop + hop_frames_, input_.begin() + hop_frames_);
  for (int i = 0; i < WindowFrames(); ++i) frame_[i] = input_[i] * window_[i];
  fft_.Forward(frame_.data(), spectrum_.data());
  return spectrum_.data();
}

void Stft::Synthesize(const Complex* spectrum, float* hop_out) {
  fft_.Inverse(spectrum, frame_.data());
  for (int i = 0; i < hop_frames_; ++i) {
    hop_out[i] = overlap_[i] + frame_[i] * window_[i];
    overlap_[i] = frame_[i + hop_frames_] * window_[i + hop_frames_];
  }
}

void Stft::Reset() {
  std::fill(input_.begin(), input_.end(), 0.0f);
  std::fill(overlap_.begin(), overlap_.end(), 0.0f);
}

}  // namespace hush::dsp
