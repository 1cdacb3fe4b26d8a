// SPDX-License-Identifier: MIT
// The statistical suppressor: needs no training.
//
//   STFT (960-frame sqrt-Hann window, 480-frame hop, 48 kHz)
//   -> noise power by IMCRA (noise_tracker.h), which also gives the a-priori
//      speech-absence probability q per bin
//   -> a-priori SNR by the decision-directed rule (Ephraim & Malah 1984)
//   -> optimally-modified log-spectral-amplitude gain (OM-LSA, Cohen & Berdugo 2001):
//      G = G_LSA^p * G_min^(1-p), p = speech-presence probability
//   -> musical-noise control: a-priori SNR floor, and gains smoothed over time in bins
//      where speech is unlikely (isolated spectral peaks of noise do not flicker)
//   -> optional voice-activity gate, gain floor G_min from the strength control
//   -> inverse STFT with overlap-add. Algorithmic delay: 480 frames (10 ms).
//
// Channels share one gain computed from their mean power, so a stereo image is kept.
#ifndef HUSH_SUPPRESSOR_STATISTICAL_STATISTICAL_SUPPRESSOR_H
#define HUSH_SUPPRESSOR_STATISTICAL_STATISTICAL_SUPPRESSOR_H

#include <memory>
#include <vector>

#include "dsp/stft.h"
#include "suppressor/statistical/noise_tracker.h"
#include "suppressor/suppressor.h"
#include "suppressor/vad_gate.h"

namespace hush {

struct StatisticalConfig {
  NoiseTrackerConfig noise;
  // Decision-directed weight: 0.92 per hop trades musical noise against speech onsets.
  float dd_weight = 0.92f;
  // Floor of the a-priori SNR (-25 dB): keeps residual noise smooth, not "musical".
  float min_prior_snr_db = -25.0f;
  // Cap of q, so speech-presence never drops to exactly 0 in a bin (Cohen's q_max).
  float max_absence_probability = 0.95f;
  // Smoothing over time of the gain where speech is absent (0 = off).
  float absent_gain_smoothing = 0.5f;
  // Average the speech-presence probability over three bins before the gain.
  bool smooth_presence = true;
  // Voice probability from the SNR in 300 Hz .. 4 kHz (see ProcessHop).
  float vad_low_hz = 300.0f;
  float vad_high_hz = 4000.0f;
  float vad_center_db = 3.0f;
  float vad_width_db = 1.0f;
  // How much of the attenuation limit is lifted while voice is present (0..1): at 0.8 a
  // 30 dB limit becomes a 6 dB floor under speech. Tuned on the dev set for STOI
  // (0.664 -> 0.670 at equal SI-SDR); see docs/EVALUATION.md.
  float voiced_floor_fraction = 0.8f;
};

// The gain computation of the statistical suppressor, without the STFT: per-bin gains
// and a voice probability from a power spectrum, hop by hop. The statistical suppressor
// applies these gains; the neural suppressor feeds them to its network as a prior.
class StatisticalGainEstimator {
 public:
  explicit StatisticalGainEstimator(const StatisticalConfig& config);
  // [RT-safe] power[481] of this hop -> gain[481] in [min_gain, 1]; returns the voice
  // probability. atten_db is the attenuation limit (the strength).
  float Estimate(const float* power, float atten_db);
  const float* Gains() const { return gain_.data(); }
  const float* NoisePower() const { return tracker_.NoisePower(); }
  // [RT-safe]
  void Reset();

 private:
  int bins_;
  StatisticalConfig config_;
  NoiseTracker tracker_;
  std::vector<float> presence_;
  std::vector<float> gain_;
  std::vector<float> lsa_gain_;
  std::vector<float> previous_clean_snr_;  // G_LSA^2 * gamma of the previous hop
  int vad_low_bin_;
  int vad_high_bin_;
};

class StatisticalSuppressor final : public Suppressor {
 public:
  StatisticalSuppressor(int channels, const StatisticalConfig& config);

  float ProcessHop(const float* const* in, float* const* out) override;
  void SetParams(const SuppressorParams& params) override { params_ = params; }
  void Reset() override;
  int AlgorithmicDelayFrames() const override { return kHopFrames; }
  int Channels() const override { return channels_; }

 private:
  int channels_;
  int bins_;
  SuppressorParams params_;
  std::vector<std::unique_ptr<dsp::Stft>> stft_;
  std::vector<std::vector<dsp::Complex>> spectra_;  // per channel, this hop
  StatisticalGainEstimator estimator_;
  VadGate gate_;
  std::vector<float> power_;
};

class StatisticalSuppressorFactory final : public SuppressorFactory {
 public:
  explicit StatisticalSuppressorFactory(const StatisticalConfig& config = {}) : config_(config) {}
  std::unique_ptr<Suppressor> Create(int channels) const override {
    return std::make_unique<StatisticalSuppressor>(channels, config_);
  }
  int Kind() const override;

 private:
  StatisticalConfig config_;
};

}  // namespace hush

#endif  // HUSH_SUPPRESSOR_STATISTICAL_STATISTICAL_SUPPRESSOR_H
