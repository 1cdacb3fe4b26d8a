// SPDX-License-Identifier: MIT
// Counts calls the audio thread must never make, but only on threads that have entered
// a guarded scope. The definitions in rt_interposer.cc replace libc's own for the whole
// test executable (the executable's symbols win during dynamic linking).
#ifndef HUSH_TESTS_RT_RT_INTERPOSER_H
#define HUSH_TESTS_RT_RT_INTERPOSER_H

#include <cstdint>

namespace hush::rt {

struct Violations {
  uint64_t allocations = 0;  // malloc, calloc, realloc, aligned allocs (new/delete go here)
  uint64_t frees = 0;
  uint64_t locks = 0;        // pthread mutex/rwlock/cond/sem waits
  uint64_t sleeps = 0;       // nanosleep, usleep, sched_yield
  uint64_t io = 0;           // read, write, open
  uint64_t Total() const { return allocations + frees + locks + sleeps + io; }
};

// While a RealtimeScope lives on this thread, forbidden calls from this thread count.
class RealtimeScope {
 public:
  RealtimeScope();
  ~RealtimeScope();
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;
};

// Counts so far from every thread (atomic snapshot), and reset.
Violations Snapshot();
void ResetCounts();

}  // namespace hush::rt

#endif  // HUSH_TESTS_RT_RT_INTERPOSER_H
