// SPDX-License-Identifier: MIT
// FrameRing: the private circular buffer between the WaveRT miniport and the back door,
// one per direction. Header-only and kernel-safe: no exceptions, RTTI, STL, allocation or
// libc beyond memcpy/memset (which ntoskrnl exports); it compiles in the driver (WDK or
// mingw-w64 -ffreestanding), in the user-mode engine and in the Linux tests.
//
// Contract
//  - Single producer, single consumer, over storage the owner provides (non-paged pool in
//    the driver, a member array in tests). The ring never allocates or frees.
//  - Free-running 64-bit byte indices (written_bytes, read_bytes): they never wrap in
//    practice (2^64 bytes at 192 kHz x 8 ch x 4 B is 3 million years). Each is written by
//    one side only and published with release, read with acquire.
//  - Whole frames only (frame_bytes = channels x bytes per sample): capacity, every write
//    and every read are whole frames, so a frame is never split between two transfers and
//    the channels can never rotate.
//  - No unread data is ever overwritten. A write that does not fit writes the whole frames
//    that fit and counts the rest as overflow (bytes and one event); the caller's audio
//    beyond that is dropped, never the ring's.
//  - ReadOrSilence() (the audio engine's side of the capture ring) always delivers the
//    requested frames: real data first, then silence (zero bytes: silence for PCM16 and
//    float32, the only formats Hush advertises; 8-bit unsigned PCM would need 0x80), and
//    counts underflow. It never repeats stale data. Read() (the back door's side of the
//    render ring) returns only what is there: a short read there is normal, not counted.
//  - Counters are single-writer (each side updates only its own) and readable from any
//    thread; a third thread sees a consistent-enough snapshot (each value exact, the set
//    possibly one update apart).
//
// Threads and RT-safety: every method is [RT-safe] and callable at DISPATCH_LEVEL when
// the storage is non-paged: no allocation, lock, wait or system call. Producer methods
// (Write, FreeBytes, ProducerShouldWake) from one thread at a time, consumer methods
// (Read, ReadOrSilence, DiscardUnread, ConsumerShouldWake) from one other; the driver
// serialises each side with its stream's lock or the back door's single-opener rule.
// Init() and Reset() only while neither side runs.
#ifndef HUSH_DRIVER_RING_H
#define HUSH_DRIVER_RING_H

#include <stddef.h>
#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>  // _ReadWriteBarrier, __ldar64, __stlr64
#include <string.h>  // memcpy, memset: intrinsics under MSVC, exported by ntoskrnl
#endif

namespace hush::driver {

// ---- The one atomics shim: acquire loads, release stores of 64-bit values. ----
// GCC/clang: the __atomic builtins (ThreadSanitizer understands them). MSVC: on x64 (TSO)
// a compiler barrier around a plain volatile access gives acquire/release; on ARM64 the
// LDAR/STLR intrinsics do. Other MSVC targets (32-bit x86) are not supported: a 64-bit
// volatile access is not atomic there.
#if defined(_MSC_VER) && !defined(__clang__)
#if defined(_M_X64)
inline uint64_t AtomicLoadAcquire(const uint64_t* p) {
  const uint64_t v = *static_cast<const volatile uint64_t*>(p);
  _ReadWriteBarrier();
  return v;
}
inline void AtomicStoreRelease(uint64_t* p, uint64_t v) {
  _ReadWriteBarrier();
  *static_cast<volatile uint64_t*>(p) = v;
}
#elif defined(_M_ARM64)
inline uint64_t AtomicLoadAcquire(const uint64_t* p) {
  return __ldar64(reinterpret_cast<unsigned __int64 volatile*>(const_cast<uint64_t*>(p)));
}
inline void AtomicStoreRelease(uint64_t* p, uint64_t v) {
  __stlr64(reinterpret_cast<unsigned __int64 volatile*>(p), v);
}
#else
#error "hush_driver/ring.h: MSVC builds support only x64 and ARM64"
#endif
inline void CopyBytes(void* dst, const void* src, size_t n) { memcpy(dst, src, n); }
inline void ZeroBytes(void* dst, size_t n) { memset(dst, 0, n); }
#else
inline uint64_t AtomicLoadAcquire(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void AtomicStoreRelease(uint64_t* p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
// May become a call to memcpy/memset, which the kernel (ntoskrnl) and every libc export.
inline void CopyBytes(void* dst, const void* src, size_t n) { __builtin_memcpy(dst, src, n); }
inline void ZeroBytes(void* dst, size_t n) { __builtin_memset(dst, 0, n); }
#endif

// ---- Sizing ----
// Why 40 ms. The render ring is filled where the audio engine's position advances: a
// 1 ms timer and the engine's position queries, so one update moves at most the time
// since the previous one; that is 1 ms normally and up to ~10 ms when the timer DPC is
// late (one engine period). The back door's reader is woken when the ring reaches half
// fill, and a user-mode thread (MMCSS "Pro Audio") may take up to ~10 ms to run, rarely
// more. After the signal the ring must still hold: half (the threshold) + one largest
// chunk + the wake-up delay = 20 + 10 + 10 = 40 ms. The capture ring is the mirror image
// (the writer is woken when it is half empty). Smaller rings drop data under the same
// jitter (tests/driver/test_wavert_sim.cc measures it); larger ones only add latency,
// since the steady-state fill sits near the threshold.
inline constexpr uint32_t kRingMs = 40;
// The largest ring Init() accepts: 1 GiB keeps every byte count in 32 bits with room.
inline constexpr uint32_t kMaxRingBytes = 1u << 30;
// The largest frame: 8 channels x 8 bytes.
inline constexpr uint32_t kMaxFrameBytes = 64;

// Bytes for `ms` milliseconds at `sample_rate_hz` (1..768000) with `frame_bytes`
// (1..kMaxFrameBytes), rounded up to whole frames. 0 when an argument is out of range or
// the result exceeds kMaxRingBytes. Pure; usable in constant expressions.
constexpr uint32_t RingBytesForMs(uint32_t sample_rate_hz, uint32_t frame_bytes, uint32_t ms) {
  if (sample_rate_hz == 0 || sample_rate_hz > 768000 || frame_bytes == 0 || frame_bytes > kMaxFrameBytes ||
      ms == 0 || ms > 60000) {
    return 0;
  }
  const uint64_t frames = (static_cast<uint64_t>(sample_rate_hz) * ms + 999) / 1000;  // ceil
  const uint64_t bytes = frames * frame_bytes;
  return bytes > kMaxRingBytes ? 0 : static_cast<uint32_t>(bytes);
}

// Cumulative counters of one ring, in bytes unless named events. written/read are the
// free-running indices themselves.
struct RingCounters {
  uint64_t written_bytes;     // total ever accepted by Write()
  uint64_t read_bytes;        // total ever consumed (Read, ReadOrSilence, DiscardUnread)
  uint64_t overflow_bytes;    // offered to Write() but did not fit (dropped by the writer)
  uint64_t overflow_events;   // Write() calls that dropped something
  uint64_t underflow_bytes;   // silence ReadOrSilence() inserted for missing data
  uint64_t underflow_events;  // ReadOrSilence() calls that inserted silence
  uint64_t fragment_bytes;    // trailing partial frames refused by Write() (a caller bug)
  uint64_t discarded_bytes;   // unread data dropped by DiscardUnread()
};

class FrameRing {
 public:
  // An unusable ring (capacity 0: every write overflows, every read is silence) until
  // Init(). All-zero bytes are exactly this state, so a ring in a zeroed device
  // extension is valid before any constructor runs. No member demands more than 8-byte
  // alignment (padding, not alignas, separates the two sides' cache lines), so a ring
  // may sit at any 8-byte offset in a pool allocation.
  FrameRing() = default;
  FrameRing(const FrameRing&) = delete;
  FrameRing& operator=(const FrameRing&) = delete;

  // Attaches `storage` (storage_bytes long, owned by the caller, must outlive the ring and
  // stay resident) and empties the ring. The capacity is storage_bytes rounded down to
  // whole frames. Returns false, leaving the ring unusable, when storage is null,
  // frame_bytes is 0 or > kMaxFrameBytes, or the capacity would be 0 or > kMaxRingBytes.
  // Only while neither side runs.
  bool Init(void* storage, uint32_t storage_bytes, uint32_t frame_bytes) {
    storage_ = nullptr;
    capacity_bytes_ = 0;
    frame_bytes_ = 0;
    ClearIndicesAndCounters();
    if (storage == nullptr || frame_bytes == 0 || frame_bytes > kMaxFrameBytes || storage_bytes > kMaxRingBytes) {
      return false;
    }
    const uint32_t capacity = storage_bytes - storage_bytes % frame_bytes;
    if (capacity == 0) return false;
    storage_ = static_cast<uint8_t*>(storage);
    capacity_bytes_ = capacity;
    frame_bytes_ = frame_bytes;
    return true;
  }

  // Empties the ring and zeroes every counter, keeping storage and format. Only when
  // both sides are stopped (stream stop, back door closed): it writes both indices.
  void Reset() { ClearIndicesAndCounters(); }

  uint32_t CapacityBytes() const { return capacity_bytes_; }
  uint32_t FrameBytes() const { return frame_bytes_; }
  bool IsValid() const { return storage_ != nullptr; }

  // Unread bytes (whole frames). Exact from either side; from a third thread a snapshot,
  // clamped to the capacity.
  uint32_t FillBytes() const {
    const uint64_t r = AtomicLoadAcquire(&read_bytes_);  // read first: then w >= r
    const uint64_t w = AtomicLoadAcquire(&written_bytes_);
    const uint64_t fill = w - r;
    return fill > capacity_bytes_ ? capacity_bytes_ : static_cast<uint32_t>(fill);
  }
  // Free bytes (whole frames).
  uint32_t FreeBytes() const { return capacity_bytes_ - FillBytes(); }
  // The wake-up threshold: half the capacity, rounded down to whole frames (at least one
  // frame for a valid ring).
  uint32_t HalfFillBytes() const {
    if (frame_bytes_ == 0) return 0;
    const uint32_t half = (capacity_bytes_ / 2) - (capacity_bytes_ / 2) % frame_bytes_;
    return half == 0 ? frame_bytes_ : half;
  }
  // True when the consumer should be woken: at least half full (render ring: the back
  // door's reader).
  bool ConsumerShouldWake() const { return IsValid() && FillBytes() >= HalfFillBytes(); }
  // True when the producer should be woken: at least half free (capture ring: the back
  // door's writer).
  bool ProducerShouldWake() const { return IsValid() && FreeBytes() >= HalfFillBytes(); }

  // ---- producer side ----
  // Copies the whole frames of src[0, bytes) that fit and publishes them; returns the
  // bytes written (a multiple of FrameBytes()). Whole frames that do not fit count as
  // overflow; a trailing partial frame is refused and counted as fragment_bytes.
  // src may be null only when bytes is 0.
  uint32_t Write(const void* src, uint32_t bytes) {
    if (bytes == 0) return 0;
    if (!IsValid() || src == nullptr) {
      CountOverflow(bytes);
      return 0;
    }
    const uint32_t fragment = bytes % frame_bytes_;
    const uint32_t whole = bytes - fragment;
    if (fragment != 0) StoreOwn(&fragment_bytes_, fragment_bytes_ + fragment);
    const uint64_t w = written_bytes_;  // own index: no ordering needed
    const uint64_t r = AtomicLoadAcquire(&read_bytes_);
    const uint32_t free_bytes = capacity_bytes_ - static_cast<uint32_t>(w - r);
    const uint32_t n = whole < free_bytes ? whole : free_bytes;  // both whole frames
    const uint32_t offset = static_cast<uint32_t>(w % capacity_bytes_);
    const uint32_t first = n < capacity_bytes_ - offset ? n : capacity_bytes_ - offset;
    CopyBytes(storage_ + offset, src, first);
    if (n > first) CopyBytes(storage_, static_cast<const uint8_t*>(src) + first, n - first);
    AtomicStoreRelease(&written_bytes_, w + n);  // publishes the bytes copied above
    if (n < whole) CountOverflow(whole - n);
    return n;
  }

  // ---- consumer side ----
  // Copies up to `bytes` (rounded down to whole frames) of unread data into dst and
  // consumes it; returns the bytes copied. No padding, no underflow count.
  uint32_t Read(void* dst, uint32_t bytes) {
    if (!IsValid() || dst == nullptr) return 0;
    return CopyOut(static_cast<uint8_t*>(dst), bytes - bytes % frame_bytes_);
  }

  // Fills dst[0, bytes) completely: unread data first (whole frames), then zero bytes,
  // and counts the zero-filled part as underflow (one event per short call). Returns the
  // bytes of real data. dst may be null only when bytes is 0.
  uint32_t ReadOrSilence(void* dst, uint32_t bytes) {
    if (bytes == 0 || dst == nullptr) return 0;
    uint8_t* out = static_cast<uint8_t*>(dst);
    const uint32_t got = IsValid() ? CopyOut(out, bytes - bytes % frame_bytes_) : 0;
    if (got < bytes) {
      ZeroBytes(out + got, bytes - got);
      StoreOwn(&underflow_bytes_, underflow_bytes_ + (bytes - got));
      StoreOwn(&underflow_events_, underflow_events_ + 1);
    }
    return got;
  }

  // Drops every unread byte (consumer side, safe while the producer runs); returns how
  // many. For a reader that restarts and wants the freshest audio.
  uint32_t DiscardUnread() {
    const uint64_t r = read_bytes_;
    const uint64_t w = AtomicLoadAcquire(&written_bytes_);
    const uint32_t n = static_cast<uint32_t>(w - r);
    StoreOwn(&discarded_bytes_, discarded_bytes_ + n);
    AtomicStoreRelease(&read_bytes_, w);
    return n;
  }

  // ---- any thread ----
  RingCounters Counters() const {
    RingCounters c;
    c.read_bytes = AtomicLoadAcquire(&read_bytes_);
    c.written_bytes = AtomicLoadAcquire(&written_bytes_);
    c.overflow_bytes = AtomicLoadAcquire(&overflow_bytes_);
    c.overflow_events = AtomicLoadAcquire(&overflow_events_);
    c.underflow_bytes = AtomicLoadAcquire(&underflow_bytes_);
    c.underflow_events = AtomicLoadAcquire(&underflow_events_);
    c.fragment_bytes = AtomicLoadAcquire(&fragment_bytes_);
    c.discarded_bytes = AtomicLoadAcquire(&discarded_bytes_);
    return c;
  }

 private:
  // A counter only its own side writes: a plain read of it is race-free on that side;
  // the release store makes it readable from other threads.
  static void StoreOwn(uint64_t* counter, uint64_t value) { AtomicStoreRelease(counter, value); }

  void CountOverflow(uint32_t bytes) {
    StoreOwn(&overflow_bytes_, AtomicLoadAcquire(&overflow_bytes_) + bytes);
    StoreOwn(&overflow_events_, AtomicLoadAcquire(&overflow_events_) + 1);
  }

  // Copies min(bytes, fill) (bytes whole frames) out and publishes the consumption.
  uint32_t CopyOut(uint8_t* dst, uint32_t bytes) {
    const uint64_t r = read_bytes_;  // own index
    const uint64_t w = AtomicLoadAcquire(&written_bytes_);  // acquires the producer's bytes
    const uint32_t fill = static_cast<uint32_t>(w - r);
    const uint32_t n = bytes < fill ? bytes : fill;
    const uint32_t offset = static_cast<uint32_t>(r % capacity_bytes_);
    const uint32_t first = n < capacity_bytes_ - offset ? n : capacity_bytes_ - offset;
    CopyBytes(dst, storage_ + offset, first);
    if (n > first) CopyBytes(dst + first, storage_, n - first);
    AtomicStoreRelease(&read_bytes_, r + n);  // the producer may now reuse those bytes
    return n;
  }

  void ClearIndicesAndCounters() {
    AtomicStoreRelease(&written_bytes_, 0);
    AtomicStoreRelease(&read_bytes_, 0);
    AtomicStoreRelease(&overflow_bytes_, 0);
    AtomicStoreRelease(&overflow_events_, 0);
    AtomicStoreRelease(&underflow_bytes_, 0);
    AtomicStoreRelease(&underflow_events_, 0);
    AtomicStoreRelease(&fragment_bytes_, 0);
    AtomicStoreRelease(&discarded_bytes_, 0);
  }

  uint8_t* storage_ = nullptr;
  uint32_t capacity_bytes_ = 0;
  uint32_t frame_bytes_ = 0;
  // Producer-owned, a cache line apart from the consumer's so one side's commits do not
  // keep invalidating the other's line.
  [[maybe_unused]] uint8_t pad_producer_[64] = {};  // (clang: -Wunused-private-field)
  uint64_t written_bytes_ = 0;
  uint64_t overflow_bytes_ = 0;
  uint64_t overflow_events_ = 0;
  uint64_t fragment_bytes_ = 0;
  [[maybe_unused]] uint8_t pad_consumer_[64 - 4 * sizeof(uint64_t)] = {};
  // Consumer-owned.
  uint64_t read_bytes_ = 0;
  uint64_t underflow_bytes_ = 0;
  uint64_t underflow_events_ = 0;
  uint64_t discarded_bytes_ = 0;
};

}  // namespace hush::driver

#endif  // HUSH_DRIVER_RING_H
