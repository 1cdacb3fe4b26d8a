// SPDX-License-Identifier: MIT
#include "suppressor/neural/features.h"

#include <algorithm>
#include <cmath>

namespace hush::neural {

namespace {

constexpr std::array<int, kNeuralBands> MakeCentres() {
  std::array<int, kNeuralBands> centres{};
  for (int i = 0; i < kPerBinBands; ++i) centres[static_cast<size_t>(i)] = i;
  // 1.7 kHz .. 24 kHz, steps growing roughly like the ERB bandwidth.
  constexpr int kUpper[kNeuralBands - kPerBinBands] = {34,  37,  40,  44,  48,  53,  58,  64,
                                                       71,  79,  88,  98,  110, 124, 140, 158,
                                                       180, 206, 238, 276, 322, 376, 430, 480};
  for (int i = 0; i < kNeuralBands - kPerBinBands; ++i) {
    centres[static_cast<size_t>(kPerBinBands + i)] = kUpper[i];
  }
  return centres;
}

constexpr std::array<int, kNeuralBands> kCentres = MakeCentres();
static_assert(kCentres[kNeuralBands - 1] == kSpectrumBins - 1, "bands must end at Nyquist");

// log10 of energy, with a floor far below anything a 24-bit input produces, so silence
// gives a finite feature.
constexpr float kEnergyFloor = 1e-12f;
// The floor rises by 0.025 (in log10, = 0.25 dB) per hop, 25 dB per second: slow enough
// to sit under speech (syllables last < 0.3 s), quick enough to follow a noise that grows.
constexpr float kFloorRisePerHop = 0.025f;

}  // namespace

const std::array<int, kNeuralBands>& BandCentres() { return kCentres; }

void BandEnergies(const float* power, float* energy) {
  for (int b = 0; b < kNeuralBands; ++b) energy[b] = 0.0f;
  energy[0] += power[0];
  for (int b = 0; b + 1 < kNeuralBands; ++b) {
    const int lo = kCentres[static_cast<size_t>(b)];
    const int hi = kCentres[static_cast<size_t>(b + 1)];
    const float inv_width = 1.0f / static_cast<float>(hi - lo);
    // Bins strictly inside (lo, hi] split between band b and band b+1.
    for (int k = lo + 1; k <= hi; ++k) {
      const float frac = static_cast<float>(k - lo) * inv_width;
      energy[b] += (1.0f - frac) * power[k];
      energy[b + 1] += frac * power[k];
    }
  }
}

void InterpolateBandGains(const float* band_gain, float* bin_gain) {
  bin_gain[0] = band_gain[0];
  for (int b = 0; b + 1 < kNeuralBands; ++b) {
    const int lo = kCentres[static_cast<size_t>(b)];
    const int hi = kCentres[static_cast<size_t>(b + 1)];
    const float inv_width = 1.0f / static_cast<float>(hi - lo);
    for (int k = lo + 1; k <= hi; ++k) {
      const float frac = static_cast<float>(k - lo) * inv_width;
      bin_gain[k] = (1.0f - frac) * band_gain[b] + frac * band_gain[b + 1];
    }
  }
}

FeatureExtractor::FeatureExtractor() : statistical_(StatisticalConfig{}) { Reset(); }

void FeatureExtractor::Reset() {
  statistical_.Reset();
  floor_log10_.fill(0.0f);
  hops_seen_ = 0;
}

void FeatureExtractor::Compute(const float* power, float* features, float* band_energy) {
  BandEnergies(power, energy_.data());
  for (int b = 0; b < kNeuralBands; ++b) {
    const float log_energy = std::log10(energy_[static_cast<size_t>(b)] + kEnergyFloor);
    float& floor = floor_log10_[static_cast<size_t>(b)];
    // The first window is half silence (the STFT starts from zeros): start the floor at
    // the second hop, the first full window.
    floor = hops_seen_ < 2 ? log_energy : std::min(log_energy, floor + kFloorRisePerHop);
    features[b] = log_energy;
    features[kNeuralBands + b] = log_energy - floor;
  }
  if (hops_seen_ < 2) ++hops_seen_;

  statistical_.Estimate(power, kPriorAttenDb);
  const float* gain = statistical_.Gains();
  for (int k = 0; k < kSpectrumBins; ++k) scratch_[static_cast<size_t>(k)] = gain[k] * gain[k] * power[k];
  BandEnergies(scratch_.data(), cleaned_energy_.data());
  BandEnergies(statistical_.NoisePower(), noise_energy_.data());
  for (int b = 0; b < kNeuralBands; ++b) {
    features[2 * kNeuralBands + b] = std::log10(cleaned_energy_[static_cast<size_t>(b)] + kEnergyFloor);
    features[3 * kNeuralBands + b] = std::log10(noise_energy_[static_cast<size_t>(b)] + kEnergyFloor);
  }
  if (band_energy != nullptr) std::copy(energy_.begin(), energy_.end(), band_energy);
}

}  // namespace hush::neural
