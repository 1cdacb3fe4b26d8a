// SPDX-License-Identifier: MIT
#include "rt/rt_interposer.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstddef>
#include <cstdlib>
#include <ctime>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace hush::rt {
namespace {

thread_local int guard_depth = 0;
std::atomic<uint64_t> allocations{0}, frees{0}, locks{0}, sleeps{0}, io{0};

inline void Count(std::atomic<uint64_t>& counter) {
  if (guard_depth > 0) counter.fetch_add(1, std::memory_order_relaxed);
}

template <typename Fn>
Fn Next(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

RealtimeScope::RealtimeScope() { ++guard_depth; }
RealtimeScope::~RealtimeScope() { --guard_depth; }

Violations Snapshot() {
  return Violations{allocations.load(), frees.load(), locks.load(), sleeps.load(), io.load()};
}

void ResetCounts() {
  for (auto* c : {&allocations, &frees, &locks, &sleeps, &io}) c->store(0);
}

}  // namespace hush::rt

using hush::rt::Count;

extern "C" {

void* malloc(size_t size) {
  Count(hush::rt::allocations);
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) {
  Count(hush::rt::allocations);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size) {
  Count(hush::rt::allocations);
  return __libc_realloc(p, size);
}
void* memalign(size_t alignment, size_t size) {
  Count(hush::rt::allocations);
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) {
  Count(hush::rt::allocations);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
  Count(hush::rt::allocations);
  *out = __libc_memalign(alignment, size);
  return *out != nullptr ? 0 : 12;  // ENOMEM
}
void free(void* p) {
  if (p != nullptr) Count(hush::rt::frees);
  __libc_free(p);
}

int pthread_mutex_lock(pthread_mutex_t* m) {
  Count(hush::rt::locks);
  static auto next = hush::rt::Next<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
  return next(m);
}
int pthread_mutex_trylock(pthread_mutex_t* m) {
  Count(hush::rt::locks);
  static auto next = hush::rt::Next<int (*)(pthread_mutex_t*)>("pthread_mutex_trylock");
  return next(m);
}
int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  Count(hush::rt::locks);
  static auto next = hush::rt::Next<int (*)(pthread_rwlock_t*)>("pthread_rwlock_rdlock");
  return next(l);
}
int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  Count(hush::rt::locks);
  static auto next = hush::rt::Next<int (*)(pthread_rwlock_t*)>("pthread_rwlock_wrlock");
  return next(l);
}
int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  Count(hush::rt::locks);
  static auto next = hush::rt::Next<int (*)(pthread_cond_t*, pthread_mutex_t*)>("pthread_cond_wait");
  return next(c, m);
}
int sem_wait(sem_t* s) {
  Count(hush::rt::locks);
  static auto next = hush::rt::Next<int (*)(sem_t*)>("sem_wait");
  return next(s);
}
int nanosleep(const struct timespec* req, struct timespec* rem) {
  Count(hush::rt::sleeps);
  static auto next = hush::rt::Next<int (*)(const struct timespec*, struct timespec*)>("nanosleep");
  return next(req, rem);
}
int usleep(useconds_t usec) {
  Count(hush::rt::sleeps);
  static auto next = hush::rt::Next<int (*)(useconds_t)>("usleep");
  return next(usec);
}
int sched_yield(void) {
  Count(hush::rt::sleeps);
  static auto next = hush::rt::Next<int (*)(void)>("sched_yield");
  return next();
}
ssize_t write(int fd, const void* buf, size_t n) {
  Count(hush::rt::io);
  static auto next = hush::rt::Next<ssize_t (*)(int, const void*, size_t)>("write");
  return next(fd, buf, n);
}
ssize_t read(int fd, void* buf, size_t n) {
  Count(hush::rt::io);
  static auto next = hush::rt::Next<ssize_t (*)(int, void*, size_t)>("read");
  return next(fd, buf, n);
}

}  // extern "C"
