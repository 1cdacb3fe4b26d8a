// SPDX-License-Identifier: MIT
// The driver's back-door protocol, compiled for the host from the same kernel-safe
// headers the .sys uses (driver/windows/shared/hush_driver/): a random sequence of
// IOCTLs with random codes, input bytes, input and output lengths, validated exactly as
// the driver's IRP_MJ_DEVICE_CONTROL handler validates them (backdoor.cc) and, when
// valid, carried out against the two private rings, with the audio engine's side
// moving random amounts in between.
//
// Every buffer is a heap block of exactly the length the request claims, so
// AddressSanitizer reports any byte read or written past what a caller handed over.
// Invariants: a request the validators accept never copies more than its buffers hold;
// the rings never hold more than their capacity; written - read == fill; the mic ring
// never loses unread data to a write (overflow is counted instead).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "hush_driver/ioctl_protocol.h"
#include "hush_driver/ring.h"

namespace {

using hush::fuzz::Check;
using hush::fuzz::FuzzInput;

using namespace hush::driver;

void CheckRing(const FrameRing& ring) {
  const RingCounters c = ring.Counters();
  Check(c.written_bytes >= c.read_bytes);
  Check(c.written_bytes - c.read_bytes == ring.FillBytes());
  Check(ring.FillBytes() <= ring.CapacityBytes());
  Check(ring.FillBytes() % ring.FrameBytes() == 0);
}

constexpr uint32_t kCodes[] = {kIoctlHushGetInfo, kIoctlHushReadSpeaker, kIoctlHushWriteMic, kIoctlHushGetStats,
                               kIoctlHushWait};

// A valid audio packet for `format` with `frames` frames, to give the fuzzer a head
// start past the header checks (it mutates these).
std::vector<uint8_t> Packet(const HushFormat& format, uint32_t frames) {
  const HushAudioHeader h = HushMakeAudioHeader(format, frames, 0);
  std::vector<uint8_t> out(sizeof(h) + static_cast<size_t>(frames) * format.frame_bytes, 0x11);
  std::memcpy(out.data(), &h, sizeof(h));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t format_pick = in.U8();
  const HushFormat format = HushMakeFormat(format_pick & 1 ? 44100 : 48000, format_pick & 2 ? 2 : 1, format_pick & 4);
  Check(HushValidateFormat(format) == kHushOk);
  const uint32_t ring_bytes = RingBytesForMs(format.sample_rate_hz, format.frame_bytes, kRingMs);
  std::vector<uint8_t> speaker_storage(ring_bytes), mic_storage(ring_bytes);
  FrameRing speaker, mic;
  Check(speaker.Init(speaker_storage.data(), ring_bytes, format.frame_bytes));
  Check(mic.Init(mic_storage.data(), ring_bytes, format.frame_bytes));

  for (int op = 0; op < 48 && !in.Empty(); ++op) {
    const uint8_t pick = in.U8();
    if (pick < 40) {  // the audio engine's side: render fills the speaker ring, capture drains the mic ring
      const uint32_t frames = in.U32() % 2048;
      std::vector<uint8_t> block(static_cast<size_t>(frames) * format.frame_bytes, 0x22);
      const uint32_t wrote = speaker.Write(block.data(), static_cast<uint32_t>(block.size()));
      Check(wrote <= block.size() && wrote % format.frame_bytes == 0);
      const uint32_t got = mic.ReadOrSilence(block.data(), static_cast<uint32_t>(block.size()));
      Check(got <= block.size());
      CheckRing(speaker);
      CheckRing(mic);
      continue;
    }
    const uint32_t code = pick < 230 ? kCodes[pick % 5] : in.U32();
    // Input: sometimes a well-formed packet (mutated later by the fuzzer), else raw bytes.
    std::vector<uint8_t> input;
    if (code == kIoctlHushWriteMic && in.U8() < 128) {
      input = Packet(format, in.U32() % 1024);
      if (!input.empty() && in.U8() < 64) input[in.U8() % input.size()] ^= in.U8();
    } else {
      input = in.Take(in.U8() < 200 ? in.U8() : in.U32() % (kHushMaxInputBytes + 64));
    }
    const uint32_t in_len = static_cast<uint32_t>(input.size());
    const uint32_t out_len = in.U8() < 200 ? in.U32() % 8192 : in.U32() % (1u << 20);
    std::vector<uint8_t> output(out_len);
    const void* in_ptr = in_len ? input.data() : nullptr;

    if (code == kIoctlHushWriteMic) {
      HushWriteMicView view;
      if (HushValidateWriteMic(in_ptr, in_len, format, &view) != kHushOk ||
          HushValidateWriteMicOutput(out_len) != kHushOk) {
        continue;
      }
      Check(view.samples >= input.data() && view.samples + view.payload_bytes == input.data() + input.size());
      const RingCounters before = mic.Counters();
      const uint32_t wrote = mic.Write(view.samples, view.payload_bytes);
      const RingCounters after = mic.Counters();
      Check(after.written_bytes - before.written_bytes == wrote);
      Check(wrote + (after.overflow_bytes - before.overflow_bytes) == view.payload_bytes);  // nothing unaccounted
      if (out_len >= sizeof(HushWriteMicReply)) {
        HushWriteMicReply reply{};
        reply.struct_size = sizeof(reply);
        reply.version = kHushStructVersion;
        std::memcpy(output.data(), &reply, sizeof(reply));
      }
    } else if (code == kIoctlHushReadSpeaker) {
      HushReadSpeakerView view;
      if (HushValidateReadSpeaker(in_len, out_len, format, &view) != kHushOk) continue;
      Check(sizeof(HushAudioHeader) + static_cast<uint64_t>(view.max_payload_bytes) <= out_len);
      const uint32_t got = speaker.Read(output.data() + sizeof(HushAudioHeader), view.max_payload_bytes);
      Check(got <= view.max_payload_bytes && got % format.frame_bytes == 0);
      const HushAudioHeader h = HushMakeAudioHeader(format, got / format.frame_bytes, 0);
      std::memcpy(output.data(), &h, sizeof(h));
      // What the client then checks (backends/wasapi): the reply is one exact packet.
      HushAudioView reply;
      Check(HushValidateAudioPacket(output.data(), static_cast<uint32_t>(sizeof(h) + got), &reply) == kHushOk);
    } else if (code == kIoctlHushGetInfo || code == kIoctlHushGetStats) {
      const uint32_t reply_size = code == kIoctlHushGetInfo ? sizeof(HushInfo) : sizeof(HushStats);
      if (HushValidateQuery(in_len, out_len, reply_size) != kHushOk) continue;
      Check(out_len >= reply_size);
      if (code == kIoctlHushGetStats) {
        HushStats stats{};
        stats.struct_size = sizeof(stats);
        stats.version = kHushStructVersion;
        std::memcpy(output.data(), &stats, sizeof(stats));
        Check(HushValidateReply(output.data(), out_len, sizeof(HushStats)) == kHushOk);
      }
    } else if (code == kIoctlHushWait) {
      HushWaitView view;
      if (HushValidateWait(in_ptr, in_len, out_len, &view) != kHushOk) continue;
      Check(view.wait_mask != 0 && (view.wait_mask & ~static_cast<uint32_t>(kHushWaitAll)) == 0);
      Check(out_len >= sizeof(HushWaitReply));
    }
    CheckRing(speaker);
    CheckRing(mic);
  }
  return 0;
}
