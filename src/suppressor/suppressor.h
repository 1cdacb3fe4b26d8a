// SPDX-License-Identifier: MIT
// The one internal interface every suppressor implements (statistical, neural, ...).
// The C API, the engine and the plugins talk to suppressors only through this.
//
// Contract:
// - Runs at 48 kHz on hops of exactly kHopFrames frames, planar, `channels` channels.
// - Output lags input by AlgorithmicDelayFrames() (at most one hop).
// - ProcessHop() and Reset() are RT-safe: no allocation, lock, wait or I/O; every buffer
//   is sized in the constructor. They are called from one thread at a time.
// - Parameters arrive through SetParams() from the same thread as ProcessHop() (the C
//   API reads its atomics once per hop and passes them here), so suppressors need no
//   synchronisation of their own.
#ifndef HUSH_SUPPRESSOR_SUPPRESSOR_H
#define HUSH_SUPPRESSOR_SUPPRESSOR_H

#include <cstddef>
#include <memory>

namespace hush {

inline constexpr int kSuppressorRateHz = 48000;
inline constexpr int kHopFrames = 480;  // 10 ms at 48 kHz

struct SuppressorParams {
  float atten_limit_db = 30.0f;      // 0 = bypass (unity gain), larger = deeper suppression
  float vad_gate_threshold = 0.0f;  // 0 = gate off
  float vad_gate_hold_ms = 200.0f;
};

class Suppressor {
 public:
  virtual ~Suppressor() = default;

  // [RT-safe] in[c], out[c]: kHopFrames samples each; out may alias in.
  // Returns the voice-activity probability of this hop (0..1).
  virtual float ProcessHop(const float* const* in, float* const* out) = 0;

  // [RT-safe] Takes effect from the next ProcessHop().
  virtual void SetParams(const SuppressorParams& params) = 0;

  // [RT-safe] Forget all history.
  virtual void Reset() = 0;

  virtual int AlgorithmicDelayFrames() const = 0;
  virtual int Channels() const = 0;
};

// A factory bound to one model: makes per-stream suppressors. Immutable, thread-safe.
class SuppressorFactory {
 public:
  virtual ~SuppressorFactory() = default;
  // Not RT-safe: allocates everything the suppressor will use. Throws on failure.
  virtual std::unique_ptr<Suppressor> Create(int channels) const = 0;
  virtual int Kind() const = 0;  // a hush_suppressor_kind
};

}  // namespace hush

#endif  // HUSH_SUPPRESSOR_SUPPRESSOR_H
