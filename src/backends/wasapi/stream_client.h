// SPDX-License-Identifier: MIT
// StreamClient: what a clocked endpoint (a WASAPI stream, or one side of the driver's
// back door) calls on its own thread as its clock ticks. A capture-like endpoint calls
// OnCapture with what arrived; a render-like endpoint calls OnRender for what it needs.
// Audio is planar float in [-1, 1] at the engine's rate and channel count, at most
// kMaxBlockFrames frames per call (endpoints split larger device buffers).
#ifndef HUSH_BACKENDS_WASAPI_STREAM_CLIENT_H
#define HUSH_BACKENDS_WASAPI_STREAM_CLIENT_H

#include <cstddef>

namespace hush::wasapi {

// The largest block handed to a StreamClient: 85 ms at 48 kHz, more than any WASAPI
// shared-mode period (10 ms by default, at most the 20 ms buffer Hush asks for) or any
// back-door transfer.
inline constexpr size_t kMaxBlockFrames = 4096;

class StreamClient {
 public:
  virtual ~StreamClient() = default;
  // [RT-safe] required of implementations: called on the endpoint's audio thread.
  // planar[c]: `frames` (1..kMaxBlockFrames) samples of channel c, valid during the call.
  // time_s: when the block's last frame was captured, in seconds of the performance
  // counter (QpcSeconds()); from the device's own timestamp where it gives one, so a
  // packet that arrives late is known to be late.
  virtual void OnCapture(const float* const* planar, size_t frames, double time_s) = 0;
  // [RT-safe] required: fill planar[c][0..frames) for every channel. time_s: now, on
  // the same clock as OnCapture's.
  virtual void OnRender(float* const* planar, size_t frames, double time_s) = 0;
};

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_STREAM_CLIENT_H
