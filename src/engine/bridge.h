// SPDX-License-Identifier: MIT
// Bridge: carries audio from a producer running on one device clock to a consumer on
// another, holding a target latency while the clocks drift apart.
//
//   producer thread: Push(block) -> [SPSC ring] -> Pull(block): variable-ratio
//   resampler (libsamplerate, SRC_SINC_FASTEST; with HUSH_PORTABLE_DSP, on Windows, the
//   project's dsp::VariableResampler of similar quality) -> consumer thread
//
// The consumer measures the ring's fill after every Pull, smooths it with two cascaded
// one-pole filters (0.2 s each: block-size sawtooth and jitter are removed before they
// can modulate the ratio), and a PI loop (natural frequency 0.8 rad/s, critically
// damped) sets the resampling ratio. The loop's integrator is the drift estimate.
// On an underrun the output fades out within the block and stays silent until the ring
// is back at the target, then fades in; on an overrun the producer drops what does not
// fit and the consumer re-centres by crossfading from the stream it had to the stream
// at the target position. Both are counted.
//
// Push and Pull are [RT-safe] (everything is allocated in the constructor), each from
// its own single thread. Telemetry() is lock-free and may be read from any thread.
#ifndef HUSH_ENGINE_BRIDGE_H
#define HUSH_ENGINE_BRIDGE_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/spsc_ring.h"

#if HUSH_PORTABLE_DSP
#include "dsp/portable_resampler.h"
#else
struct SRC_STATE_tag;
#endif

namespace hush::engine {

struct BridgeConfig {
  int channels = 1;
  int producer_rate_hz = 48000;  // nominal
  int consumer_rate_hz = 48000;  // nominal
  size_t max_block_frames = 4096;  // largest Push or Pull
  double target_latency_ms = 30.0; // ring fill the loop holds
  double ring_ms = 120.0;          // ring capacity (overrun beyond it)
  // false: move no samples, only the accounting and the loop (for hours-long
  // simulations of the control behaviour; Pull then writes silence).
  bool carry_audio = true;
};

struct BridgeTelemetry {
  double fill_frames = 0;      // smoothed ring fill, producer frames
  double latency_ms = 0;       // smoothed fill as time
  double drift_ppm = 0;        // estimated producer-vs-consumer clock offset
  double ratio = 1;            // current input frames per output frame / nominal
  uint64_t underruns = 0;
  uint64_t overruns = 0;
  uint64_t recentres = 0;      // underrun or overrun recoveries
  bool locked = false;         // latency within 1 ms of target for 0.5 s
  double pull_ns = 0;          // processing time of the last Pull, in ns
};

class Bridge {
 public:
  explicit Bridge(const BridgeConfig& config);  // throws std::invalid_argument, std::bad_alloc
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  // [RT-safe] producer thread. in[c]: `frames` samples per channel (ignored when
  // carry_audio is false, may then be null). time_s: when the device's block ended, on
  // a clock shared with Pull (a device timestamp); < 0 = now (steady clock).
  void Push(const float* const* in, size_t frames, double time_s = -1.0);
  // [RT-safe] consumer thread. Always fills `frames` frames per channel. time_s as Push.
  void Pull(float* const* out, size_t frames, double time_s = -1.0);

  // [RT-safe] [lock-free] any thread.
  BridgeTelemetry Telemetry() const;

 private:
  enum class State { kFilling, kRunning, kFadingOut };

  size_t Channels() const { return static_cast<size_t>(config_.channels); }
  void UpdateLoop(double fill_frames, size_t frames);
  size_t Resample(float* interleaved_out, size_t frames, double ratio);
  void Recentre(size_t frames, double now);
  double ProducerLagFrames(double now) const;
  // Ring fill at which a Pull of `frames` leaves exactly the target behind.
  size_t StartFill(size_t frames, double now) const;

  BridgeConfig config_;
  double nominal_ratio_;  // producer frames per consumer frame at nominal rates
  size_t target_frames_;
  SpscRing<float> ring_;
  std::atomic<bool> overrun_pending_{false};
  // The producer's last block: its end time and size, so the consumer can interpolate
  // the producer's position between blocks (removes the block-size sawtooth from the
  // fill it measures). Packed in one atomic pair written in order: frames, then time.
  std::atomic<double> last_push_time_s_{-1.0};
  std::atomic<uint64_t> last_push_frames_{0};
  std::atomic<uint64_t> dropped_pushes_{0};

  // Consumer-side state (consumer thread only).
  State state_ = State::kFilling;
#if HUSH_PORTABLE_DSP
  std::unique_ptr<dsp::VariableResampler> resampler_;
#else
  SRC_STATE_tag* resampler_ = nullptr;
#endif
  std::vector<float> scratch_in_;   // interleaved, contiguous copy of ring data
  std::vector<float> scratch_out_;  // interleaved resampler output
  std::vector<float> crossfade_;    // interleaved, the old stream during a re-centre
  double smooth1_ = 0, smooth2_ = 0;
  bool smoothing_started_ = false;
  double integral_ = 0;             // the loop integrator = drift estimate
  double drift_average_ = 0;        // its 10 s average, reported
  bool drift_started_ = false;
  double correction_ = 0;
  double lock_time_s_ = 0;
  double consumed_fraction_ = 0;    // carry_audio == false: fractional input position
  double held_frames_ = 0;          // input inside the resampler, not yet output
  size_t fade_in_remaining_ = 0;

  // Published for Telemetry().
  std::atomic<double> fill_frames_{0}, drift_ppm_{0}, ratio_{1}, pull_ns_{0};
  std::atomic<uint64_t> underruns_{0}, recentres_{0};
  std::atomic<bool> locked_{false};
};

}  // namespace hush::engine

#endif  // HUSH_ENGINE_BRIDGE_H
