// SPDX-License-Identifier: MIT
#include "suppressor/neural/neural_suppressor.h"

#include <hush/hush.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "suppressor/neural/model_blob.h"

namespace hush::neural {

namespace {
constexpr float kHopMs = 1000.0f * kHopFrames / kSuppressorRateHz;

// Restores the caller's floating-point mode however ProcessHop returns.
class FlushDenormalsScope {
 public:
  FlushDenormalsScope() : saved_(nn::SetFlushDenormals()) {}
  ~FlushDenormalsScope() { nn::RestoreFloatMode(saved_); }
  FlushDenormalsScope(const FlushDenormalsScope&) = delete;
  FlushDenormalsScope& operator=(const FlushDenormalsScope&) = delete;

 private:
  unsigned saved_;
};
}  // namespace

int NeuralSuppressorFactory::Kind() const { return HUSH_SUPPRESSOR_NEURAL; }

NeuralSuppressor::NeuralSuppressor(std::shared_ptr<const NeuralModel> model, int channels,
                                   const nn::KernelTable* kernels)
    : model_(std::move(model)), channels_(channels), network_(*model_, kernels) {
  if (model_->features != static_cast<uint32_t>(kNeuralFeatures) || model_->bands != static_cast<uint32_t>(kNeuralBands)) {
    throw std::invalid_argument("model does not match the runtime features");
  }
  for (int c = 0; c < channels; ++c) {
    stft_.push_back(std::make_unique<dsp::Stft>(kHopFrames));
    spectra_.emplace_back(static_cast<size_t>(kSpectrumBins));
  }
}

void NeuralSuppressor::Reset() {
  for (auto& stft : stft_) stft->Reset();
  extractor_.Reset();
  network_.Reset();
  gate_.Reset();
}

float NeuralSuppressor::ProcessHop(const float* const* in, float* const* out) {
  FlushDenormalsScope flush;
  power_.fill(0.0f);
  const float channel_weight = 1.0f / static_cast<float>(channels_);
  for (int c = 0; c < channels_; ++c) {
    const dsp::Complex* spectrum = stft_[c]->Analyze(in[c]);
    std::copy(spectrum, spectrum + kSpectrumBins, spectra_[c].begin());
    for (int k = 0; k < kSpectrumBins; ++k) power_[k] += channel_weight * std::norm(spectrum[k]);
  }
  extractor_.Compute(power_.data(), features_.data(), nullptr);
  const float voice = network_.Run(features_.data(), band_gains_.data());

  // Strength: the gain never falls below the attenuation limit (0 dB = bypass).
  const float floor_gain = std::pow(10.0f, -std::max(0.0f, params_.atten_limit_db) / 20.0f);
  const float gate = gate_.Update(voice, params_.vad_gate_threshold, params_.vad_gate_hold_ms, kHopMs, floor_gain);
  for (int b = 0; b < kNeuralBands; ++b) {
    applied_gains_[b] = std::max(floor_gain, band_gains_[b] * gate);
  }
  InterpolateBandGains(applied_gains_.data(), bin_gains_.data());
  for (int c = 0; c < channels_; ++c) {
    dsp::Complex* spectrum = spectra_[c].data();
    for (int k = 0; k < kSpectrumBins; ++k) spectrum[k] *= bin_gains_[k];
    stft_[c]->Synthesize(spectrum, out[c]);
  }
  return voice;
}

}  // namespace hush::neural
