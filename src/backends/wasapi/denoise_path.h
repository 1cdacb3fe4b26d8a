// SPDX-License-Identifier: MIT
// DenoisePath: one direction of hush.exe between two device clocks.
//
//   producer endpoint thread --OnCapture--> hush_denoiser (in place) --Push--> Bridge
//   consumer endpoint thread --OnRender---> Bridge::Pull (drift-resampled)
//
// The denoiser runs on the producer's clock (the real microphone for the mic path, the
// driver's speaker side for the speaker path), so its hops see every captured frame once
// and in order; the Bridge (src/engine/bridge.h) holds the target latency between the
// two clocks, fades out on an underrun (the consumer then renders silence, never stale
// audio) and drops what does not fit on an overrun, counting both.
//
// Threads: OnCapture from the producer's one thread, OnRender from the consumer's one
// thread; both [RT-safe] (everything is allocated in the constructor). The setters and
// Telemetry() are lock-free, from any thread.
#ifndef HUSH_BACKENDS_WASAPI_DENOISE_PATH_H
#define HUSH_BACKENDS_WASAPI_DENOISE_PATH_H

#include <hush/hush.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backends/wasapi/stream_client.h"
#include "engine/bridge.h"

namespace hush::wasapi {

struct DenoisePathConfig {
  int producer_rate_hz = 48000;     // the capturing end's rate (the denoiser runs at it)
  int consumer_rate_hz = 48000;     // the rendering end's; the Bridge converts between them
  int channels = 1;                 // 1..8
  float atten_limit_db = 30.0f;     // strength, 0 = bypass .. 100
  double target_latency_ms = 30.0;  // Bridge fill held between the clocks
  double ring_ms = 200.0;           // Bridge capacity: overrun beyond it
};

struct DenoisePathTelemetry {
  engine::BridgeTelemetry bridge;
  uint64_t captured_frames = 0;  // into the denoiser
  uint64_t rendered_frames = 0;  // out of the bridge
  uint64_t denoise_errors = 0;   // hush_denoiser_process failures (the block passed dry)
  uint32_t denoiser_latency_frames = 0;
  float voice_probability = 0;
};

class DenoisePath final : public StreamClient {
 public:
  // Not RT-safe. Throws std::runtime_error with the library's message when the denoiser
  // cannot be created, std::invalid_argument for a bad config.
  DenoisePath(const hush_model* model, const DenoisePathConfig& config);
  ~DenoisePath() override;
  DenoisePath(const DenoisePath&) = delete;
  DenoisePath& operator=(const DenoisePath&) = delete;

  // [RT-safe] producer / consumer; time_s goes to the Bridge (one clock for both ends).
  void OnCapture(const float* const* planar, size_t frames, double time_s) override;
  void OnRender(float* const* planar, size_t frames, double time_s) override;

  // [RT-safe] [any thread] 0..100 dB, applied at the next hop.
  void SetAttenLimitDb(float db);
  DenoisePathTelemetry Telemetry() const;  // [RT-safe] [any thread]
  const DenoisePathConfig& Config() const { return config_; }

 private:
  DenoisePathConfig config_;
  hush_denoiser* denoiser_ = nullptr;
  std::unique_ptr<engine::Bridge> bridge_;
  std::vector<std::vector<float>> scratch_;  // producer: denoised block, per channel
  std::vector<float*> scratch_ptrs_;
  uint32_t latency_frames_ = 0;
  size_t push_piece_frames_ = 120;  // 2.5 ms at the producer's rate (see OnCapture)
  std::atomic<uint64_t> captured_{0}, rendered_{0}, errors_{0};
};

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_DENOISE_PATH_H
