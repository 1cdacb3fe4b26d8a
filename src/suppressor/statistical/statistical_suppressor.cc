// SPDX-License-Identifier: MIT
#include "suppressor/statistical/statistical_suppressor.h"

#include <hush/hush.h>

#include <algorithm>
#include <cmath>

#include "dsp/special_functions.h"

namespace hush {

namespace {
constexpr float kPowerFloor = 1e-20f;
// A-posteriori SNR cap (+50 dB): beyond it the gain is 1 anyway; keeps exp() finite.
constexpr float kMaxPosteriorSnr = 1e5f;
constexpr float kHopMs = 1000.0f * kHopFrames / kSuppressorRateHz;
}  // namespace

int StatisticalSuppressorFactory::Kind() const { return HUSH_SUPPRESSOR_STATISTICAL; }

StatisticalGainEstimator::StatisticalGainEstimator(const StatisticalConfig& config)
    : bins_(kHopFrames + 1),
      config_(config),
      tracker_([&] {
        NoiseTrackerConfig noise = config.noise;
        noise.bins = kHopFrames + 1;
        return noise;
      }()),
      presence_(static_cast<size_t>(bins_)),
      gain_(static_cast<size_t>(bins_), 1.0f),
      lsa_gain_(static_cast<size_t>(bins_), 1.0f),
      previous_clean_snr_(static_cast<size_t>(bins_), 0.0f) {
  const float bin_hz = static_cast<float>(kSuppressorRateHz) / (2.0f * kHopFrames);
  vad_low_bin_ = static_cast<int>(config.vad_low_hz / bin_hz);
  vad_high_bin_ = std::min(bins_ - 1, static_cast<int>(config.vad_high_hz / bin_hz));
  dsp::ExpHalfE1(1.0f);  // builds the lookup table here, not on the audio thread
}

void StatisticalGainEstimator::Reset() {
  tracker_.Reset();
  std::fill(gain_.begin(), gain_.end(), 1.0f);
  std::fill(previous_clean_snr_.begin(), previous_clean_snr_.end(), 0.0f);
}

float StatisticalGainEstimator::Estimate(const float* power, float atten_db) {
  const int n = bins_;
  const bool first_hop = !tracker_.Initialized();
  const float* absence = tracker_.UpdateAbsenceProbability(power);
  const float* noise = tracker_.NoisePower();

  // Voice activity from the speech-band SNR of this hop (noise as tracked, bias
  // removed, so pure noise reads about 0 dB): a logistic curve centred at 3 dB, 1 dB
  // wide. Unlike the mean presence probability it has no memory of the previous hop,
  // so it drops as soon as a word ends.
  double band_power = 0.0, band_noise = 0.0;
  for (int k = vad_low_bin_; k <= vad_high_bin_; ++k) {
    band_power += power[k];
    band_noise += noise[k];
  }
  const double band_snr_db =
      10.0 * std::log10((band_power + 1e-30) / (band_noise / config_.noise.noise_bias + 1e-30));
  const float voice_probability =
      static_cast<float>(1.0 / (1.0 + std::exp(-(band_snr_db - config_.vad_center_db) / config_.vad_width_db)));

  atten_db = std::clamp(atten_db, 0.0f, 100.0f);
  // While someone speaks, the floor rises (to 20 % of the limit at full voice probability):
  // residual noise is masked by the voice then, and weak speech in noisy bins is
  // attenuated less; between words the whole limit applies.
  const float frame_floor_db = atten_db * (1.0f - config_.voiced_floor_fraction * voice_probability);
  const float frame_min_gain = std::pow(10.0f, -frame_floor_db / 20.0f);
  const float log_min_gain = std::log(frame_min_gain);
  const float min_prior_snr = std::pow(10.0f, config_.min_prior_snr_db / 10.0f);
  const float dd = config_.dd_weight;
  const float q_max = config_.max_absence_probability;
  const float smoothing = config_.absent_gain_smoothing;

  for (int k = 0; k < n; ++k) {
    const float gamma = std::min(power[k] / std::max(noise[k], kPowerFloor), kMaxPosteriorSnr);
    // On the first hop there is no previous estimate: the ML estimate stands alone.
    const float ml_snr = std::max(gamma - 1.0f, 0.0f);
    float xi = first_hop ? ml_snr : dd * previous_clean_snr_[k] + (1.0f - dd) * ml_snr;
    xi = std::max(xi, min_prior_snr);
    const float v = gamma * xi / (1.0f + xi);
    const float lsa_gain = std::min(1.0f, xi / (1.0f + xi) * dsp::ExpHalfE1(v));
    previous_clean_snr_[k] = lsa_gain * lsa_gain * gamma;

    const float q = std::min(absence[k], q_max);
    // p = 1 / (1 + q/(1-q) * (1+xi) * exp(-v)); v is capped so exp() stays finite.
    const float presence =
        1.0f / (1.0f + q / (1.0f - q) * (1.0f + xi) * std::exp(-std::min(v, 80.0f)));
    presence_[k] = presence;
    lsa_gain_[k] = lsa_gain;
  }

  // Isolated one-bin presence decisions are noise spikes, not speech (speech harmonics
  // span several 50 Hz bins): averaging with the neighbours takes the "musical" tones
  // out of the residual noise.
  if (config_.smooth_presence) {
    float previous = presence_[0];
    for (int k = 1; k < n - 1; ++k) {
      const float current = presence_[k];
      presence_[k] = 0.25f * (previous + presence_[k + 1]) + 0.5f * current;
      previous = current;
    }
  }

  for (int k = 0; k < n; ++k) {
    const float presence = presence_[k];
    float gain = std::exp(presence * std::log(std::max(lsa_gain_[k], 1e-10f)) +
                          (1.0f - presence) * log_min_gain);
    // Musical-noise control: where speech is unlikely, a gain may only move part of the
    // way from its last value, so isolated noise peaks cannot blink on for one hop.
    const float weight = smoothing * (1.0f - presence);
    gain = weight * gain_[k] + (1.0f - weight) * gain;
    gain_[k] = gain;
  }

  tracker_.UpdateNoise(power, presence_.data());  // for the next hop
  return voice_probability;
}

StatisticalSuppressor::StatisticalSuppressor(int channels, const StatisticalConfig& config)
    : channels_(channels), bins_(kHopFrames + 1), estimator_(config), power_(static_cast<size_t>(bins_)) {
  for (int c = 0; c < channels; ++c) {
    stft_.push_back(std::make_unique<dsp::Stft>(kHopFrames));
    spectra_.emplace_back(static_cast<size_t>(bins_));
  }
}

void StatisticalSuppressor::Reset() {
  for (auto& stft : stft_) stft->Reset();
  estimator_.Reset();
  gate_.Reset();
}

float StatisticalSuppressor::ProcessHop(const float* const* in, float* const* out) {
  const int n = bins_;
  std::fill(power_.begin(), power_.end(), 0.0f);
  const float channel_weight = 1.0f / static_cast<float>(channels_);
  for (int c = 0; c < channels_; ++c) {
    const dsp::Complex* spectrum = stft_[c]->Analyze(in[c]);
    std::copy(spectrum, spectrum + n, spectra_[c].begin());
    for (int k = 0; k < n; ++k) power_[k] += channel_weight * std::norm(spectrum[k]);
  }
  const float atten_db = std::clamp(params_.atten_limit_db, 0.0f, 100.0f);
  const float min_gain = std::pow(10.0f, -atten_db / 20.0f);
  const float voice_probability = estimator_.Estimate(power_.data(), atten_db);
  const float* gain = estimator_.Gains();
  const float gate = gate_.Update(voice_probability, params_.vad_gate_threshold,
                                  params_.vad_gate_hold_ms, kHopMs, min_gain);

  for (int c = 0; c < channels_; ++c) {
    dsp::Complex* spectrum = spectra_[c].data();
    for (int k = 0; k < n; ++k) {
      spectrum[k] *= std::clamp(gain[k] * gate, min_gain, 1.0f);  // gate may go below the frame floor
    }
    stft_[c]->Synthesize(spectrum, out[c]);
  }
  return voice_probability;
}

}  // namespace hush
