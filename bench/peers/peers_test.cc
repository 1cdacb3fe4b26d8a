// SPDX-License-Identifier: MIT
// The peers do what the evaluation assumes: suppress noise, keep a tone, and delay their
// output by exactly DelayFrames() (so hush-eval aligns them correctly).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "common/test_signals.h"
#include "eval/sisdr.h"
#include "peers/peer.h"

namespace hush::bench {
namespace {

std::vector<std::unique_ptr<PeerSuppressor>> AllPeers() {
  std::vector<std::unique_ptr<PeerSuppressor>> peers;
  peers.push_back(CreateSpeexPeer());
  peers.push_back(CreateWebRtcPeer());
  return peers;
}

TEST(Peers, SuppressStationaryNoise) {
  for (auto& peer : AllPeers()) {
    const std::vector<float> x = test::WhiteNoise(48000 * 4, 0.05f, 1);
    std::vector<float> y(x.size());
    peer->Process(x.data(), y.data(), x.size());
    const size_t tail = 48000 * 2;
    EXPECT_GT(test::PowerDb(x.data() + tail, tail) - test::PowerDb(y.data() + tail, tail), 6.0) << peer->Name();
  }
}

TEST(Peers, ReportTheirDelayExactly) {
  for (auto& peer : AllPeers()) {
    // Speech-like signal over light noise: a peer passes it, so the correlation peak
    // sits at the true delay. Odd block sizes check the internal frame adapter.
    const size_t n = 48000 * 3;
    std::vector<float> x = test::SpeechLike(n, 48000, 0.5f, 2);
    const std::vector<float> noise = test::WhiteNoise(n, 0.003f, 3);
    for (size_t i = 0; i < n; ++i) x[i] += noise[i];
    std::vector<float> y(n);
    for (size_t pos = 0; pos < n; pos += 333) peer->Process(x.data() + pos, y.data() + pos, std::min<size_t>(333, n - pos));
    EXPECT_EQ(EstimateDelayFrames(x.data(), y.data(), n, 2000), peer->DelayFrames()) << peer->Name();
  }
}

}  // namespace
}  // namespace hush::bench
