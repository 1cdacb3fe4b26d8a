// SPDX-License-Identifier: MIT
// FrameRing with two real threads: a producer writes a 32-bit counter per frame in random
// chunk sizes, a consumer reads in random sizes (both Read and ReadOrSilence) and checks
// that every value arrives exactly once and in order, with silence only where it was
// starved. Under ThreadSanitizer (the tsan preset) a missing acquire/release in the
// atomics shim shows up as a data race.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "hush_driver/ring.h"

namespace hush::driver {
namespace {

TEST(FrameRingThreads, CounterSequenceArrivesIntactWithNoGapOrDuplicate) {
  constexpr uint32_t kFrameBytes = 8;   // counter + its complement: a torn frame shows
  constexpr uint32_t kTotal = 4'000'000;  // frames; ~0.2 s natively, seconds under TSan
  std::vector<uint8_t> storage(RingBytesForMs(48000, kFrameBytes, 2));  // small: many wraps
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), kFrameBytes));

  std::thread producer([&] {
    std::mt19937 rng(1);
    std::vector<uint32_t> buf(2 * 300);
    uint32_t next = 1;  // 0 is silence
    while (next <= kTotal) {
      const uint32_t n = std::min<uint32_t>(1 + rng() % 300, kTotal + 1 - next);
      for (uint32_t i = 0; i < n; ++i) {
        buf[2 * i] = next + i;
        buf[2 * i + 1] = ~(next + i);
      }
      const uint32_t wrote = ring.Write(buf.data(), n * kFrameBytes) / kFrameBytes;
      next += wrote;
      if (wrote < n) std::this_thread::yield();
    }
  });

  std::mt19937 rng(2);
  std::vector<uint32_t> buf(2 * 400);
  uint32_t expected = 1;
  uint64_t silent_frames = 0;
  bool ok = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (expected <= kTotal && ok && std::chrono::steady_clock::now() < deadline) {
    const uint32_t want = 1 + rng() % 400;
    const bool silence = rng() % 2 == 0;
    const uint32_t got = (silence ? ring.ReadOrSilence(buf.data(), want * kFrameBytes)
                                  : ring.Read(buf.data(), want * kFrameBytes)) / kFrameBytes;
    for (uint32_t i = 0; i < got && ok; ++i) {
      ok = buf[2 * i] == expected && buf[2 * i + 1] == ~expected;
      if (ok) ++expected;
    }
    if (silence) {
      for (uint32_t i = got; i < want && ok; ++i) ok = buf[2 * i] == 0 && buf[2 * i + 1] == 0;
      silent_frames += want - got;
    }
    if (got == 0) std::this_thread::yield();
  }
  producer.join();
  EXPECT_TRUE(ok) << "frame " << expected << " missing, duplicated, torn or not silence";
  EXPECT_EQ(expected, kTotal + 1);
  const RingCounters c = ring.Counters();
  EXPECT_EQ(c.written_bytes, uint64_t{kTotal} * kFrameBytes);
  EXPECT_EQ(c.read_bytes, c.written_bytes);
  EXPECT_EQ(c.underflow_bytes, silent_frames * kFrameBytes) << "every silent frame is counted, none else";
  EXPECT_EQ(c.fragment_bytes, 0u);
}

// Stats read from a third thread while both sides run (the driver's GET_STATS path):
// the snapshot must stay within bounds.
TEST(FrameRingThreads, CountersFromAThirdThreadStayConsistent) {
  std::vector<uint8_t> storage(4096);
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage.data(), 4096, 4));
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    uint8_t data[256] = {};
    while (!stop.load(std::memory_order_relaxed)) ring.Write(data, 256);
  });
  std::thread consumer([&] {
    uint8_t data[200];
    while (!stop.load(std::memory_order_relaxed)) ring.ReadOrSilence(data, 200);
  });
  bool ok = true;
  for (int i = 0; i < 200000 && ok; ++i) {
    const uint32_t fill = ring.FillBytes();
    const RingCounters c = ring.Counters();
    ok = fill <= ring.CapacityBytes() && fill % 4 == 0 && c.read_bytes <= c.written_bytes;
  }
  stop = true;
  producer.join();
  consumer.join();
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace hush::driver
