// SPDX-License-Identifier: MIT
// Compiled (not run) the way kernel code is: x86_64-w64-mingw32-g++ -ffreestanding
// -fno-exceptions -fno-rtti -nostdlib. It instantiates every method of the ring and every
// validation function, so a dependency on the STL, libc (beyond memcpy/memset, which the
// kernel exports), exceptions or RTTI fails the build; CTest then checks with nm that
// memcpy/memset are the only undefined symbols (tests/driver/CMakeLists.txt).
#include "hush_driver/ioctl_protocol.h"
#include "hush_driver/ring.h"

namespace {
uint8_t g_storage[4096];
hush::driver::FrameRing g_ring;
}  // namespace

extern "C" uint32_t HushKernelSafeCheck(const void* in, uint32_t in_len, void* out, uint32_t out_len) {
  using namespace hush::driver;
  uint32_t total = 0;
  if (!g_ring.Init(g_storage, sizeof(g_storage), 8)) return 0;
  total += g_ring.Write(in, in_len);
  total += g_ring.Read(out, out_len);
  total += g_ring.ReadOrSilence(out, out_len);
  total += g_ring.DiscardUnread();
  total += g_ring.ConsumerShouldWake() + g_ring.ProducerShouldWake() + g_ring.FreeBytes();
  const RingCounters c = g_ring.Counters();
  total += static_cast<uint32_t>(c.overflow_bytes + c.underflow_bytes);
  g_ring.Reset();
  total += RingBytesForMs(44100, 4, kRingMs);

  const HushFormat format = HushMakeFormat(48000, 2, true);
  HushWriteMicView mic;
  total += static_cast<uint32_t>(-HushValidateWriteMic(in, in_len, format, &mic));
  HushReadSpeakerView speaker;
  total += static_cast<uint32_t>(-HushValidateReadSpeaker(0, out_len, format, &speaker));
  HushWaitView wait;
  total += static_cast<uint32_t>(-HushValidateWait(in, in_len, out_len, &wait));
  total += static_cast<uint32_t>(-HushValidateQuery(0, out_len, sizeof(HushInfo)));
  total += static_cast<uint32_t>(-HushValidateReply(in, in_len, sizeof(HushStats)));
  total += static_cast<uint32_t>(-HushValidateWriteMicOutput(out_len));
  total += HushStatusString(kHushErrBadVersion)[0];
  const HushDirectionStats s = HushMakeDirectionStats(g_ring, 1);
  total += s.capacity_bytes;
  const HushAudioHeader h = HushMakeAudioHeader(format, 1, 2);
  total += h.frame_count;
  return total;
}
