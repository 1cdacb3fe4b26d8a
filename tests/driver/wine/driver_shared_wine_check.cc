// SPDX-License-Identifier: MIT
// The driver's shared headers and the WaveRT simulator as a Windows program: cross-built
// with x86_64-w64-mingw32-g++-posix and run under Wine by CTest (tests/driver/CMakeLists.txt).
// GoogleTest is not packaged for mingw-w64 in Debian, so this is a plain program that
// prints each failed check and exits 1 if any failed. It repeats, on the Windows ABI
// (LLP64, the MS struct layout rules, Win32 threads under std::thread), the checks whose
// answer could differ there: struct layouts, the ring against a reference model, two real
// threads on the ring, and an hour of Hush's design in the simulator.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <random>
#include <thread>
#include <vector>

#include "backends/sim/wavert_sim.h"
#include "hush_driver/ioctl_protocol.h"
#include "hush_driver/ring.h"

namespace {

int g_failures = 0;
#define CHECK(condition)                                                        \
  do {                                                                          \
    if (!(condition)) {                                                         \
      std::printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #condition);        \
      ++g_failures;                                                             \
    }                                                                           \
  } while (0)

using namespace hush::driver;

void Layouts() {
  // The same numbers the header's static_asserts pin; here they also run on Windows.
  CHECK(sizeof(HushAudioHeader) == 32);
  CHECK(offsetof(HushAudioHeader, position_frames) == 24);
  CHECK(sizeof(HushInfo) == 72);
  CHECK(sizeof(HushStats) == 136);
  CHECK(offsetof(HushStats, mic) == 72);
  CHECK(sizeof(wchar_t) == 2);  // the names are UTF-16 here, as the kernel wants
  CHECK(kIoctlHushWriteMic == 0x0022A008u);
}

void RingAgainstModel() {
  for (uint32_t frame_bytes : {2u, 4u, 8u}) {
    std::mt19937 rng(frame_bytes);
    std::vector<uint8_t> storage(1764 * frame_bytes);
    FrameRing ring;
    CHECK(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), frame_bytes));
    std::deque<uint8_t> model;
    std::vector<uint8_t> in(4000), out(4000);
    uint8_t next = 0;
    uint64_t underflow = 0;
    for (int step = 0; step < 20000 && g_failures == 0; ++step) {
      const uint32_t n = rng() % 4000;
      const uint32_t whole = n - n % frame_bytes;
      if (rng() % 2 == 0) {
        for (uint32_t i = 0; i < n; ++i) in[i] = next++;
        const uint32_t fits = std::min<uint32_t>(whole, ring.CapacityBytes() - static_cast<uint32_t>(model.size()));
        CHECK(ring.Write(in.data(), n) == fits);
        model.insert(model.end(), in.begin(), in.begin() + fits);
      } else {
        const uint32_t avail = std::min<uint32_t>(whole, static_cast<uint32_t>(model.size()));
        CHECK(ring.ReadOrSilence(out.data(), n) == avail);
        for (uint32_t i = 0; i < avail; ++i) {
          CHECK(out[i] == model.front());
          model.pop_front();
        }
        for (uint32_t i = avail; i < n; ++i) CHECK(out[i] == 0);
        underflow += n - avail;
      }
      CHECK(ring.FillBytes() == model.size());
    }
    CHECK(ring.Counters().underflow_bytes == underflow);
  }
}

void RingTwoThreads() {
  constexpr uint32_t kTotal = 1'000'000;
  std::vector<uint8_t> storage(RingBytesForMs(48000, 4, 2));
  FrameRing ring;
  CHECK(ring.Init(storage.data(), static_cast<uint32_t>(storage.size()), 4));
  std::thread producer([&] {
    std::vector<uint32_t> buf(256);
    uint32_t next = 1;
    while (next <= kTotal) {
      const uint32_t n = std::min<uint32_t>(1 + next % 256, kTotal + 1 - next);
      for (uint32_t i = 0; i < n; ++i) buf[i] = next + i;
      const uint32_t wrote = ring.Write(buf.data(), n * 4) / 4;
      next += wrote;
      if (wrote < n) std::this_thread::yield();
    }
  });
  std::vector<uint32_t> buf(300);
  uint32_t expected = 1;
  bool ok = true;
  while (expected <= kTotal && ok) {
    const uint32_t got = ring.Read(buf.data(), (1 + expected % 300) * 4) / 4;
    for (uint32_t i = 0; i < got && ok; ++i) ok = buf[i] == expected++;
    if (got == 0) std::this_thread::yield();
  }
  producer.join();
  CHECK(ok);
  CHECK(expected == kTotal + 1);
}

void SimulatedHour() {
  using namespace hush::sim;
  for (WaveRtDirection direction : {WaveRtDirection::kRender, WaveRtDirection::kCapture}) {
    WaveRtSimOptions o;
    o.direction = direction;
    o.sample_rate_hz = 44100;
    o.seconds = 3600;
    const WaveRtSimResult r = RunWaveRtSim(o);
    std::printf("%s\n", WaveRtTableRow(o, r).c_str());
    CHECK(r.discontinuities == 0 && r.overwritten_bytes == 0 && r.dropped_bytes == 0 && r.silence_bytes == 0);
    CHECK(r.frames_delivered > 44100.0 * 3599);
  }
  WaveRtSimOptions seed;
  seed.design = WaveRtDesign::kSeedSignalWhenFull;
  seed.seconds = 60;
  CHECK(RunWaveRtSim(seed).overwritten_bytes > 0);  // the checker can fail here too
}

}  // namespace

int main() {
  Layouts();
  RingAgainstModel();
  RingTwoThreads();
  SimulatedHour();
  std::printf("%s: %d failed checks\n", g_failures == 0 ? "PASS" : "FAIL", g_failures);
  return g_failures == 0 ? 0 : 1;
}
