// SPDX-License-Identifier: MIT
// A voice-activity gate shared by the suppressors: once the voice probability has stayed
// below a threshold for longer than a hold time, the gain falls towards the attenuation
// floor; it reopens at once on voice. Applied to the spectral gains, so the synthesis
// window turns each per-hop step into a 20 ms crossfade (no click).
#ifndef HUSH_SUPPRESSOR_VAD_GATE_H
#define HUSH_SUPPRESSOR_VAD_GATE_H

#include <algorithm>

namespace hush {

class VadGate {
 public:
  // [RT-safe] Returns the gain (floor_gain..1) to apply to this hop.
  float Update(float voice_probability, float threshold, float hold_ms, float hop_ms,
               float floor_gain) {
    if (threshold <= 0.0f) {
      hold_remaining_ms_ = 0.0f;
      gain_ = 1.0f;
      return gain_;
    }
    if (voice_probability >= threshold) {
      hold_remaining_ms_ = hold_ms;
      gain_ = 1.0f;
    } else if (hold_remaining_ms_ > 0.0f) {
      hold_remaining_ms_ -= hop_ms;
    } else {
      // -3 dB per 10 ms: a 30 dB floor is reached in 100 ms, slow enough not to clip
      // the tail of a word, fast enough to silence a keyboard between sentences.
      constexpr float kReleasePer10Ms = 0.7079458f;
      gain_ = std::max(floor_gain, gain_ * kReleasePer10Ms);
    }
    return gain_;
  }
  void Reset() {
    hold_remaining_ms_ = 0.0f;
    gain_ = 1.0f;
  }

 private:
  float hold_remaining_ms_ = 0.0f;
  float gain_ = 1.0f;
};

}  // namespace hush

#endif  // HUSH_SUPPRESSOR_VAD_GATE_H
