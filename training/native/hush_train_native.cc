// SPDX-License-Identifier: MIT
// The C ABI that training/ loads with ctypes: the runtime's own STFT and feature code
// (src/dsp/stft, src/suppressor/neural/features), so the network is trained on exactly
// the numbers it will see in the product. Not part of libhush; built for training only.
#include <cstddef>
#include <exception>
#include <vector>

#include "dsp/stft.h"
#include "suppressor/neural/features.h"
#include "suppressor/suppressor.h"

extern "C" {

__attribute__((visibility("default"))) int hush_train_feature_version() {
  return hush::neural::kFeatureVersion;
}

__attribute__((visibility("default"))) void hush_train_dims(int* bands, int* features,
                                                            int* hop_frames, int* bins) {
  *bands = hush::neural::kNeuralBands;
  *features = hush::neural::kNeuralFeatures;
  *hop_frames = hush::kHopFrames;
  *bins = hush::neural::kSpectrumBins;
}

// Analyses `frames` samples (48 kHz) of noisy and clean audio hop by hop, exactly as the
// runtime does, and writes per hop (hops = frames / 480):
//   features[hops * kNeuralFeatures]   from the noisy signal
//   noisy_energy, clean_energy[hops * kNeuralBands]   band energies
// clean and clean_energy may be null. Returns the number of hops, or -1 on failure.
__attribute__((visibility("default"))) long hush_train_extract(const float* noisy,
                                                               const float* clean, long frames,
                                                               float* features,
                                                               float* noisy_energy,
                                                               float* clean_energy) {
  using namespace hush::neural;
  if (noisy == nullptr || features == nullptr || noisy_energy == nullptr || frames < 0) return -1;
  if ((clean == nullptr) != (clean_energy == nullptr)) return -1;
  try {
    const long hops = frames / hush::kHopFrames;
    hush::dsp::Stft noisy_stft(hush::kHopFrames);
    hush::dsp::Stft clean_stft(hush::kHopFrames);
    FeatureExtractor extractor;
    std::vector<float> power(kSpectrumBins);
    for (long h = 0; h < hops; ++h) {
      const hush::dsp::Complex* x = noisy_stft.Analyze(noisy + h * hush::kHopFrames);
      for (int k = 0; k < kSpectrumBins; ++k) power[k] = std::norm(x[k]);
      extractor.Compute(power.data(), features + h * kNeuralFeatures,
                        noisy_energy + h * kNeuralBands);
      if (clean != nullptr) {
        const hush::dsp::Complex* s = clean_stft.Analyze(clean + h * hush::kHopFrames);
        for (int k = 0; k < kSpectrumBins; ++k) power[k] = std::norm(s[k]);
        BandEnergies(power.data(), clean_energy + h * kNeuralBands);
      }
    }
    return hops;
  } catch (const std::exception&) {
    return -1;
  }
}

}  // extern "C"
