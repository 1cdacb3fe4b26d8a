// SPDX-License-Identifier: MIT
// Noise power tracking by improved minima-controlled recursive averaging (IMCRA,
// I. Cohen, "Noise spectrum estimation in adverse environments: improved minima
// controlled recursive averaging", IEEE Trans. Speech Audio Proc. 11(5), 2003).
//
// Per bin it follows the minimum of a smoothed power spectrum over a sliding window of
// about a second, uses it for a rough voice-activity decision, smooths again over
// speech-free bins only, and from that second minimum derives the a-priori probability
// of speech absence q. The noise estimate is a recursive average whose smoothing slows
// down wherever speech is likely, so it keeps following non-stationary noise between
// words without swallowing speech.
//
// RT-safe after construction; one instance per stream, one thread at a time.
#ifndef HUSH_SUPPRESSOR_STATISTICAL_NOISE_TRACKER_H
#define HUSH_SUPPRESSOR_STATISTICAL_NOISE_TRACKER_H

#include <vector>

namespace hush {

struct NoiseTrackerConfig {
  int bins = 481;
  // Time smoothing of the power spectrum: 0.9 per 10 ms hop is a 95 ms time constant
  // (faster smoothing gained no STOI and lost 7 dB on stationary noise).
  float power_smoothing = 0.9f;
  // Minimum search: subwindows of subwindow_hops each; 8 x 8 hops = 0.64 s, long
  // enough to bridge a vowel, short enough to follow a rising noise within ~1.5 s.
  int subwindows = 8;
  int subwindow_hops = 8;
  // Thresholds of the rough speech decision (Cohen's gamma0, zeta0) and the upper
  // a-posteriori threshold of the soft decision (gamma1).
  float gamma0 = 4.6f;
  float zeta0 = 1.67f;
  float gamma1 = 3.0f;
  // Bias of the minimum of a smoothed periodogram relative to the mean noise power.
  float min_bias = 1.66f;
  // Noise smoothing when speech is surely absent (0.85 per hop: ~60 ms time constant).
  float noise_smoothing = 0.85f;
  // Compensates the downward bias of averaging only where speech is absent. Cohen's
  // 1.47 over-suppressed weak speech here; 1.0 scored better on the dev set.
  float noise_bias = 1.0f;
  // How far above the bias-corrected minimum the noise estimate may rise.
  float minimum_headroom = 2.0f;
  // Hops of plain averaging after a (re)start: 20 hops = 200 ms.
  int startup_hops = 20;
};

class NoiseTracker {
 public:
  explicit NoiseTracker(const NoiseTrackerConfig& config);

  // [RT-safe] Step 1 of a hop: update minima from the noisy power `power[bins]` and
  // return the a-priori speech-absence probability q[bins] for this hop.
  const float* UpdateAbsenceProbability(const float* power);
  // [RT-safe] Step 2 of a hop: with the speech-presence probability of this hop, update
  // the noise estimate used from the next hop on.
  void UpdateNoise(const float* power, const float* presence_probability);

  // Current noise power estimate (lambda_d), one value per bin.
  const float* NoisePower() const { return noise_power_.data(); }
  bool Initialized() const { return hops_ > 0; }

  // [RT-safe]
  void Reset();

 private:
  void SmoothOverFrequency(const float* in, float* out) const;
  void InitializeFrom(const float* power);

  NoiseTrackerConfig config_;
  long hops_ = 0;
  int subwindow_position_ = 0;  // hops into the current subwindow
  int subwindow_index_ = 0;     // ring position in the stored subwindow minima

  std::vector<float> smoothed_;          // S
  std::vector<float> minimum_;           // S_min
  std::vector<float> sub_minimum_;       // S_min within the current subwindow
  std::vector<float> stored_minima_;     // [subwindows][bins]
  std::vector<float> smoothed2_;         // S~ (speech-free bins only)
  std::vector<float> minimum2_;          // S~_min
  std::vector<float> sub_minimum2_;
  std::vector<float> stored_minima2_;
  std::vector<float> noise_raw_;         // lambda~_d, before the bias correction
  std::vector<float> noise_power_;       // lambda_d
  std::vector<float> absence_;           // q
  std::vector<float> scratch_a_, scratch_b_, indicator_;
};

}  // namespace hush

#endif  // HUSH_SUPPRESSOR_STATISTICAL_NOISE_TRACKER_H
