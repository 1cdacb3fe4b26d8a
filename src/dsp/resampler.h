// SPDX-License-Identifier: MIT
// Fixed-ratio streaming resampler for one channel, over SpeexDSP's resampler (Debian
// libspeexdsp). Chosen over libsoxr and libsamplerate because it reports its delay
// exactly in whole input frames and never allocates while processing; the measurements
// behind the choice are in docs/RESAMPLING.md. With HUSH_PORTABLE_DSP (Windows) it is
// the project's PortableResampler (dsp/portable_resampler.h), same contract.
#ifndef HUSH_DSP_RESAMPLER_H
#define HUSH_DSP_RESAMPLER_H

#include <cstddef>

#if HUSH_PORTABLE_DSP
#include <memory>

#include "dsp/portable_resampler.h"
#else
struct SpeexResamplerState_;
#endif

namespace hush::dsp {

class Resampler {
 public:
  // quality: SpeexDSP's 0..10. Throws std::invalid_argument / std::bad_alloc.
  Resampler(int in_rate_hz, int out_rate_hz, int quality);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  // [RT-safe] Consumes up to *in_frames input frames and writes up to *out_frames
  // output frames; on return both hold how many were actually consumed / produced.
  void Process(const float* in, size_t* in_frames, float* out, size_t* out_frames);

  // Delay from input to output, in input frames (exact: the filter is symmetric and
  // centred on this many frames of zero history).
  int InputLatencyFrames() const;

  // [RT-safe] Clears the filter history.
  void Reset();

 private:
#if HUSH_PORTABLE_DSP
  std::unique_ptr<PortableResampler> portable_;
#else
  SpeexResamplerState_* state_ = nullptr;
#endif
};

}  // namespace hush::dsp

#endif  // HUSH_DSP_RESAMPLER_H
