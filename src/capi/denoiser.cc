// SPDX-License-Identifier: MIT
#include "capi/denoiser.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define HUSH_HAVE_MXCSR 1
#endif

namespace hush {

namespace {

// SpeexDSP quality for the rate conversion around the suppressor: 6 keeps the round trip
// above 90 dB SI-SDR in the pass band, and costs half the delay of 8 (docs/RESAMPLING.md).
constexpr int kResamplerQuality = 6;
// Frames the two resamplers' output counts may differ from the exact ratio by, per call
// (each rounds once): the prefill covers it so the output FIFO never runs dry.
constexpr size_t kResampleSlackFrames = 4;
// Largest 48 kHz period worth padding the delay to (160 frames = 3.3 ms, the 44.1 kHz
// family's); at 22.05 and 11.025 kHz the pad would cost 7 and 13 ms, so the latency is
// rounded to the nearest frame instead (within half a frame).
constexpr size_t kMaxPadPeriodFrames = 160;
// Largest 48 kHz period worth padding the delay to (160 frames = 3.3 ms, the 44.1 kHz
// family's); at 22.05 and 11.025 kHz the pad would cost 7 and 13 ms, so the latency is
// rounded to the nearest frame instead (within half a frame).

// Flushes denormals to zero for the lifetime of the scope and restores the caller's
// mode after: a decaying recursive average would otherwise slow to a crawl.
class DenormalScope {
 public:
  DenormalScope() {
#ifdef HUSH_HAVE_MXCSR
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | 0x8040);  // FTZ | DAZ
#endif
  }
  ~DenormalScope() {
#ifdef HUSH_HAVE_MXCSR
    _mm_setcsr(saved_);
#endif
  }
  DenormalScope(const DenormalScope&) = delete;
  DenormalScope& operator=(const DenormalScope&) = delete;

 private:
  unsigned saved_ = 0;
};

size_t InternalFramesFor(size_t frames, int rate_hz) {
  // Upper bound of the frames `frames` at rate_hz become at 48 kHz.
  return (frames * kSuppressorRateHz + static_cast<size_t>(rate_hz) - 1) / static_cast<size_t>(rate_hz) +
         kResampleSlackFrames;
}

}  // namespace

PlanarFifo::PlanarFifo(int channels, size_t capacity_frames)
    : data_(static_cast<size_t>(channels), std::vector<float>(capacity_frames, 0.0f)),
      capacity_frames_(capacity_frames) {}

void PlanarFifo::AppendZeros(size_t frames) {
  for (auto& channel : data_) std::fill_n(channel.begin() + static_cast<std::ptrdiff_t>(frames_), frames, 0.0f);
  frames_ += frames;
}

void PlanarFifo::Consume(size_t frames) {
  for (auto& channel : data_) {
    std::memmove(channel.data(), channel.data() + frames, (frames_ - frames) * sizeof(float));
  }
  frames_ -= frames;
}

Denoiser::Denoiser(std::shared_ptr<const SuppressorFactory> factory, const hush_denoiser_config& config)
    : factory_(std::move(factory)),
      sample_rate_hz_(static_cast<int>(config.sample_rate_hz)),
      channels_(static_cast<int>(config.channels)),
      max_block_frames_(config.max_block_frames),
      resampling_(config.sample_rate_hz != kSuppressorRateHz),
      prefill_frames_(0),
      latency_frames_(0),
      input_(static_cast<int>(config.channels),
             kHopFrames + InternalFramesFor(config.max_block_frames, static_cast<int>(config.sample_rate_hz))),
      output_(static_cast<int>(config.channels),
              3 * kHopFrames + 2 * kResampleSlackFrames + 1024 +
                  InternalFramesFor(config.max_block_frames, static_cast<int>(config.sample_rate_hz))),
      scratch_(config.channels, std::vector<float>(config.max_block_frames, 0.0f)),
      atten_limit_db_(config.atten_limit_db),
      vad_threshold_(config.vad_gate_threshold),
      vad_hold_ms_(config.vad_gate_hold_ms) {
  suppressor_ = factory_->Create(channels_);
  const int algorithmic_delay = suppressor_->AlgorithmicDelayFrames();
  if (!resampling_) {
    // Worst case: a block ends one frame before a hop completes.
    prefill_frames_ = kHopFrames - 1;
    latency_frames_ = static_cast<uint32_t>(algorithmic_delay + prefill_frames_);
  } else {
    for (int c = 0; c < channels_; ++c) {
      to_internal_.push_back(std::make_unique<dsp::Resampler>(sample_rate_hz_, kSuppressorRateHz, kResamplerQuality));
      from_internal_.push_back(std::make_unique<dsp::Resampler>(kSuppressorRateHz, sample_rate_hz_, kResamplerQuality));
    }
    const size_t in_delay = static_cast<size_t>(to_internal_[0]->InputLatencyFrames());    // at R
    const size_t out_delay = static_cast<size_t>(from_internal_[0]->InputLatencyFrames());  // at 48 kHz
    prefill_frames_ = kHopFrames - 1 + 2 * kResampleSlackFrames;
    // Pad the 48 kHz part of the delay to a whole number of frames at R where that
    // costs little (44.1 kHz: multiples of 160 frames), so the reported latency is exact.
    const size_t rate = static_cast<size_t>(sample_rate_hz_);
    const size_t period = kSuppressorRateHz / std::gcd(rate, static_cast<size_t>(kSuppressorRateHz));
    size_t internal_delay = static_cast<size_t>(algorithmic_delay) + prefill_frames_ + out_delay;
    if (period <= kMaxPadPeriodFrames) {
      const size_t pad = (period - internal_delay % period) % period;
      prefill_frames_ += pad;
      internal_delay += pad;
    }
    const double latency = static_cast<double>(in_delay) +
                           static_cast<double>(internal_delay) * static_cast<double>(rate) / kSuppressorRateHz;
    latency_frames_ = static_cast<uint32_t>(std::lround(latency));
  }
  const size_t max_hops = InternalFramesFor(max_block_frames_, sample_rate_hz_) / kHopFrames + 2;
  hop_probabilities_.assign(max_hops, 0.0f);
  Reset();
}

void Denoiser::Reset() {
  suppressor_->Reset();
  for (auto& r : to_internal_) r->Reset();
  for (auto& r : from_internal_) r->Reset();
  input_.Clear();
  output_.Clear();
  output_.AppendZeros(prefill_frames_);
  hop_count_ = 0;
  voice_probability_.store(0.0f, std::memory_order_relaxed);
}

size_t Denoiser::VoiceProbabilities(float* probabilities, size_t capacity) const {
  if (probabilities != nullptr) {
    std::copy_n(hop_probabilities_.begin(), std::min(capacity, hop_count_), probabilities);
  }
  return hop_count_;
}

void Denoiser::RunHops() {
  hop_count_ = 0;
  const float* hop_in[8];
  float* hop_out[8];
  size_t offset = 0;
  while (input_.Frames() - offset >= static_cast<size_t>(kHopFrames)) {
    SuppressorParams params;
    params.atten_limit_db = atten_limit_db_.load(std::memory_order_relaxed);
    params.vad_gate_threshold = vad_threshold_.load(std::memory_order_relaxed);
    params.vad_gate_hold_ms = vad_hold_ms_.load(std::memory_order_relaxed);
    suppressor_->SetParams(params);
    for (int c = 0; c < channels_; ++c) {
      hop_in[c] = input_.Data(c) + offset;
      hop_out[c] = output_.Tail(c);
    }
    const float probability = suppressor_->ProcessHop(hop_in, hop_out);
    output_.Commit(kHopFrames);
    offset += kHopFrames;
    if (hop_count_ < hop_probabilities_.size()) hop_probabilities_[hop_count_++] = probability;
    voice_probability_.store(probability, std::memory_order_relaxed);
  }
  if (offset > 0) input_.Consume(offset);
}

hush_status Denoiser::Process(const float* const* in, float* const* out, size_t frames) {
  if (frames > max_block_frames_) return HUSH_ERROR_BLOCK_TOO_LARGE;
  DenormalScope denormals;

  // Copy the block first: `out` may alias `in`, and non-finite samples become 0 so one
  // bad sample cannot poison the recursive estimates forever. Finite samples are limited
  // to +-kMaxInputMagnitude: a float file can hold values up to 3.4e38, whose power
  // spectra overflow float and would come out as infinities (found by
  // tests/fuzz/fuzz_sound_file); real audio never goes 60 dB over full scale.
  for (int c = 0; c < channels_; ++c) {
    float* dst = scratch_[static_cast<size_t>(c)].data();
    const float* src = in[c];
    for (size_t i = 0; i < frames; ++i) {
      dst[i] = std::isfinite(src[i]) ? std::clamp(src[i], -kMaxInputMagnitude, kMaxInputMagnitude) : 0.0f;
    }
  }

  if (!resampling_) {
    for (int c = 0; c < channels_; ++c) std::copy_n(scratch_[static_cast<size_t>(c)].data(), frames, input_.Tail(c));
    input_.Commit(frames);
  } else {
    size_t produced = 0;
    for (int c = 0; c < channels_; ++c) {
      size_t in_frames = frames;
      size_t out_frames = input_.FreeFrames();
      to_internal_[static_cast<size_t>(c)]->Process(scratch_[static_cast<size_t>(c)].data(), &in_frames,
                                                    input_.Tail(c), &out_frames);
      produced = out_frames;  // identical for every channel: same ratio, same history
    }
    input_.Commit(produced);
  }

  RunHops();

  if (!resampling_) {
    const size_t available = std::min(frames, output_.Frames());
    for (int c = 0; c < channels_; ++c) {
      std::copy_n(output_.Data(c), available, out[c]);
      std::fill(out[c] + available, out[c] + frames, 0.0f);
    }
    if (available < frames) ++underruns_;
    output_.Consume(available);
  } else {
    size_t consumed = 0, produced = 0;
    for (int c = 0; c < channels_; ++c) {
      size_t in_frames = output_.Frames();
      size_t out_frames = frames;
      from_internal_[static_cast<size_t>(c)]->Process(output_.Data(c), &in_frames, out[c], &out_frames);
      consumed = in_frames;
      produced = out_frames;
      std::fill(out[c] + out_frames, out[c] + frames, 0.0f);
    }
    if (produced < frames) ++underruns_;
    output_.Consume(consumed);
  }
  return HUSH_OK;
}

}  // namespace hush
