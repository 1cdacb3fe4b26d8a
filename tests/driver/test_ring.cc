// SPDX-License-Identifier: MIT
// The kernel-safe FrameRing (driver/windows/shared/hush_driver/ring.h), single-threaded:
// its contract case by case, then a property test against a simple reference model.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "hush_driver/ring.h"

namespace hush::driver {
namespace {

// Bytes 0, 1, 2, ... starting at `first` (mod 256).
std::vector<uint8_t> Counting(size_t n, uint8_t first = 1) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(first + i);
  return v;
}

TEST(FrameRing, InitRejectsBadArgumentsAndRoundsToWholeFrames) {
  uint8_t storage[100];
  FrameRing ring;
  EXPECT_FALSE(ring.Init(nullptr, 100, 4));
  EXPECT_FALSE(ring.Init(storage, 100, 0));
  EXPECT_FALSE(ring.Init(storage, 100, kMaxFrameBytes + 1));
  EXPECT_FALSE(ring.Init(storage, 3, 4));  // not one whole frame
  EXPECT_FALSE(ring.Init(storage, kMaxRingBytes + 1, 4));
  EXPECT_FALSE(ring.IsValid());
  ASSERT_TRUE(ring.Init(storage, 99, 8));
  EXPECT_EQ(ring.CapacityBytes(), 96u);  // 12 whole frames of 8 bytes
  EXPECT_EQ(ring.FrameBytes(), 8u);
  EXPECT_EQ(ring.FillBytes(), 0u);
  EXPECT_EQ(ring.FreeBytes(), 96u);
}

TEST(FrameRing, UninitialisedRingDropsWritesAndReadsSilence) {
  FrameRing ring;
  const std::vector<uint8_t> data = Counting(16);
  EXPECT_EQ(ring.Write(data.data(), 16), 0u);
  std::vector<uint8_t> out(16, 0xAA);
  EXPECT_EQ(ring.ReadOrSilence(out.data(), 16), 0u);
  EXPECT_EQ(out, std::vector<uint8_t>(16, 0));
  EXPECT_EQ(ring.Counters().overflow_bytes, 16u);
  EXPECT_EQ(ring.Counters().underflow_bytes, 16u);
}

TEST(FrameRing, WrapsAroundKeepingEveryByteInOrder) {
  uint8_t storage[40];  // 10 frames of 4 bytes
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage, sizeof(storage), 4));
  const std::vector<uint8_t> data = Counting(12 * 50);
  size_t written = 0, read = 0;
  std::vector<uint8_t> out(12);
  // 3 frames in, 3 frames out, 50 times: the 12-byte chunks straddle the 40-byte end
  // at every alignment a multiple of 4 allows.
  ASSERT_EQ(ring.Write(data.data(), 12), 12u);  // keep 3 frames in flight across the wrap
  written = 12;
  for (int i = 1; i < 50; ++i) {
    ASSERT_EQ(ring.Write(data.data() + written, 12), 12u);
    written += 12;
    ASSERT_EQ(ring.Read(out.data(), 12), 12u);
    ASSERT_EQ(0, std::memcmp(out.data(), data.data() + read, 12)) << "chunk " << i;
    read += 12;
  }
  EXPECT_EQ(ring.FillBytes(), 12u);
  EXPECT_EQ(ring.Counters().written_bytes, written);
  EXPECT_EQ(ring.Counters().read_bytes, read);
  EXPECT_EQ(ring.Counters().overflow_events, 0u);
}

TEST(FrameRing, MovesWholeFramesOnly) {
  uint8_t storage[64];
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage, sizeof(storage), 4));
  const std::vector<uint8_t> data = Counting(10);
  EXPECT_EQ(ring.Write(data.data(), 10), 8u);  // two frames; the 2-byte tail is refused
  EXPECT_EQ(ring.Counters().fragment_bytes, 2u);
  EXPECT_EQ(ring.Counters().overflow_bytes, 0u) << "a fragment is a caller bug, not overflow";
  std::vector<uint8_t> out(8, 0xAA);
  EXPECT_EQ(ring.Read(out.data(), 7), 4u);  // one whole frame of the 7 bytes asked
  EXPECT_EQ(out[4], 0xAA) << "Read wrote past the whole frames it returned";
  EXPECT_EQ(ring.FillBytes(), 4u);
}

TEST(FrameRing, OverflowNeverOverwritesUnreadDataAndIsCounted) {
  uint8_t storage[32];  // 8 frames of 4 bytes
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage, sizeof(storage), 4));
  const std::vector<uint8_t> first = Counting(24, 1);
  const std::vector<uint8_t> second = Counting(16, 101);
  ASSERT_EQ(ring.Write(first.data(), 24), 24u);
  EXPECT_EQ(ring.Write(second.data(), 16), 8u);  // only 2 frames of room
  EXPECT_EQ(ring.Write(second.data(), 4), 0u);   // full: nothing
  const RingCounters c = ring.Counters();
  EXPECT_EQ(c.overflow_bytes, 8u + 4u);
  EXPECT_EQ(c.overflow_events, 2u);
  std::vector<uint8_t> out(32);
  ASSERT_EQ(ring.Read(out.data(), 32), 32u);
  EXPECT_EQ(0, std::memcmp(out.data(), first.data(), 24)) << "unread data was overwritten";
  EXPECT_EQ(0, std::memcmp(out.data() + 24, second.data(), 8));
}

TEST(FrameRing, StarvedReadFillsSilenceNeverStaleDataAndCounts) {
  uint8_t storage[32];
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage, sizeof(storage), 4));
  const std::vector<uint8_t> data = Counting(32, 1);
  ASSERT_EQ(ring.Write(data.data(), 32), 32u);
  std::vector<uint8_t> out(32);
  ASSERT_EQ(ring.Read(out.data(), 24), 24u);  // storage still holds the old bytes
  std::vector<uint8_t> got(20, 0xAA);
  EXPECT_EQ(ring.ReadOrSilence(got.data(), 20), 8u);
  EXPECT_EQ(0, std::memcmp(got.data(), data.data() + 24, 8));
  for (size_t i = 8; i < got.size(); ++i) EXPECT_EQ(got[i], 0) << "byte " << i << " is not silence";
  std::fill(got.begin(), got.end(), 0xAA);
  EXPECT_EQ(ring.ReadOrSilence(got.data(), 20), 0u);
  EXPECT_EQ(got, std::vector<uint8_t>(20, 0)) << "an empty ring must give silence, not the stale bytes";
  const RingCounters c = ring.Counters();
  EXPECT_EQ(c.underflow_bytes, 12u + 20u);
  EXPECT_EQ(c.underflow_events, 2u);
  // A full read is not an underflow.
  ASSERT_EQ(ring.Write(data.data(), 8), 8u);
  EXPECT_EQ(ring.ReadOrSilence(got.data(), 8), 8u);
  EXPECT_EQ(ring.Counters().underflow_events, 2u);
}

TEST(FrameRing, HalfFillThresholdWakesTheRightSide) {
  uint8_t storage[40];  // 10 frames of 4: half = 5 frames = 20 bytes
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage, sizeof(storage), 4));
  EXPECT_EQ(ring.HalfFillBytes(), 20u);
  const std::vector<uint8_t> data = Counting(40);
  EXPECT_FALSE(ring.ConsumerShouldWake());
  EXPECT_TRUE(ring.ProducerShouldWake());
  ring.Write(data.data(), 16);
  EXPECT_FALSE(ring.ConsumerShouldWake());
  EXPECT_TRUE(ring.ProducerShouldWake());  // 24 free >= 20
  ring.Write(data.data(), 4);
  EXPECT_TRUE(ring.ConsumerShouldWake());  // 20 >= 20
  EXPECT_TRUE(ring.ProducerShouldWake());  // 20 free >= 20
  ring.Write(data.data(), 4);
  EXPECT_TRUE(ring.ConsumerShouldWake());
  EXPECT_FALSE(ring.ProducerShouldWake());  // 16 free
  // An odd number of frames: the threshold rounds down to whole frames.
  uint8_t odd[36];  // 9 frames of 4: half = 4 frames
  ASSERT_TRUE(ring.Init(odd, sizeof(odd), 4));
  EXPECT_EQ(ring.HalfFillBytes(), 16u);
  uint8_t one[4];
  ASSERT_TRUE(ring.Init(one, sizeof(one), 4));
  EXPECT_EQ(ring.HalfFillBytes(), 4u) << "a one-frame ring wakes at one frame, never at 0";
}

TEST(FrameRing, SizesFromMillisecondsInWholeFramesAt44100And48000) {
  // 44.1 frames per ms: 40 ms = 1764 frames exactly; 1 ms rounds up to 45 frames.
  EXPECT_EQ(RingBytesForMs(44100, 4, 40), 1764u * 4);
  EXPECT_EQ(RingBytesForMs(44100, 4, 1), 45u * 4);
  EXPECT_EQ(RingBytesForMs(44100, 2, 3), 133u * 2);  // 132.3 -> 133
  EXPECT_EQ(RingBytesForMs(48000, 8, kRingMs), 1920u * 8);
  EXPECT_EQ(RingBytesForMs(48000, 2, kRingMs) % 2, 0u);
  EXPECT_EQ(RingBytesForMs(0, 4, 40), 0u);
  EXPECT_EQ(RingBytesForMs(48000, 0, 40), 0u);
  EXPECT_EQ(RingBytesForMs(48000, 4, 0), 0u);
  EXPECT_EQ(RingBytesForMs(48000, kMaxFrameBytes + 1, 40), 0u);
  EXPECT_EQ(RingBytesForMs(768000, kMaxFrameBytes, 60000), 0u) << "above kMaxRingBytes";
  static_assert(RingBytesForMs(44100, 4, 40) == 7056, "usable in constant expressions");
  // A ring of that size holds exactly 40 ms.
  std::vector<uint8_t> storage(RingBytesForMs(44100, 4, kRingMs));
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), 4));
  EXPECT_EQ(ring.CapacityBytes() / 4, 1764u);
}

TEST(FrameRing, ResetAndDiscardUnread) {
  uint8_t storage[32];
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage, sizeof(storage), 4));
  const std::vector<uint8_t> data = Counting(40);
  ring.Write(data.data(), 40);  // 8 overflow bytes
  ring.Reset();
  RingCounters c = ring.Counters();
  EXPECT_EQ(ring.FillBytes(), 0u);
  EXPECT_EQ(c.written_bytes + c.read_bytes + c.overflow_bytes + c.overflow_events, 0u);
  EXPECT_EQ(ring.CapacityBytes(), 32u) << "Reset keeps storage and format";
  ring.Write(data.data(), 12);
  EXPECT_EQ(ring.DiscardUnread(), 12u);
  EXPECT_EQ(ring.FillBytes(), 0u);
  EXPECT_EQ(ring.Counters().discarded_bytes, 12u);
  EXPECT_EQ(ring.Counters().read_bytes, 12u);
  std::vector<uint8_t> out(4);
  ring.Write(data.data() + 20, 4);
  ASSERT_EQ(ring.Read(out.data(), 4), 4u);
  EXPECT_EQ(0, std::memcmp(out.data(), data.data() + 20, 4)) << "discarded data came back";
}

// Random writes and reads (both kinds, with fragments) against a byte deque with the
// same contract; every return value, every byte, every counter must agree.
TEST(FrameRing, PropertyRandomSizesMatchAReferenceModel) {
  for (uint32_t frame_bytes : {1u, 2u, 4u, 6u, 8u}) {
    for (uint32_t capacity_frames : {1u, 3u, 7u, 64u, 1764u}) {
      std::mt19937 rng(frame_bytes * 1000 + capacity_frames);
      std::vector<uint8_t> storage(capacity_frames * frame_bytes + frame_bytes - 1);  // + a partial frame
      FrameRing ring;
      ASSERT_TRUE(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), frame_bytes));
      const uint32_t capacity = capacity_frames * frame_bytes;
      ASSERT_EQ(ring.CapacityBytes(), capacity);
      std::deque<uint8_t> model;
      uint64_t overflow = 0, underflow = 0, fragments = 0, written = 0, read = 0;
      uint8_t next = 0;
      const uint32_t max_chunk = capacity + 2 * frame_bytes + 1;
      std::uniform_int_distribution<uint32_t> size(0, max_chunk);
      std::vector<uint8_t> in(max_chunk), out(max_chunk);
      for (int step = 0; step < 4000; ++step) {
        const uint32_t n = size(rng);
        const int op = static_cast<int>(rng() % 3);
        if (op == 0) {
          for (uint32_t i = 0; i < n; ++i) in[i] = next++;
          const uint32_t whole = n - n % frame_bytes;
          const uint32_t fits = std::min<uint32_t>(whole, capacity - static_cast<uint32_t>(model.size()));
          ASSERT_EQ(ring.Write(in.data(), n), fits);
          model.insert(model.end(), in.begin(), in.begin() + fits);
          next = static_cast<uint8_t>(next - (n - fits));  // the model re-offers dropped bytes' values
          overflow += whole - fits;
          fragments += n % frame_bytes;
          written += fits;
        } else {
          const bool silence = op == 2;
          std::fill(out.begin(), out.end(), 0xAB);
          const uint32_t whole = n - n % frame_bytes;
          const uint32_t avail = std::min<uint32_t>(whole, static_cast<uint32_t>(model.size()));
          const uint32_t got = silence ? ring.ReadOrSilence(out.data(), n) : ring.Read(out.data(), n);
          ASSERT_EQ(got, avail);
          for (uint32_t i = 0; i < avail; ++i) {
            ASSERT_EQ(out[i], model.front()) << "step " << step << " byte " << i;
            model.pop_front();
          }
          if (silence) {
            for (uint32_t i = avail; i < n; ++i) ASSERT_EQ(out[i], 0) << "step " << step;
            underflow += n - avail;
          } else if (avail < n) {
            ASSERT_EQ(out[avail], 0xAB) << "Read wrote past what it returned";
          }
          read += avail;
        }
        ASSERT_EQ(ring.FillBytes(), model.size());
      }
      const RingCounters c = ring.Counters();
      EXPECT_EQ(c.overflow_bytes, overflow);
      EXPECT_EQ(c.underflow_bytes, underflow);
      EXPECT_EQ(c.fragment_bytes, fragments);
      EXPECT_EQ(c.written_bytes, written);
      EXPECT_EQ(c.read_bytes, read);
    }
  }
}

}  // namespace
}  // namespace hush::driver
