// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <numeric>
#include <thread>
#include <vector>

#include "engine/block_adapter.h"
#include "engine/spsc_ring.h"

namespace hush::engine {
namespace {

TEST(SpscRing, RoundsCapacityAndTracksFill) {
  SpscRing<float> ring(100);
  EXPECT_EQ(ring.Capacity(), 128u);
  EXPECT_EQ(ring.Fill(), 0u);
  std::vector<float> data(50, 1.0f);
  EXPECT_EQ(ring.TryWrite(data.data(), 50), 50u);
  EXPECT_EQ(ring.Fill(), 50u);
  EXPECT_EQ(ring.WritableSize(), 78u);
}

TEST(SpscRing, KeepsOrderAcrossTheWrapWithTwoRegions) {
  SpscRing<int> ring(8);
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 100; ++round) {
    const size_t n = 1 + static_cast<size_t>(round % 7);
    const RingRegions<int> w = ring.WriteRegions(n);
    for (size_t i = 0; i < w.first_size; ++i) w.first[i] = next_in++;
    for (size_t i = 0; i < w.second_size; ++i) w.second[i] = next_in++;
    ring.CommitWrite(w.Size());
    const RingRegions<const int> r = ring.ReadRegions(n);
    for (size_t i = 0; i < r.first_size; ++i) ASSERT_EQ(r.first[i], next_out++);
    for (size_t i = 0; i < r.second_size; ++i) ASSERT_EQ(r.second[i], next_out++);
    ring.CommitRead(r.Size());
  }
  EXPECT_EQ(next_in, next_out);
}

TEST(SpscRing, NeverOverwritesUnreadDataAndCountsXruns) {
  SpscRing<int> ring(4);
  const int data[6] = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(ring.TryWrite(data, 6), 4u);  // only what fits
  EXPECT_EQ(ring.Overruns(), 1u);
  int out[6] = {};
  EXPECT_EQ(ring.TryRead(out, 6), 4u);
  EXPECT_EQ(ring.Underruns(), 1u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[3], 4);  // the oldest data survived
}

TEST(SpscRing, DebugBuildsAbortOnASecondProducerThread) {
#ifdef NDEBUG
  GTEST_SKIP() << "the single-producer/consumer check exists in debug builds only (cmake --preset debug)";
#else
  EXPECT_DEATH(
      {
        SpscRing<int> ring(8);
        const int v = 1;
        ring.TryWrite(&v, 1);                                  // this thread is the producer
        std::thread other([&] { ring.TryWrite(&v, 1); });      // a second producer
        other.join();
      },
      "");
#endif
}

TEST(BlockAdapter, AnyBlockSequenceGivesTheFixedBlockStreamDelayedByBlockMinusOne) {
  const size_t hop = 480;
  BlockAdapter adapter(1, hop, 4096);
  std::vector<float> in(20000), out(20000);
  std::iota(in.begin(), in.end(), 1.0f);
  size_t pos = 0, step = 0;
  const size_t sizes[] = {1, 7, 333, 4096, 480, 1000, 2};
  while (pos < in.size()) {
    const size_t n = std::min(sizes[step++ % std::size(sizes)], in.size() - pos);
    const float* ip[1] = {in.data() + pos};
    float* op[1] = {out.data() + pos};
    ASSERT_TRUE(adapter.Process(ip, op, n, [&](const float* const* bi, float* const* bo) {
      std::copy_n(bi[0], hop, bo[0]);  // identity per block
    }));
    pos += n;
  }
  ASSERT_EQ(adapter.LatencyFrames(), hop - 1);
  for (size_t i = 0; i < hop - 1; ++i) ASSERT_EQ(out[i], 0.0f);
  for (size_t i = hop - 1; i < out.size(); ++i) ASSERT_EQ(out[i], in[i - (hop - 1)]) << i;
  const float* ip[1] = {in.data()};
  float* op[1] = {out.data()};
  EXPECT_FALSE(adapter.Process(ip, op, 4097, [](const float* const*, float* const*) {}));
}

}  // namespace
}  // namespace hush::engine
