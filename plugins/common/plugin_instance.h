// SPDX-License-Identifier: MIT
// What the LADSPA and LV2 plugins share: one hush_denoiser per plugin instance, driven
// from the host's run() with any block length, and the four controls.
//
// Latency: the denoiser's own (suppressor 10 ms + at most one hop of block alignment +
// resampling away from 48 kHz), whatever the host's block size: the denoiser returns as
// many frames as it is given on every call, so the plugin never holds back a host block
// (which is what the RNNoise LADSPA plugin does: 31 ms at quantum 1024, 53 ms at 2048, as
// reported in the plugins issue).
//
// Real time: everything is allocated in Create(); Run() only calls
// hush_denoiser_process() and the lock-free setters, on blocks of at most
// kMaxChunkFrames (longer host blocks are cut, never rejected).
#ifndef HUSH_PLUGINS_COMMON_PLUGIN_INSTANCE_H
#define HUSH_PLUGINS_COMMON_PLUGIN_INSTANCE_H

#include <hush/hush.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

namespace hush::plugin {

inline constexpr uint32_t kMaxChunkFrames = 4096;

// Control ranges, shared by the LADSPA descriptors and the LV2 turtle files.
inline constexpr float kStrengthMinDb = 0.0f, kStrengthMaxDb = 100.0f;
inline constexpr float kGateMin = 0.0f, kGateMax = 1.0f;
inline constexpr float kGraceMinMs = 0.0f, kGraceMaxMs = 800.0f;

struct Controls {
  float strength_db = 30.0f;  // attenuation limit; 0 = no suppression
  float gate_threshold = 0.0f;  // voice-activity gate, 0 = off
  float grace_ms = 200.0f;    // the gate stays open this long after voice
  bool bypass = false;        // the input, delayed by the same latency (no jump in timing)
};

class PluginInstance {
 public:
  // Not RT-safe. Returns nullptr when the rate or channel count is unsupported.
  static std::unique_ptr<PluginInstance> Create(double sample_rate_hz, uint32_t channels) {
    if (!(sample_rate_hz >= 8000.0 && sample_rate_hz <= 192000.0) || channels < 1 || channels > 2) return nullptr;
    std::unique_ptr<PluginInstance> self(new PluginInstance());
    self->channels_ = channels;
    if (hush_model_create(HUSH_SUPPRESSOR_DEFAULT, &self->model_) != HUSH_OK) return nullptr;
    hush_denoiser_config config;
    hush_denoiser_config_init(&config);
    config.sample_rate_hz = static_cast<uint32_t>(std::lround(sample_rate_hz));
    config.channels = channels;
    config.max_block_frames = kMaxChunkFrames;
    if (hush_denoiser_create(self->model_, &config, &self->denoiser_) != HUSH_OK) return nullptr;
    return self;
  }
  ~PluginInstance() {
    hush_denoiser_destroy(denoiser_);
    hush_model_destroy(model_);
  }
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  uint32_t LatencyFrames() const {
    uint32_t frames = 0;
    hush_denoiser_latency_frames(denoiser_, &frames);
    return frames;
  }
  void Reset() { hush_denoiser_reset(denoiser_); }

  // [RT-safe] in/out: `channels` pointers to `frames` samples; out may alias in.
  void Run(const float* const* in, float* const* out, uint32_t frames, const Controls& c) {
    const float strength = c.bypass ? 0.0f : Clamp(c.strength_db, kStrengthMinDb, kStrengthMaxDb);
    if (strength != applied_.strength_db) hush_denoiser_set_atten_limit_db(denoiser_, strength);
    const float gate = c.bypass ? 0.0f : Clamp(c.gate_threshold, kGateMin, kGateMax);
    const float grace = Clamp(c.grace_ms, kGraceMinMs, kGraceMaxMs);
    if (gate != applied_.gate_threshold || grace != applied_.grace_ms) hush_denoiser_set_vad_gate(denoiser_, gate, grace);
    applied_ = Controls{strength, gate, grace, c.bypass};
    for (uint32_t done = 0; done < frames;) {
      const uint32_t n = std::min(kMaxChunkFrames, frames - done);
      const float* chunk_in[2] = {in[0] + done, channels_ > 1 ? in[1] + done : nullptr};
      float* chunk_out[2] = {out[0] + done, channels_ > 1 ? out[1] + done : nullptr};
      hush_denoiser_process(denoiser_, chunk_in, chunk_out, n);
      done += n;
    }
  }

 private:
  PluginInstance() = default;
  // NaN (a host that never set a port) becomes the low end, never reaches the library.
  static float Clamp(float v, float lo, float hi) { return std::isnan(v) ? lo : std::min(hi, std::max(lo, v)); }

  uint32_t channels_ = 1;
  hush_model* model_ = nullptr;
  hush_denoiser* denoiser_ = nullptr;
  Controls applied_{-1.0f, -1.0f, -1.0f, false};  // forces the first Run() to set everything
};

}  // namespace hush::plugin

#endif  // HUSH_PLUGINS_COMMON_PLUGIN_INSTANCE_H
