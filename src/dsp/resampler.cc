// SPDX-License-Identifier: MIT
#include "dsp/resampler.h"

#if !HUSH_PORTABLE_DSP
#include <speex/speex_resampler.h>
#endif

#include <limits>
#include <new>
#include <stdexcept>

namespace hush::dsp {

#if HUSH_PORTABLE_DSP
Resampler::Resampler(int in_rate_hz, int out_rate_hz, int quality) {
  if (in_rate_hz <= 0 || out_rate_hz <= 0 || quality < 0 || quality > 10) {
    throw std::invalid_argument("Resampler: bad rate or quality");
  }
  portable_ = std::make_unique<PortableResampler>(in_rate_hz, out_rate_hz, quality);
}

Resampler::~Resampler() = default;

void Resampler::Process(const float* in, size_t* in_frames, float* out, size_t* out_frames) {
  portable_->Process(in, in_frames, out, out_frames);
}

int Resampler::InputLatencyFrames() const { return portable_->InputLatencyFrames(); }

void Resampler::Reset() { portable_->Reset(); }
#else
Resampler::Resampler(int in_rate_hz, int out_rate_hz, int quality) {
  if (in_rate_hz <= 0 || out_rate_hz <= 0 || quality < 0 || quality > 10) {
    throw std::invalid_argument("Resampler: bad rate or quality");
  }
  int error = 0;
  state_ = speex_resampler_init(1, static_cast<spx_uint32_t>(in_rate_hz),
                                static_cast<spx_uint32_t>(out_rate_hz), quality, &error);
  if (state_ == nullptr || error != RESAMPLER_ERR_SUCCESS) throw std::bad_alloc();
}

Resampler::~Resampler() {
  if (state_ != nullptr) speex_resampler_destroy(state_);
}

void Resampler::Process(const float* in, size_t* in_frames, float* out, size_t* out_frames) {
  // SpeexDSP counts in 32 bits; callers here never pass more than a block.
  constexpr size_t kMax = std::numeric_limits<spx_uint32_t>::max();
  spx_uint32_t in_len = static_cast<spx_uint32_t>(*in_frames < kMax ? *in_frames : kMax);
  spx_uint32_t out_len = static_cast<spx_uint32_t>(*out_frames < kMax ? *out_frames : kMax);
  speex_resampler_process_float(state_, 0, in, &in_len, out, &out_len);
  *in_frames = in_len;
  *out_frames = out_len;
}

int Resampler::InputLatencyFrames() const { return speex_resampler_get_input_latency(state_); }

void Resampler::Reset() { speex_resampler_reset_mem(state_); }
#endif  // HUSH_PORTABLE_DSP

}  // namespace hush::dsp
