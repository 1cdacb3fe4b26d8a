// SPDX-License-Identifier: MIT
// The classic suppressors Hush is measured against, behind one interface. Linked into
// the evaluation and benchmarks only, never into libhush.
#ifndef HUSH_BENCH_PEERS_PEER_H
#define HUSH_BENCH_PEERS_PEER_H

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace hush::bench {

// Mono 48 kHz float in [-1, 1]. Each peer buffers to its own 10 ms frames internally,
// so Process() takes any length; output lags input by DelayFrames().
class PeerSuppressor {
 public:
  virtual ~PeerSuppressor() = default;
  virtual std::string Name() const = 0;
  virtual int DelayFrames() const = 0;
  virtual void Process(const float* in, float* out, size_t frames) = 0;
};

// SpeexDSP's preprocessor (speex_preprocess), denoise only; noise_suppress_db is its
// attenuation limit (SpeexDSP's default is -15 dB).
std::unique_ptr<PeerSuppressor> CreateSpeexPeer(int noise_suppress_db = -15);

// WebRTC's noise suppressor (libwebrtc-audio-processing 0.3), NS only.
// level: 0 = kLow, 1 = kModerate, 2 = kHigh, 3 = kVeryHigh.
std::unique_ptr<PeerSuppressor> CreateWebRtcPeer(int level = 2);

// RNNoise (the npm package @jitsi/rnnoise-wasm 0.2.1, compiled to WebAssembly) run by Node.js;
// nullptr when Node or the package is not installed (scripts/setup.sh installs both
// into build/peers/rnnoise). Each Process() call starts Node: whole files only.
std::unique_ptr<PeerSuppressor> CreateRnnoisePeer();

// CPU seconds used by finished child processes so far (for peers that run as one).
double ChildCpuSeconds();

}  // namespace hush::bench

#endif  // HUSH_BENCH_PEERS_PEER_H
