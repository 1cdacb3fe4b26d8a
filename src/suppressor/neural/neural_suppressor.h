// SPDX-License-Identifier: MIT
// The neural suppressor (the default): the statistical suppressor's STFT, with the gains
// computed by a trained recurrent network from the runtime features (features.h).
//
//   STFT (960 sqrt-Hann, hop 480) -> power (mean over channels) -> 112 features
//     -> HushNet (network.h) -> 56 band gains + voice probability
//     -> strength floor, voice-activity gate -> gains per bin (linear interpolation)
//     -> inverse STFT. Algorithmic delay: 480 frames (10 ms), no look-ahead.
//
// Everything is allocated in the constructor; ProcessHop runs with denormals flushed.
#ifndef HUSH_SUPPRESSOR_NEURAL_NEURAL_SUPPRESSOR_H
#define HUSH_SUPPRESSOR_NEURAL_NEURAL_SUPPRESSOR_H

#include <array>
#include <memory>
#include <vector>

#include "dsp/stft.h"
#include "suppressor/neural/features.h"
#include "suppressor/neural/network.h"
#include "suppressor/suppressor.h"
#include "suppressor/vad_gate.h"

namespace hush::neural {

class NeuralSuppressor final : public Suppressor {
 public:
  NeuralSuppressor(std::shared_ptr<const NeuralModel> model, int channels,
                   const nn::KernelTable* kernels = nullptr);

  float ProcessHop(const float* const* in, float* const* out) override;
  void SetParams(const SuppressorParams& params) override { params_ = params; }
  void Reset() override;
  int AlgorithmicDelayFrames() const override { return kHopFrames; }
  int Channels() const override { return channels_; }

  // For tests: the last hop's features and the network's band gains (before the
  // strength floor and the gate).
  const float* LastFeatures() const { return features_.data(); }
  const float* LastNetworkGains() const { return band_gains_.data(); }

 private:
  std::shared_ptr<const NeuralModel> model_;
  int channels_;
  SuppressorParams params_;
  std::vector<std::unique_ptr<dsp::Stft>> stft_;
  std::vector<std::vector<dsp::Complex>> spectra_;
  FeatureExtractor extractor_;
  NetworkState network_;
  VadGate gate_;
  std::array<float, kSpectrumBins> power_{};
  std::array<float, kNeuralFeatures> features_{};
  std::array<float, kNeuralBands> band_gains_{};
  std::array<float, kNeuralBands> applied_gains_{};
  std::array<float, kSpectrumBins> bin_gains_{};
};

class NeuralSuppressorFactory final : public SuppressorFactory {
 public:
  explicit NeuralSuppressorFactory(std::shared_ptr<const NeuralModel> model) : model_(std::move(model)) {}
  std::unique_ptr<Suppressor> Create(int channels) const override {
    return std::make_unique<NeuralSuppressor>(model_, channels);
  }
  int Kind() const override;

 private:
  std::shared_ptr<const NeuralModel> model_;
};

// The model compiled into the library (models/hush-default.hnn), parsed once; nullptr
// in a build without one.
std::shared_ptr<const NeuralModel> EmbeddedModel();

}  // namespace hush::neural

#endif  // HUSH_SUPPRESSOR_NEURAL_NEURAL_SUPPRESSOR_H
