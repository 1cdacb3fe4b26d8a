// SPDX-License-Identifier: MIT
// A single-producer/single-consumer ring of samples (or any trivially copyable T).
//
// Free-running 64-bit indices (they never wrap in practice: 2^64 frames at 192 kHz is
// three million years), published with release and read with acquire, so the producer
// and the consumer each own one index and never wait for each other. Zero-copy access
// through at most two regions around the wrap. Capacity is a power of two, fixed at
// construction.
//
// Threads: every producer method from one thread, every consumer method from one other
// thread; Fill(), counters and capacity from anywhere. Debug builds check the
// single-producer/single-consumer rule and abort on a second thread.
// All methods but the constructor are [RT-safe]: no allocation, lock or wait.
#ifndef HUSH_ENGINE_SPSC_RING_H
#define HUSH_ENGINE_SPSC_RING_H

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace hush::engine {

// Up to two contiguous pieces of a ring: [first, first + first_size) then
// [second, second + second_size).
template <typename T>
struct RingRegions {
  T* first = nullptr;
  size_t first_size = 0;
  T* second = nullptr;
  size_t second_size = 0;
  size_t Size() const { return first_size + second_size; }
};

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "ring elements are copied with memcpy");

 public:
  // capacity is rounded up to a power of two. Throws std::invalid_argument for 0.
  explicit SpscRing(size_t capacity) {
    if (capacity == 0) throw std::invalid_argument("SpscRing: zero capacity");
    size_t c = 1;
    while (c < capacity) c <<= 1;
    buffer_.assign(c, T{});
    mask_ = c - 1;
  }

  size_t Capacity() const { return mask_ + 1; }
  // Elements written and not yet read. Exact from either side; from a third thread it is
  // a snapshot that may be one update old.
  size_t Fill() const {
    const uint64_t w = write_.load(std::memory_order_acquire);
    const uint64_t r = read_.load(std::memory_order_acquire);
    return static_cast<size_t>(w - r);
  }

  // ---- producer side ----
  size_t WritableSize() const {
    CheckProducer();
    return Capacity() - static_cast<size_t>(write_.load(std::memory_order_relaxed) - read_.load(std::memory_order_acquire));
  }
  // Regions to write up to `count` elements into (fewer if the ring is fuller).
  RingRegions<T> WriteRegions(size_t count) {
    CheckProducer();
    return Regions(write_.load(std::memory_order_relaxed), std::min(count, WritableSize()));
  }
  // Publishes `count` elements written into WriteRegions().
  void CommitWrite(size_t count) {
    CheckProducer();
    write_.store(write_.load(std::memory_order_relaxed) + count, std::memory_order_release);
  }
  // Copies as many of `count` elements as fit; returns how many. A short write is an
  // overrun: counted, and the caller decides what to drop (the ring never overwrites
  // unread data).
  size_t TryWrite(const T* data, size_t count) {
    const RingRegions<T> regions = WriteRegions(count);
    std::memcpy(regions.first, data, regions.first_size * sizeof(T));
    if (regions.second_size > 0) std::memcpy(regions.second, data + regions.first_size, regions.second_size * sizeof(T));
    CommitWrite(regions.Size());
    if (regions.Size() < count) overruns_.fetch_add(1, std::memory_order_relaxed);
    return regions.Size();
  }

  // ---- consumer side ----
  size_t ReadableSize() const {
    CheckConsumer();
    return static_cast<size_t>(write_.load(std::memory_order_acquire) - read_.load(std::memory_order_relaxed));
  }
  RingRegions<const T> ReadRegions(size_t count) const {
    CheckConsumer();
    const RingRegions<T> r = const_cast<SpscRing*>(this)->Regions(read_.load(std::memory_order_relaxed),
                                                                  std::min(count, ReadableSize()));
    return RingRegions<const T>{r.first, r.first_size, r.second, r.second_size};
  }
  void CommitRead(size_t count) {
    CheckConsumer();
    read_.store(read_.load(std::memory_order_relaxed) + count, std::memory_order_release);
  }
  // Copies up to `count` elements out; returns how many. A short read is an underrun.
  size_t TryRead(T* data, size_t count) {
    const RingRegions<const T> regions = ReadRegions(count);
    std::memcpy(data, regions.first, regions.first_size * sizeof(T));
    if (regions.second_size > 0) std::memcpy(data + regions.first_size, regions.second, regions.second_size * sizeof(T));
    CommitRead(regions.Size());
    if (regions.Size() < count) underruns_.fetch_add(1, std::memory_order_relaxed);
    return regions.Size();
  }
  // Drops up to `count` unread elements (consumer side); returns how many.
  size_t Skip(size_t count) {
    const size_t n = std::min(count, ReadableSize());
    CommitRead(n);
    return n;
  }

  uint64_t Overruns() const { return overruns_.load(std::memory_order_relaxed); }
  uint64_t Underruns() const { return underruns_.load(std::memory_order_relaxed); }
  void CountUnderrun() { underruns_.fetch_add(1, std::memory_order_relaxed); }
  void CountOverrun() { overruns_.fetch_add(1, std::memory_order_relaxed); }

 private:
  RingRegions<T> Regions(uint64_t start, size_t count) {
    const size_t offset = static_cast<size_t>(start) & mask_;
    const size_t first = std::min(count, Capacity() - offset);
    return RingRegions<T>{buffer_.data() + offset, first, buffer_.data(), count - first};
  }

#ifndef NDEBUG
  // Debug check of the SPSC rule: the first thread to use a side owns it.
  static void CheckOwner(std::atomic<std::thread::id>& owner) {
    const std::thread::id self = std::this_thread::get_id();
    std::thread::id expected{};
    if (!owner.compare_exchange_strong(expected, self) && expected != self) {
      assert(false && "SpscRing used by a second producer or consumer thread");
      std::abort();
    }
  }
  void CheckProducer() const { CheckOwner(producer_); }
  void CheckConsumer() const { CheckOwner(consumer_); }
  mutable std::atomic<std::thread::id> producer_{};
  mutable std::atomic<std::thread::id> consumer_{};

 public:
  // Hands a side to another thread (e.g. a restarted device callback). Debug only.
  void ReleaseOwnership() {
    producer_.store(std::thread::id{});
    consumer_.store(std::thread::id{});
  }

 private:
#else
  void CheckProducer() const {}
  void CheckConsumer() const {}

 public:
  void ReleaseOwnership() {}

 private:
#endif

  std::vector<T> buffer_;
  size_t mask_ = 0;
  // Each index on its own cache line: the producer's writes must not invalidate the
  // consumer's line on every commit.
  alignas(64) std::atomic<uint64_t> write_{0};
  alignas(64) std::atomic<uint64_t> read_{0};
  alignas(64) std::atomic<uint64_t> overruns_{0};
  std::atomic<uint64_t> underruns_{0};
};

}  // namespace hush::engine

#endif  // HUSH_ENGINE_SPSC_RING_H
