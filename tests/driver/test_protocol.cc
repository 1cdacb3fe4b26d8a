// SPDX-License-Identifier: MIT
// The back door's validation functions (hush_driver/ioctl_protocol.h): every error path
// and the happy paths, on buffers built the way a client (or an attacker) would.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "hush_driver/ioctl_protocol.h"

namespace hush::driver {
namespace {

const HushFormat kStereoFloat48 = HushMakeFormat(48000, 2, true);
const HushFormat kMonoPcm44 = HushMakeFormat(44100, 1, false);

// A packet: header + frame_count frames of `format`, plus `extra` trailing bytes.
std::vector<uint8_t> Packet(const HushFormat& format, uint32_t frame_count, int extra = 0) {
  const HushAudioHeader h = HushMakeAudioHeader(format, frame_count, 77);
  std::vector<uint8_t> buf(sizeof(h) + static_cast<size_t>(frame_count) * format.frame_bytes + extra);
  std::memcpy(buf.data(), &h, sizeof(h));
  for (size_t i = sizeof(h); i < buf.size(); ++i) buf[i] = static_cast<uint8_t>(i);
  return buf;
}
HushAudioHeader* Header(std::vector<uint8_t>& buf) { return reinterpret_cast<HushAudioHeader*>(buf.data()); }
uint32_t Len(const std::vector<uint8_t>& buf) { return static_cast<uint32_t>(buf.size()); }

TEST(Protocol, IoctlCodesFollowTheCtlCodeFormulaAndAreDistinct) {
  // CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS), worked by hand.
  EXPECT_EQ(kIoctlHushGetInfo, 0x00226000u);
  EXPECT_EQ(kIoctlHushWriteMic, 0x0022A008u);  // FILE_WRITE_ACCESS: bit 15
  const std::set<uint32_t> codes{kIoctlHushGetInfo, kIoctlHushReadSpeaker, kIoctlHushWriteMic, kIoctlHushGetStats,
                                 kIoctlHushWait};
  EXPECT_EQ(codes.size(), 5u);
  for (uint32_t code : codes) {
    EXPECT_EQ(code & 3u, kHushMethodBuffered) << std::hex << code;
    EXPECT_EQ(code >> 16, kHushFileDeviceUnknown) << std::hex << code;
    EXPECT_GE((code >> 2) & 0xFFFu, 0x800u) << "vendor function range";
  }
}

TEST(Protocol, NamesAndSddl) {
  EXPECT_EQ(std::wstring(kHushControlUserPath), L"\\\\.\\HushControl");
  EXPECT_EQ(std::string(kHushControlUserPathA), "\\\\.\\HushControl");
  EXPECT_EQ(std::wstring(kHushControlDeviceName), L"\\Device\\HushControl");
  EXPECT_EQ(std::wstring(kHushControlSymbolicLink), L"\\DosDevices\\HushControl");
  const std::wstring sddl = kHushControlSddl;
  EXPECT_EQ(sddl.rfind(L"D:P", 0), 0u) << "a protected DACL";
  EXPECT_NE(sddl.find(L";;;SY)"), std::wstring::npos);
  EXPECT_NE(sddl.find(L";;;BA)"), std::wstring::npos);
  // The service SID of "Hush": S-1-5-80 + SHA-1("HUSH" as UTF-16LE) as five words.
  EXPECT_NE(sddl.find(L";;;S-1-5-80-912699616-764370377-1678543060-3460021998-3062607667)"), std::wstring::npos);
  EXPECT_EQ(sddl.find(L";;;WD)"), std::wstring::npos) << "Everyone must not be admitted";
}

TEST(Protocol, FormatsAdvertisedAreExactlyTheValidOnes) {
  for (uint32_t rate : {44100u, 48000u}) {
    for (uint16_t channels : {1, 2}) {
      for (bool is_float : {false, true}) {
        const HushFormat f = HushMakeFormat(rate, channels, is_float);
        EXPECT_EQ(HushValidateFormat(f), kHushOk) << rate << " " << channels << " " << is_float;
        EXPECT_EQ(f.frame_bytes, channels * (is_float ? 4 : 2));
      }
    }
  }
  HushFormat f = kStereoFloat48;
  f.sample_rate_hz = 96000;
  EXPECT_EQ(HushValidateFormat(f), kHushErrUnsupportedFormat);
  f = kStereoFloat48;
  f.channels = 3;
  EXPECT_EQ(HushValidateFormat(f), kHushErrUnsupportedFormat);
  f = kStereoFloat48;
  f.bits_per_sample = 16;  // float16 is not advertised
  EXPECT_EQ(HushValidateFormat(f), kHushErrUnsupportedFormat);
  f = kMonoPcm44;
  f.sample_type = 2;
  EXPECT_EQ(HushValidateFormat(f), kHushErrUnsupportedFormat);
  f = kStereoFloat48;
  f.frame_bytes = 4;
  EXPECT_EQ(HushValidateFormat(f), kHushErrBadFrameBytes);
  EXPECT_TRUE(HushFormatEqual(kStereoFloat48, HushMakeFormat(48000, 2, true)));
  EXPECT_FALSE(HushFormatEqual(kStereoFloat48, HushMakeFormat(44100, 2, true)));
}

TEST(Protocol, WriteMicHappyPath) {
  std::vector<uint8_t> buf = Packet(kStereoFloat48, 480);
  HushWriteMicView view{};
  ASSERT_EQ(HushValidateWriteMic(buf.data(), Len(buf), kStereoFloat48, &view), kHushOk);
  EXPECT_EQ(view.frame_count, 480u);
  EXPECT_EQ(view.payload_bytes, 480u * 8);
  EXPECT_EQ(view.position_frames, 77u);
  EXPECT_EQ(view.samples, buf.data() + sizeof(HushAudioHeader));
  EXPECT_TRUE(HushFormatEqual(view.format, kStereoFloat48));
  // Zero frames is a valid (empty) write; so is the largest transfer.
  buf = Packet(kMonoPcm44, 0);
  EXPECT_EQ(HushValidateWriteMic(buf.data(), Len(buf), kMonoPcm44, &view), kHushOk);
  EXPECT_EQ(view.payload_bytes, 0u);
  buf = Packet(kStereoFloat48, kHushMaxTransferFrames);
  EXPECT_EQ(Len(buf), kHushMaxInputBytes);
  EXPECT_EQ(HushValidateWriteMic(buf.data(), Len(buf), kStereoFloat48, &view), kHushOk);
}

TEST(Protocol, WriteMicRejectsEveryMalformedPacket) {
  HushWriteMicView view{};
  std::vector<uint8_t> good = Packet(kStereoFloat48, 10);
  EXPECT_EQ(HushValidateWriteMic(nullptr, 0, kStereoFloat48, &view), kHushErrNullBuffer);
  EXPECT_EQ(HushValidateWriteMic(good.data(), Len(good), kStereoFloat48, nullptr), kHushErrNullBuffer);
  // Short buffers: every length below the header.
  for (uint32_t len = 0; len < sizeof(HushAudioHeader); ++len) {
    EXPECT_EQ(HushValidateWriteMic(good.data(), len, kStereoFloat48, &view), kHushErrInputTooSmall) << len;
  }
  std::vector<uint8_t> b = good;
  Header(b)->struct_size = sizeof(HushAudioHeader) + 8;
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrBadStructSize);
  b = good;
  Header(b)->struct_size = 0;
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrBadStructSize);
  b = good;
  Header(b)->version = 2;
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrBadVersion);
  b = good;
  Header(b)->format.sample_rate_hz = 8000;
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrUnsupportedFormat);
  b = good;
  Header(b)->format.frame_bytes = 2;  // claims 2-byte frames: would let 4x the frames in
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrBadFrameBytes);
  // A valid format that is not the endpoint's.
  b = Packet(HushMakeFormat(44100, 2, true), 10);
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrFormatMismatch);
  // frame_count vs payload: one byte more, one byte less, one frame more.
  b = Packet(kStereoFloat48, 10, 1);
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrLengthMismatch);
  b = Packet(kStereoFloat48, 10, -1);
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrLengthMismatch);
  b = good;
  Header(b)->frame_count = 11;
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrLengthMismatch);
  // A frame count whose byte size overflows 32 bits must not wrap into a "match".
  b = good;
  Header(b)->frame_count = 0x20000001u;  // x 8 = 2^32 + 8: wraps to 8 in 32-bit math
  std::vector<uint8_t> wrap(sizeof(HushAudioHeader) + 8);
  std::memcpy(wrap.data(), b.data(), sizeof(HushAudioHeader));
  EXPECT_EQ(HushValidateWriteMic(wrap.data(), Len(wrap), kStereoFloat48, &view), kHushErrTooManyFrames);
  b = Packet(kStereoFloat48, kHushMaxTransferFrames + 1);
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kStereoFloat48, &view), kHushErrInputTooLarge);
  b = Packet(kMonoPcm44, kHushMaxTransferFrames + 1);  // small frames: fits the byte cap
  ASSERT_LE(Len(b), kHushMaxInputBytes);
  EXPECT_EQ(HushValidateWriteMic(b.data(), Len(b), kMonoPcm44, &view), kHushErrTooManyFrames);
  EXPECT_EQ(HushValidateWriteMic(good.data(), 0xFFFFFFFFu, kStereoFloat48, &view), kHushErrInputTooLarge);
}

TEST(Protocol, ValidationDoesNotRequireAnAlignedBuffer) {
  std::vector<uint8_t> good = Packet(kStereoFloat48, 3);
  std::vector<uint8_t> shifted(good.size() + 1);
  std::memcpy(shifted.data() + 1, good.data(), good.size());
  HushWriteMicView view{};
  EXPECT_EQ(HushValidateWriteMic(shifted.data() + 1, Len(good), kStereoFloat48, &view), kHushOk);
  EXPECT_EQ(view.frame_count, 3u);
}

TEST(Protocol, WriteMicOutput) {
  EXPECT_EQ(HushValidateWriteMicOutput(0), kHushOk);
  EXPECT_EQ(HushValidateWriteMicOutput(sizeof(HushWriteMicReply)), kHushOk);
  EXPECT_EQ(HushValidateWriteMicOutput(sizeof(HushWriteMicReply) - 1), kHushErrOutputTooSmall);
  EXPECT_EQ(HushValidateWriteMicOutput(1), kHushErrOutputTooSmall);
}

TEST(Protocol, ReadSpeaker) {
  HushReadSpeakerView view{};
  const uint32_t header = sizeof(HushAudioHeader);
  ASSERT_EQ(HushValidateReadSpeaker(0, header + 100 * 8 + 7, kStereoFloat48, &view), kHushOk);
  EXPECT_EQ(view.max_frames, 100u) << "a trailing partial frame is not offered";
  EXPECT_EQ(view.max_payload_bytes, 800u);
  ASSERT_EQ(HushValidateReadSpeaker(0, header, kMonoPcm44, &view), kHushOk);
  EXPECT_EQ(view.max_frames, 0u);
  ASSERT_EQ(HushValidateReadSpeaker(0, 0xFFFFFFFFu, kMonoPcm44, &view), kHushOk);
  EXPECT_EQ(view.max_frames, kHushMaxTransferFrames) << "capped, not an error";
  EXPECT_EQ(HushValidateReadSpeaker(0, header - 1, kMonoPcm44, &view), kHushErrOutputTooSmall);
  EXPECT_EQ(HushValidateReadSpeaker(4, header + 8, kMonoPcm44, &view), kHushErrUnexpectedInput);
  EXPECT_EQ(HushValidateReadSpeaker(0, header + 8, kMonoPcm44, nullptr), kHushErrNullBuffer);
  HushFormat broken = kMonoPcm44;
  broken.frame_bytes = 0;  // would divide by zero
  EXPECT_EQ(HushValidateReadSpeaker(0, header + 8, broken, &view), kHushErrBadFrameBytes);
}

TEST(Protocol, ClientChecksTheReadReplyWithTheSamePacketRules) {
  std::vector<uint8_t> reply = Packet(kMonoPcm44, 44);
  HushAudioView view{};
  ASSERT_EQ(HushValidateAudioPacket(reply.data(), Len(reply), &view), kHushOk);
  EXPECT_EQ(view.frame_count, 44u);
  // A driver claiming more frames than it returned.
  EXPECT_EQ(HushValidateAudioPacket(reply.data(), Len(reply) - 2, &view), kHushErrLengthMismatch);
  EXPECT_EQ(HushValidateAudioPacket(nullptr, Len(reply), &view), kHushErrNullBuffer);
}

TEST(Protocol, QueriesTakeNoInputAndNeedTheWholeReply) {
  EXPECT_EQ(HushValidateQuery(0, sizeof(HushInfo), sizeof(HushInfo)), kHushOk);
  EXPECT_EQ(HushValidateQuery(0, sizeof(HushInfo) + 10, sizeof(HushInfo)), kHushOk);
  EXPECT_EQ(HushValidateQuery(0, sizeof(HushInfo) - 1, sizeof(HushInfo)), kHushErrOutputTooSmall);
  EXPECT_EQ(HushValidateQuery(1, sizeof(HushStats), sizeof(HushStats)), kHushErrUnexpectedInput);
  EXPECT_EQ(HushValidateQuery(0, 0, sizeof(HushStats)), kHushErrOutputTooSmall);
}

TEST(Protocol, Wait) {
  HushWaitRequest r = HushMakeWaitRequest(kHushWaitSpeakerData);
  HushWaitView view{};
  const uint32_t n = sizeof(r), out = sizeof(HushWaitReply);
  ASSERT_EQ(HushValidateWait(&r, n, out, &view), kHushOk);
  EXPECT_EQ(view.wait_mask, static_cast<uint32_t>(kHushWaitSpeakerData));
  r = HushMakeWaitRequest(kHushWaitAll);
  EXPECT_EQ(HushValidateWait(&r, n, out, &view), kHushOk);
  EXPECT_EQ(HushValidateWait(nullptr, n, out, &view), kHushErrNullBuffer);
  EXPECT_EQ(HushValidateWait(&r, n, out, nullptr), kHushErrNullBuffer);
  EXPECT_EQ(HushValidateWait(&r, n - 1, out, &view), kHushErrInputTooSmall);
  std::vector<uint8_t> longer(n + 4);
  std::memcpy(longer.data(), &r, n);
  EXPECT_EQ(HushValidateWait(longer.data(), n + 4, out, &view), kHushErrBadStructSize);
  EXPECT_EQ(HushValidateWait(longer.data(), kHushMaxInputBytes + 1, out, &view), kHushErrInputTooLarge);
  HushWaitRequest bad = r;
  bad.struct_size = 12;
  EXPECT_EQ(HushValidateWait(&bad, n, out, &view), kHushErrBadStructSize);
  bad = r;
  bad.version = 0;
  EXPECT_EQ(HushValidateWait(&bad, n, out, &view), kHushErrBadVersion);
  bad = r;
  bad.reserved = 1;
  EXPECT_EQ(HushValidateWait(&bad, n, out, &view), kHushErrReservedNotZero);
  bad = r;
  bad.wait_mask = 0;
  EXPECT_EQ(HushValidateWait(&bad, n, out, &view), kHushErrBadWaitMask);
  bad.wait_mask = 4;
  EXPECT_EQ(HushValidateWait(&bad, n, out, &view), kHushErrBadWaitMask);
  EXPECT_EQ(HushValidateWait(&r, n, out - 1, &view), kHushErrOutputTooSmall);
}

TEST(Protocol, ClientChecksFixedReplies) {
  HushInfo info{};
  info.struct_size = sizeof(info);
  info.version = kHushStructVersion;
  EXPECT_EQ(HushValidateReply(&info, sizeof(info), sizeof(info)), kHushOk);
  EXPECT_EQ(HushValidateReply(&info, sizeof(info) - 1, sizeof(info)), kHushErrInputTooSmall);
  EXPECT_EQ(HushValidateReply(nullptr, sizeof(info), sizeof(info)), kHushErrNullBuffer);
  info.struct_size = sizeof(HushStats);
  EXPECT_EQ(HushValidateReply(&info, sizeof(info), sizeof(info)), kHushErrBadStructSize);
  info.struct_size = sizeof(info);
  info.version = 9;
  EXPECT_EQ(HushValidateReply(&info, sizeof(info), sizeof(info)), kHushErrBadVersion);
}

TEST(Protocol, EveryStatusHasItsOwnString) {
  std::set<std::string> seen;
  for (int32_t s = 0; s >= -14; --s) {
    const std::string text = HushStatusString(static_cast<HushStatus>(s));
    EXPECT_NE(text, "unknown status") << s;
    EXPECT_TRUE(seen.insert(text).second) << "duplicate text for " << s;
  }
  EXPECT_STREQ(HushStatusString(static_cast<HushStatus>(-15)), "unknown status");
  EXPECT_STREQ(HushStatusString(static_cast<HushStatus>(1)), "unknown status");
}

TEST(Protocol, StatsFromARing) {
  uint8_t storage[64];
  FrameRing ring;
  ASSERT_TRUE(ring.Init(storage, sizeof(storage), 8));
  uint8_t data[80] = {};
  ring.Write(data, 80);  // 16 bytes overflow
  uint8_t out[24];
  ring.ReadOrSilence(out, 24);
  const HushDirectionStats s = HushMakeDirectionStats(ring, 5);
  EXPECT_EQ(s.bytes_written, 64u);
  EXPECT_EQ(s.bytes_read, 24u);
  EXPECT_EQ(s.overflow_bytes, 16u);
  EXPECT_EQ(s.overflow_events, 1u);
  EXPECT_EQ(s.underflow_events, 0u);
  EXPECT_EQ(s.fill_bytes, 40u);
  EXPECT_EQ(s.capacity_bytes, 64u);
  EXPECT_EQ(s.wakes, 5u);
}

}  // namespace
}  // namespace hush::driver
