// SPDX-License-Identifier: MIT
// StreamCore: the WaveRT stream's clock and data movement, as pure kernel-safe C++ (no OS
// calls, no allocation, no exceptions, no floating point), so the code the driver runs
// at each position update is the code the Linux tests run (driver/windows/sys/tests).
// HushWaveStream (minwavert.cc) owns one, feeds it elapsed performance-counter ticks
// under its spin lock, and does the OS parts (timer, events, locking) around it.
//
// The clock: frames due = (elapsed ticks x rate + carry) / ticks_per_second, remainder
// carried, so any sequence of updates adds up to exactly rate frames per second (at
// 44.1 kHz, 1 ms is 44.1 frames: updates move 44 or 45 and never drift).
// The data: the frames the position passes are copied between the cyclic buffer (at the
// position's offset, in at most two pieces around the end) and the endpoint's FrameRing:
// render -> FrameRing::Write (what does not fit is counted as overflow, never
// overwritten), capture -> FrameRing::ReadOrSilence (silence when starved, counted).
//
// Threads: not thread-safe; the owner serialises every call (the stream's spin lock).
// Every method is [RT-safe] and callable at DISPATCH_LEVEL when the buffer is non-paged.
#ifndef HUSH_DRIVER_SYS_STREAM_CORE_H
#define HUSH_DRIVER_SYS_STREAM_CORE_H

#include <stdint.h>

#include "hush_driver/ring.h"

namespace hush::km {

// What one Advance did.
struct StreamStep {
  uint64_t frames = 0;       // the position moved by this many frames
  uint64_t late_frames = 0;  // of which not copied: more than a whole buffer at once
  bool notify = false;       // a notification boundary (buffer / count) was crossed
};

class StreamCore {
 public:
  // The cyclic buffer size the driver grants for a request: whole frames, at least one
  // frame, at most one second. 0 only for frame_bytes 0 or rate 0. Pure.
  static constexpr uint32_t GrantedBufferBytes(uint32_t requested_bytes, uint32_t frame_bytes,
                                               uint32_t sample_rate_hz) {
    if (frame_bytes == 0 || sample_rate_hz == 0) return 0;
    const uint64_t max_bytes = static_cast<uint64_t>(sample_rate_hz) * frame_bytes;  // 1 s
    uint64_t bytes = requested_bytes - requested_bytes % frame_bytes;
    if (bytes < frame_bytes) bytes = frame_bytes;
    if (bytes > max_bytes) bytes = max_bytes - max_bytes % frame_bytes;
    return static_cast<uint32_t>(bytes);
  }

  // Sets the direction and format. `ticks_per_second` is the performance-counter
  // frequency (> 0). Rewinds; detaches nothing. False for a zero argument.
  bool Configure(bool render, uint32_t sample_rate_hz, uint32_t frame_bytes, uint64_t ticks_per_second) {
    if (sample_rate_hz == 0 || frame_bytes == 0 || ticks_per_second == 0) return false;
    render_ = render;
    sample_rate_hz_ = sample_rate_hz;
    frame_bytes_ = frame_bytes;
    ticks_per_second_ = ticks_per_second;
    Rewind();
    return true;
  }

  // Attaches the cyclic buffer (buffer_bytes a non-zero multiple of the frame size;
  // owned by the caller, resident while attached) and the notification count (0 = none,
  // else events at each buffer/count boundary). Rewinds. False (nothing attached) for a
  // bad size.
  bool Attach(uint8_t* buffer, uint32_t buffer_bytes, uint32_t notification_count) {
    Detach();
    if (buffer == nullptr || frame_bytes_ == 0 || buffer_bytes == 0 || buffer_bytes % frame_bytes_ != 0) return false;
    buffer_ = buffer;
    buffer_bytes_ = buffer_bytes;
    notification_count_ = notification_count;
    Rewind();
    return true;
  }
  void Detach() {
    buffer_ = nullptr;
    buffer_bytes_ = 0;
    notification_count_ = 0;
  }
  void SetNotificationCount(uint32_t count) { notification_count_ = count; }

  // KSSTATE_STOP: the position returns to 0 and the carried fraction is dropped.
  void Rewind() {
    linear_bytes_ = 0;
    carry_ = 0;
  }

  // Advances the position by the frames due after `elapsed_ticks` and moves them between
  // the buffer and `ring` (render: into it, capture: out of it). Without a buffer the
  // time is consumed and nothing moves. A step longer than the buffer moves only the last
  // buffer's worth (the position still follows the clock).
  StreamStep Advance(uint64_t elapsed_ticks, driver::FrameRing* ring) {
    StreamStep step;
    if (buffer_ == nullptr || ring == nullptr || ticks_per_second_ == 0) return step;
    // elapsed x rate fits 64 bits for any elapsed time under ~1.2 years at 10 MHz x 48 kHz.
    const uint64_t scaled = elapsed_ticks * sample_rate_hz_ + carry_;
    step.frames = scaled / ticks_per_second_;
    carry_ = scaled % ticks_per_second_;
    if (step.frames == 0) return step;
    const uint64_t buffer_frames = buffer_bytes_ / frame_bytes_;
    uint64_t copy_frames = step.frames;
    if (copy_frames > buffer_frames) {
      step.late_frames = copy_frames - buffer_frames;
      copy_frames = buffer_frames;
    }
    const uint64_t old_linear = linear_bytes_;
    const uint64_t skip_bytes = step.late_frames * frame_bytes_;
    Copy(static_cast<uint32_t>((old_linear + skip_bytes) % buffer_bytes_),
         static_cast<uint32_t>(copy_frames * frame_bytes_), ring);
    linear_bytes_ = old_linear + step.frames * frame_bytes_;
    if (notification_count_ != 0) {
      const uint64_t period = buffer_bytes_ / notification_count_;
      step.notify = period != 0 && old_linear / period != linear_bytes_ / period;
    }
    return step;
  }

  // The position as a byte offset into the cyclic buffer (0 without one).
  uint32_t OffsetBytes() const { return buffer_bytes_ == 0 ? 0 : static_cast<uint32_t>(linear_bytes_ % buffer_bytes_); }
  // Bytes the position has passed since the last Rewind.
  uint64_t LinearBytes() const { return linear_bytes_; }
  bool HasBuffer() const { return buffer_ != nullptr; }
  uint8_t* Buffer() const { return buffer_; }
  uint32_t BufferBytes() const { return buffer_bytes_; }

 private:
  // `bytes` (whole frames, <= buffer_bytes_) at `offset`, in at most two pieces.
  void Copy(uint32_t offset, uint32_t bytes, driver::FrameRing* ring) {
    while (bytes != 0) {
      const uint32_t contiguous = buffer_bytes_ - offset;
      const uint32_t chunk = bytes < contiguous ? bytes : contiguous;  // both whole frames
      if (render_) {
        ring->Write(buffer_ + offset, chunk);
      } else {
        ring->ReadOrSilence(buffer_ + offset, chunk);
      }
      bytes -= chunk;
      offset = offset + chunk == buffer_bytes_ ? 0 : offset + chunk;
    }
  }

  bool render_ = true;
  uint32_t sample_rate_hz_ = 0;
  uint32_t frame_bytes_ = 0;
  uint64_t ticks_per_second_ = 0;
  uint8_t* buffer_ = nullptr;
  uint32_t buffer_bytes_ = 0;
  uint32_t notification_count_ = 0;
  uint64_t linear_bytes_ = 0;
  uint64_t carry_ = 0;  // < ticks_per_second_
};

}  // namespace hush::km

#endif  // HUSH_DRIVER_SYS_STREAM_CORE_H
