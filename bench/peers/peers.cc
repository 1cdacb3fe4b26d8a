// SPDX-License-Identifier: MIT
#include <speex/speex_preprocess.h>
#include <webrtc/modules/audio_processing/include/audio_processing.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "peers/peer.h"

namespace hush::bench {

namespace {

constexpr int kRateHz = 48000;
constexpr int kFrame = 480;  // both peers work on 10 ms frames

// Collects input into whole frames and hands back processed ones, one frame behind, so
// any block length works and the delay is constant: frame + the peer's own.
class FrameAdapter {
 public:
  template <typename F>
  void Process(const float* in, float* out, size_t frames, F&& process_frame) {
    for (size_t i = 0; i < frames; ++i) {
      pending_in_[fill_] = in[i];
      out[i] = ready_out_[fill_];
      if (++fill_ == kFrame) {
        process_frame(pending_in_, ready_out_);
        fill_ = 0;
      }
    }
  }

 private:
  float pending_in_[kFrame] = {};
  float ready_out_[kFrame] = {};
  int fill_ = 0;
};

class SpeexPeer final : public PeerSuppressor {
 public:
  explicit SpeexPeer(int noise_suppress_db) : noise_suppress_db_(noise_suppress_db) {
    state_ = speex_preprocess_state_init(kFrame, kRateHz);
    if (state_ == nullptr) throw std::runtime_error("speex_preprocess_state_init failed");
    int on = 1, off = 0;
    speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_DENOISE, &on);
    speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &noise_suppress_db_);
    speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_AGC, &off);
    speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_DEREVERB, &off);
  }
  ~SpeexPeer() override { speex_preprocess_state_destroy(state_); }
  std::string Name() const override { return "SpeexDSP (" + std::to_string(noise_suppress_db_) + " dB)"; }
  // One frame of adaptation plus one of speex_preprocess's own (its 50 %-overlap window
  // outputs the previous frame's second half), measured in bench/peers/peers_test.cc.
  int DelayFrames() const override { return 2 * kFrame; }
  void Process(const float* in, float* out, size_t frames) override {
    adapter_.Process(in, out, frames, [&](const float* frame_in, float* frame_out) {
      spx_int16_t pcm[kFrame];
      for (int i = 0; i < kFrame; ++i) {
        pcm[i] = static_cast<spx_int16_t>(std::lrint(std::clamp(frame_in[i], -1.0f, 32767.0f / 32768.0f) * 32768.0f));
      }
      speex_preprocess_run(state_, pcm);
      for (int i = 0; i < kFrame; ++i) frame_out[i] = static_cast<float>(pcm[i]) / 32768.0f;
    });
  }

 private:
  int noise_suppress_db_;
  SpeexPreprocessState* state_ = nullptr;
  FrameAdapter adapter_;
};

class WebRtcPeer final : public PeerSuppressor {
 public:
  explicit WebRtcPeer(int level) : level_(level), config_(kRateHz, 1) {
    apm_.reset(webrtc::AudioProcessing::Create());
    if (!apm_) throw std::runtime_error("webrtc::AudioProcessing::Create failed");
    apm_->high_pass_filter()->Enable(false);
    apm_->echo_cancellation()->Enable(false);
    apm_->gain_control()->Enable(false);
    apm_->level_estimator()->Enable(false);
    apm_->voice_detection()->Enable(false);
    apm_->noise_suppression()->set_level(static_cast<webrtc::NoiseSuppression::Level>(level));
    apm_->noise_suppression()->Enable(true);
  }
  std::string Name() const override {
    static const char* names[] = {"low", "moderate", "high", "very high"};
    return std::string("WebRTC NS (") + names[level_] + ")";
  }
  // One frame of adaptation plus 336 frames (7 ms) of WebRTC's own: its analysis
  // overlap and the three-band splitting filter at 48 kHz. Measured in
  // bench/peers/peers_test.cc.
  int DelayFrames() const override { return kFrame + 336; }
  void Process(const float* in, float* out, size_t frames) override {
    adapter_.Process(in, out, frames, [&](const float* frame_in, float* frame_out) {
      const float* src[1] = {frame_in};
      float* dst[1] = {frame_out};
      apm_->ProcessStream(src, config_, config_, dst);
    });
  }

 private:
  int level_;
  webrtc::StreamConfig config_;
  std::unique_ptr<webrtc::AudioProcessing> apm_;
  FrameAdapter adapter_;
};

}  // namespace

std::unique_ptr<PeerSuppressor> CreateSpeexPeer(int noise_suppress_db) { return std::make_unique<SpeexPeer>(noise_suppress_db); }
std::unique_ptr<PeerSuppressor> CreateWebRtcPeer(int level) { return std::make_unique<WebRtcPeer>(std::clamp(level, 0, 3)); }

}  // namespace hush::bench
