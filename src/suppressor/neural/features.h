// SPDX-License-Identifier: MIT
// The neural suppressor's view of the signal, shared by the runtime and by training
// (training/native loads this very code through ctypes; no Python re-implementation).
//
// Bands: the 481 bins of the 960-frame STFT (50 Hz apart) are grouped into kNeuralBands
// triangular bands. Below 1.6 kHz every bin is its own band, so the gains can follow
// the harmonics of a voice (pitch 80..400 Hz puts harmonics 2..8 bins apart) and remove
// noise between them, which the 22 wide bands of RNNoise cannot; above, bands widen on
// a roughly ERB-like scale up to 24 kHz.
//
// Features per hop (kNeuralFeatures):
//   [0, B)    log10 of the band energy of the input
//   [B, 2B)   the same minus a slowly rising per-band floor (a minimum tracker): how far
//             each band stands above the stationary part of the noise
//   [2B, 3B)  log10 of the band energy after the statistical suppressor's gains (OM-LSA
//             with IMCRA noise tracking, at a fixed 30 dB limit): a strong prior
//   [3B, 4B)  log10 of the band energy of the noise as IMCRA tracks it
// The network normalises them with per-feature constants stored in the model blob, and
// starts from the statistical band gain sqrt(10^(f[2B+b] - f[b])) (network.h): it learns
// a correction of a good classical estimate rather than everything from scratch, which a
// model trained for an hour on two cores needs.
#ifndef HUSH_SUPPRESSOR_NEURAL_FEATURES_H
#define HUSH_SUPPRESSOR_NEURAL_FEATURES_H

#include <array>
#include <vector>

#include "suppressor/statistical/statistical_suppressor.h"

namespace hush::neural {

inline constexpr int kFeatureVersion = 2;
inline constexpr int kSpectrumBins = 481;
inline constexpr int kPerBinBands = 32;  // bins 0..31: 0..1550 Hz
inline constexpr int kNeuralBands = 56;
inline constexpr int kNeuralFeatures = 4 * kNeuralBands;
// The strength at which the statistical prior is computed (the user's strength is
// applied after the network).
inline constexpr float kPriorAttenDb = 30.0f;

// Band centres in bins; the triangle of band i spans centres i-1 .. i+1.
const std::array<int, kNeuralBands>& BandCentres();

// [RT-safe] energy[b] = sum over bins of power[k] * triangle_b(k).
void BandEnergies(const float* power, float* energy);
// [RT-safe] Linear interpolation of band gains to bin gains (the transpose of the
// triangular weighting: the triangles sum to one at every bin).
void InterpolateBandGains(const float* band_gain, float* bin_gain);

class FeatureExtractor {
 public:
  FeatureExtractor();
  // [RT-safe] power[kSpectrumBins] of this hop -> features[kNeuralFeatures];
  // band_energy[kNeuralBands] gets the band energies (may be null).
  void Compute(const float* power, float* features, float* band_energy);
  // [RT-safe]
  void Reset();

 private:
  StatisticalGainEstimator statistical_;
  std::array<float, kSpectrumBins> scratch_{};
  std::array<float, kNeuralBands> energy_{};
  std::array<float, kNeuralBands> cleaned_energy_{};
  std::array<float, kNeuralBands> noise_energy_{};
  std::array<float, kNeuralBands> floor_log10_{};
  int hops_seen_ = 0;
};

}  // namespace hush::neural

#endif  // HUSH_SUPPRESSOR_NEURAL_FEATURES_H
