// SPDX-License-Identifier: MIT
// The back door's protocol: how the user-mode engine (hush.exe) and the Hush virtual
// audio driver talk through the control device. One header for both sides, kernel-safe
// (fixed-width types, no STL, no allocation, no OS calls), compiled on Linux for tests.
//
// Shape
//  - A control device \Device\HushControl, linked as \DosDevices\HushControl, opened
//    from user mode as \\.\HushControl. The driver admits one opener at a time and
//    secures the device with kHushControlSddl (SYSTEM, Administrators, the Hush service).
//  - Five IOCTLs, all METHOD_BUFFERED (the I/O manager copies, so the driver never
//    touches user addresses); see the table in docs/windows/ring-and-simulator.md.
//  - Every struct starts with struct_size and version, has fixed-width fields, no
//    implicit padding, and the same layout on x86_64 gcc, mingw-w64 and MSVC (checked by
//    the static_asserts below).
//  - Audio travels as a HushAudioHeader followed directly by frame_count whole frames of
//    interleaved samples in the header's format.
//
// Validation: the Hush*Validate* functions are pure (no OS calls, no globals), check every
// length before anything is copied, and return a precise HushStatus. The driver calls
// them on every IOCTL before touching a ring; the client calls HushValidateAudioPacket on
// every reply (it does not trust the driver either); the fuzzer drives them directly.
// METHOD_BUFFERED note for the driver: input and output share one system buffer, so
// finish reading the input (the view points into it) before writing any output.
//
// Threads: everything here is stateless and callable from any thread at any IRQL.
#ifndef HUSH_DRIVER_IOCTL_PROTOCOL_H
#define HUSH_DRIVER_IOCTL_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "hush_driver/ring.h"

namespace hush::driver {

// ---- Names ----
// wchar_t is UTF-16 on Windows (what UNICODE_STRING and CreateFileW take); on Linux the
// constants exist only so this header compiles and is tested.
inline constexpr wchar_t kHushControlDeviceName[] = L"\\Device\\HushControl";      // IoCreateDevice
inline constexpr wchar_t kHushControlSymbolicLink[] = L"\\DosDevices\\HushControl";  // IoCreateSymbolicLink
inline constexpr wchar_t kHushControlUserPath[] = L"\\\\.\\HushControl";           // CreateFileW
inline constexpr char kHushControlUserPathA[] = "\\\\.\\HushControl";              // CreateFileA
// The user-mode service's name; its service SID (S-1-5-80-<SHA-1 of the upper-case
// UTF-16LE name>, computed for "HUSH") is the third entry of the SDDL.
inline constexpr wchar_t kHushServiceName[] = L"Hush";
// Protected DACL: generic all to SYSTEM, built-in Administrators and NT SERVICE\Hush;
// nobody else may open the control device.
inline constexpr wchar_t kHushControlSddl[] =
    L"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;S-1-5-80-912699616-764370377-1678543060-3460021998-3062607667)";

// ---- Versions ----
// The protocol as a whole; bumped on any incompatible change. HushInfo reports it and the
// client refuses a driver whose major part differs.
inline constexpr uint32_t kHushProtocolVersion = 0x00010000u;  // 1.0 (major << 16 | minor)
// Every struct's `version` field in this protocol revision.
inline constexpr uint32_t kHushStructVersion = 1;

// ---- IOCTL codes (the CTL_CODE formula, defined here so Linux hosts need no DDK) ----
inline constexpr uint32_t kHushFileDeviceUnknown = 0x00000022u;  // FILE_DEVICE_UNKNOWN
inline constexpr uint32_t kHushMethodBuffered = 0;               // METHOD_BUFFERED
inline constexpr uint32_t kHushFileReadAccess = 0x0001u;         // FILE_READ_ACCESS
inline constexpr uint32_t kHushFileWriteAccess = 0x0002u;        // FILE_WRITE_ACCESS
constexpr uint32_t HushCtlCode(uint32_t device_type, uint32_t function, uint32_t method, uint32_t access) {
  return (device_type << 16) | (access << 14) | (function << 2) | method;
}
// Functions 0x800 and above are for vendors.
inline constexpr uint32_t kIoctlHushGetInfo =
    HushCtlCode(kHushFileDeviceUnknown, 0x800, kHushMethodBuffered, kHushFileReadAccess);
inline constexpr uint32_t kIoctlHushReadSpeaker =
    HushCtlCode(kHushFileDeviceUnknown, 0x801, kHushMethodBuffered, kHushFileReadAccess);
inline constexpr uint32_t kIoctlHushWriteMic =
    HushCtlCode(kHushFileDeviceUnknown, 0x802, kHushMethodBuffered, kHushFileWriteAccess);
inline constexpr uint32_t kIoctlHushGetStats =
    HushCtlCode(kHushFileDeviceUnknown, 0x803, kHushMethodBuffered, kHushFileReadAccess);
inline constexpr uint32_t kIoctlHushWait =
    HushCtlCode(kHushFileDeviceUnknown, 0x804, kHushMethodBuffered, kHushFileReadAccess);
#ifdef CTL_CODE
static_assert(kIoctlHushGetInfo == CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS),
              "HushCtlCode must match the DDK's CTL_CODE");
static_assert(kIoctlHushWriteMic == CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_WRITE_ACCESS),
              "HushCtlCode must match the DDK's CTL_CODE");
#endif

// ---- Caps ----
// The largest audio transfer: 65536 frames (1.36 s at 48 kHz), far more than a 40 ms
// ring holds; anything larger is a bug or an attack.
inline constexpr uint32_t kHushMaxTransferFrames = 65536;
// The largest input buffer any IOCTL accepts: one full transfer of the largest frame.
inline constexpr uint32_t kHushMaxFrameBytes = 8;  // 2 channels x 32-bit float
inline constexpr uint32_t kHushMaxInputBytes = 32 + kHushMaxTransferFrames * kHushMaxFrameBytes;

// ---- Status ----
enum HushStatus : int32_t {
  kHushOk = 0,
  kHushErrNullBuffer = -1,         // a non-empty buffer was expected, the pointer is null
  kHushErrInputTooSmall = -2,      // the input does not hold the request's header/struct
  kHushErrOutputTooSmall = -3,     // the output cannot hold the reply
  kHushErrBadStructSize = -4,      // struct_size differs from this version's sizeof
  kHushErrBadVersion = -5,         // version differs from kHushStructVersion
  kHushErrUnsupportedFormat = -6,  // rate/channels/bits/type not one Hush advertises
  kHushErrBadFrameBytes = -7,      // frame_bytes != channels x bits / 8
  kHushErrFormatMismatch = -8,     // the packet's format is not the endpoint's current one
  kHushErrTooManyFrames = -9,      // frame_count > kHushMaxTransferFrames
  kHushErrLengthMismatch = -10,    // payload bytes != frame_count x frame_bytes
  kHushErrInputTooLarge = -11,     // input longer than kHushMaxInputBytes
  kHushErrUnexpectedInput = -12,   // an IOCTL that takes no input got some
  kHushErrReservedNotZero = -13,   // a reserved field or flag bit is set
  kHushErrBadWaitMask = -14,       // wait mask empty or with unknown bits
};

// A static, never-null English description ("ok", "input too small", ...).
constexpr const char* HushStatusString(HushStatus status) {
  switch (status) {
    case kHushOk: return "ok";
    case kHushErrNullBuffer: return "null buffer";
    case kHushErrInputTooSmall: return "input buffer too small for the request";
    case kHushErrOutputTooSmall: return "output buffer too small for the reply";
    case kHushErrBadStructSize: return "struct_size does not match this protocol version";
    case kHushErrBadVersion: return "unsupported struct version";
    case kHushErrUnsupportedFormat: return "unsupported audio format";
    case kHushErrBadFrameBytes: return "frame_bytes does not match channels and bits";
    case kHushErrFormatMismatch: return "audio format differs from the endpoint's current format";
    case kHushErrTooManyFrames: return "frame count above the maximum transfer";
    case kHushErrLengthMismatch: return "payload length is not frame_count whole frames";
    case kHushErrInputTooLarge: return "input buffer above the maximum size";
    case kHushErrUnexpectedInput: return "this request takes no input buffer";
    case kHushErrReservedNotZero: return "reserved field or flag is not zero";
    case kHushErrBadWaitMask: return "wait mask is empty or has unknown bits";
  }
  return "unknown status";
}

#pragma pack(push, 8)

// ---- Formats ----
// Sample types, equal to the WAVE_FORMAT_* tags of the WAVEFORMATEXTENSIBLE subtypes
// (KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT) so the driver can map them one to one.
enum HushSampleType : uint16_t {
  kHushSamplePcm = 1,    // signed integer PCM (16-bit in Hush)
  kHushSampleFloat = 3,  // IEEE float (32-bit in Hush)
};

struct HushFormat {
  uint32_t sample_rate_hz;   // 44100 or 48000
  uint16_t channels;         // 1 or 2, interleaved
  uint16_t bits_per_sample;  // 16 (PCM) or 32 (float)
  uint16_t sample_type;      // HushSampleType
  uint16_t frame_bytes;      // channels x bits_per_sample / 8 (nBlockAlign)
};
static_assert(sizeof(HushFormat) == 12, "HushFormat layout");
static_assert(offsetof(HushFormat, sample_type) == 8, "HushFormat layout");

// One of the advertised formats; frame_bytes filled in. Pure.
constexpr HushFormat HushMakeFormat(uint32_t sample_rate_hz, uint16_t channels, bool is_float) {
  HushFormat f{};
  f.sample_rate_hz = sample_rate_hz;
  f.channels = channels;
  f.bits_per_sample = is_float ? 32 : 16;
  f.sample_type = is_float ? kHushSampleFloat : kHushSamplePcm;
  f.frame_bytes = static_cast<uint16_t>(channels * (is_float ? 4 : 2));
  return f;
}

constexpr bool HushFormatEqual(const HushFormat& a, const HushFormat& b) {
  return a.sample_rate_hz == b.sample_rate_hz && a.channels == b.channels &&
         a.bits_per_sample == b.bits_per_sample && a.sample_type == b.sample_type && a.frame_bytes == b.frame_bytes;
}

// kHushOk for exactly the formats the endpoints advertise: 44.1/48 kHz, mono/stereo,
// PCM16 or float32, with a consistent frame_bytes.
constexpr HushStatus HushValidateFormat(const HushFormat& f) {
  if (f.sample_rate_hz != 44100 && f.sample_rate_hz != 48000) return kHushErrUnsupportedFormat;
  if (f.channels != 1 && f.channels != 2) return kHushErrUnsupportedFormat;
  const bool pcm16 = f.sample_type == kHushSamplePcm && f.bits_per_sample == 16;
  const bool float32 = f.sample_type == kHushSampleFloat && f.bits_per_sample == 32;
  if (!pcm16 && !float32) return kHushErrUnsupportedFormat;
  if (f.frame_bytes != f.channels * (f.bits_per_sample / 8)) return kHushErrBadFrameBytes;
  return kHushOk;
}

// ---- Audio packets (IOCTL_HUSH_READ_SPEAKER's output, IOCTL_HUSH_WRITE_MIC's input) ----
struct HushAudioHeader {
  uint32_t struct_size;      // sizeof(HushAudioHeader)
  uint32_t version;          // kHushStructVersion
  HushFormat format;         // the samples' format
  uint32_t frame_count;      // whole frames following the header
  uint64_t position_frames;  // read: ring position of the first frame (gaps show drops);
                             // write: the client's own running count (informational)
};
static_assert(sizeof(HushAudioHeader) == 32, "HushAudioHeader layout");
static_assert(offsetof(HushAudioHeader, format) == 8, "HushAudioHeader layout");
static_assert(offsetof(HushAudioHeader, frame_count) == 20, "HushAudioHeader layout");
static_assert(offsetof(HushAudioHeader, position_frames) == 24, "HushAudioHeader layout");
static_assert(kHushMaxInputBytes == sizeof(HushAudioHeader) + kHushMaxTransferFrames * kHushMaxFrameBytes,
              "the input cap is one maximal packet");

// The reply to IOCTL_HUSH_WRITE_MIC.
struct HushWriteMicReply {
  uint32_t struct_size;     // sizeof(HushWriteMicReply)
  uint32_t version;         // kHushStructVersion
  uint32_t frames_written;  // accepted into the mic ring
  uint32_t frames_dropped;  // did not fit (counted as mic-ring overflow)
  uint32_t free_bytes;      // mic-ring space left after the write
  uint32_t reserved;        // 0
};
static_assert(sizeof(HushWriteMicReply) == 24, "HushWriteMicReply layout");

// ---- IOCTL_HUSH_GET_INFO ----
// Endpoint states, as KSSTATE.
enum HushStreamState : uint32_t { kHushStateStop = 0, kHushStateAcquire = 1, kHushStatePause = 2, kHushStateRun = 3 };

struct HushEndpointInfo {
  HushFormat format;           // the current stream's format (the default one when none)
  uint32_t ring_bytes;         // this direction's ring capacity
  uint32_t format_generation;  // incremented whenever the format changes
  uint32_t state;              // HushStreamState of the endpoint's stream
  uint32_t reserved;           // 0
};
static_assert(sizeof(HushEndpointInfo) == 28, "HushEndpointInfo layout");

struct HushInfo {
  uint32_t struct_size;       // sizeof(HushInfo)
  uint32_t version;           // kHushStructVersion
  uint32_t protocol_version;  // kHushProtocolVersion of the driver
  uint32_t driver_version;    // major << 16 | minor
  HushEndpointInfo speaker;   // render endpoint ("Hush speaker"): the driver fills, we read
  HushEndpointInfo mic;       // capture endpoint ("Hush microphone"): we write, it drains
};
static_assert(sizeof(HushInfo) == 72, "HushInfo layout");
static_assert(offsetof(HushInfo, speaker) == 16 && offsetof(HushInfo, mic) == 44, "HushInfo layout");

// ---- IOCTL_HUSH_GET_STATS ----
struct HushDirectionStats {
  uint64_t bytes_written;     // ring totals (RingCounters)
  uint64_t bytes_read;
  uint64_t overflow_bytes;
  uint64_t overflow_events;
  uint64_t underflow_bytes;
  uint64_t underflow_events;
  uint64_t wakes;             // wait requests completed because of this direction
  uint32_t fill_bytes;        // unread bytes now
  uint32_t capacity_bytes;
};
static_assert(sizeof(HushDirectionStats) == 64, "HushDirectionStats layout");

struct HushStats {
  uint32_t struct_size;  // sizeof(HushStats)
  uint32_t version;      // kHushStructVersion
  HushDirectionStats speaker;
  HushDirectionStats mic;
};
static_assert(sizeof(HushStats) == 136, "HushStats layout");
static_assert(offsetof(HushStats, speaker) == 8 && offsetof(HushStats, mic) == 72, "HushStats layout");

// ---- IOCTL_HUSH_WAIT ----
// Design: a pended IRP (the "inverted call"), not an event handle the driver signals.
//  - No user handle enters the kernel: no ObReferenceObjectByHandle, no access-mode or
//    object-type pitfalls, no event pointer to outlive its process.
//  - The wait dies with its handle: IRP_MJ_CLEANUP and cancellation complete it, so a
//    crashed engine leaves nothing behind.
//  - It is still waitable together with WASAPI's events: the client issues the IOCTL
//    overlapped and waits on OVERLAPPED.hEvent in the same WaitForMultipleObjects.
// The driver completes the request at once when a condition already holds, else queues
// it (cancel-safe) and completes it from the position update that crosses the threshold
// (speaker ring at least half full, or mic ring at least half free). The client bounds
// its wait with its own timeout and CancelIoEx.
enum HushWaitMask : uint32_t {
  kHushWaitSpeakerData = 1u << 0,  // speaker ring >= half full
  kHushWaitMicSpace = 1u << 1,     // mic ring >= half free
  kHushWaitAll = kHushWaitSpeakerData | kHushWaitMicSpace,
};

struct HushWaitRequest {
  uint32_t struct_size;  // sizeof(HushWaitRequest)
  uint32_t version;      // kHushStructVersion
  uint32_t wait_mask;    // HushWaitMask bits, at least one
  uint32_t reserved;     // 0
};
static_assert(sizeof(HushWaitRequest) == 16, "HushWaitRequest layout");

struct HushWaitReply {
  uint32_t struct_size;         // sizeof(HushWaitReply)
  uint32_t version;             // kHushStructVersion
  uint32_t ready_mask;          // which conditions held at completion
  uint32_t speaker_fill_bytes;  // speaker ring fill at completion
  uint32_t mic_free_bytes;      // mic ring space at completion
  uint32_t reserved;            // 0
};
static_assert(sizeof(HushWaitReply) == 24, "HushWaitReply layout");

#pragma pack(pop)

// ---- Validation (pure) ----

// Views: what a validated buffer contains. Pointers point into the caller's buffer.
struct HushAudioView {
  HushFormat format;
  uint32_t frame_count;
  uint32_t payload_bytes;  // frame_count x format.frame_bytes
  uint64_t position_frames;
  const uint8_t* samples;  // payload_bytes bytes, right after the header
};
using HushWriteMicView = HushAudioView;

struct HushReadSpeakerView {
  uint32_t max_frames;         // whole frames that fit in the output after the header
  uint32_t max_payload_bytes;  // max_frames x frame_bytes
};

struct HushWaitView {
  uint32_t wait_mask;
};

// The common header check. kHushOk when `len` bytes at `buf` are exactly one audio
// packet: header fits, struct_size/version right, format supported, frame_count within
// the cap, and len == header + frame_count x frame_bytes (64-bit math). Fills *out only
// on kHushOk. The client uses it on READ_SPEAKER replies; the driver through
// HushValidateWriteMic.
inline HushStatus HushValidateAudioPacket(const void* buf, uint32_t len, HushAudioView* out) {
  if (buf == nullptr || out == nullptr) return kHushErrNullBuffer;
  if (len > kHushMaxInputBytes) return kHushErrInputTooLarge;
  if (len < sizeof(HushAudioHeader)) return kHushErrInputTooSmall;
  HushAudioHeader h;
  CopyBytes(&h, buf, sizeof(h));  // the buffer need not be aligned
  if (h.struct_size != sizeof(HushAudioHeader)) return kHushErrBadStructSize;
  if (h.version != kHushStructVersion) return kHushErrBadVersion;
  const HushStatus format_status = HushValidateFormat(h.format);
  if (format_status != kHushOk) return format_status;
  if (h.frame_count > kHushMaxTransferFrames) return kHushErrTooManyFrames;
  const uint64_t payload = static_cast<uint64_t>(h.frame_count) * h.format.frame_bytes;
  if (payload != static_cast<uint64_t>(len) - sizeof(HushAudioHeader)) return kHushErrLengthMismatch;
  out->format = h.format;
  out->frame_count = h.frame_count;
  out->payload_bytes = static_cast<uint32_t>(payload);
  out->position_frames = h.position_frames;
  out->samples = static_cast<const uint8_t*>(buf) + sizeof(HushAudioHeader);
  return kHushOk;
}

// IOCTL_HUSH_WRITE_MIC's input: one audio packet whose format equals `expected` (the mic
// endpoint's current format; pass it as read under the stream's lock).
inline HushStatus HushValidateWriteMic(const void* in, uint32_t in_len, const HushFormat& expected,
                                       HushWriteMicView* out) {
  HushAudioView view;
  const HushStatus status = HushValidateAudioPacket(in, in_len, &view);
  if (status != kHushOk) return status;
  if (!HushFormatEqual(view.format, expected)) return kHushErrFormatMismatch;
  if (out == nullptr) return kHushErrNullBuffer;
  *out = view;
  return kHushOk;
}

// IOCTL_HUSH_WRITE_MIC's output: empty (no reply wanted) or room for a HushWriteMicReply.
constexpr HushStatus HushValidateWriteMicOutput(uint32_t out_len) {
  return out_len == 0 || out_len >= sizeof(HushWriteMicReply) ? kHushOk : kHushErrOutputTooSmall;
}

// IOCTL_HUSH_READ_SPEAKER: no input; the output must hold the header (zero frames is a
// valid reply); max_frames is what else fits, capped at kHushMaxTransferFrames.
// `current` is the speaker endpoint's current format.
inline HushStatus HushValidateReadSpeaker(uint32_t in_len, uint32_t out_len, const HushFormat& current,
                                          HushReadSpeakerView* out) {
  if (out == nullptr) return kHushErrNullBuffer;
  if (in_len != 0) return kHushErrUnexpectedInput;
  const HushStatus format_status = HushValidateFormat(current);
  if (format_status != kHushOk) return format_status;
  if (out_len < sizeof(HushAudioHeader)) return kHushErrOutputTooSmall;
  uint32_t frames = (out_len - static_cast<uint32_t>(sizeof(HushAudioHeader))) / current.frame_bytes;
  if (frames > kHushMaxTransferFrames) frames = kHushMaxTransferFrames;
  out->max_frames = frames;
  out->max_payload_bytes = frames * current.frame_bytes;
  return kHushOk;
}

// IOCTL_HUSH_GET_INFO and IOCTL_HUSH_GET_STATS: no input, output at least `reply_size`.
constexpr HushStatus HushValidateQuery(uint32_t in_len, uint32_t out_len, uint32_t reply_size) {
  if (in_len != 0) return kHushErrUnexpectedInput;
  if (out_len < reply_size) return kHushErrOutputTooSmall;
  return kHushOk;
}

// IOCTL_HUSH_WAIT: a HushWaitRequest in, room for a HushWaitReply out.
inline HushStatus HushValidateWait(const void* in, uint32_t in_len, uint32_t out_len, HushWaitView* out) {
  if (in == nullptr || out == nullptr) return kHushErrNullBuffer;
  if (in_len > kHushMaxInputBytes) return kHushErrInputTooLarge;
  if (in_len < sizeof(HushWaitRequest)) return kHushErrInputTooSmall;
  HushWaitRequest r;
  CopyBytes(&r, in, sizeof(r));
  if (r.struct_size != sizeof(HushWaitRequest) || in_len != sizeof(HushWaitRequest)) return kHushErrBadStructSize;
  if (r.version != kHushStructVersion) return kHushErrBadVersion;
  if (r.reserved != 0) return kHushErrReservedNotZero;
  if (r.wait_mask == 0 || (r.wait_mask & ~static_cast<uint32_t>(kHushWaitAll)) != 0) return kHushErrBadWaitMask;
  if (out_len < sizeof(HushWaitReply)) return kHushErrOutputTooSmall;
  out->wait_mask = r.wait_mask;
  return kHushOk;
}

// Checks a fixed-size reply the client received (HushInfo, HushStats, HushWaitReply,
// HushWriteMicReply): at least `size` bytes returned, struct_size == size, version right.
inline HushStatus HushValidateReply(const void* buf, uint32_t bytes_returned, uint32_t size) {
  if (buf == nullptr) return kHushErrNullBuffer;
  if (bytes_returned < size || size < 8) return kHushErrInputTooSmall;
  uint32_t head[2];
  CopyBytes(head, buf, sizeof(head));
  if (head[0] != size) return kHushErrBadStructSize;
  if (head[1] != kHushStructVersion) return kHushErrBadVersion;
  return kHushOk;
}

// ---- Builders (both sides) ----

// A header for `frame_count` frames of `format`, struct_size/version set.
constexpr HushAudioHeader HushMakeAudioHeader(const HushFormat& format, uint32_t frame_count,
                                              uint64_t position_frames) {
  HushAudioHeader h{};
  h.struct_size = sizeof(HushAudioHeader);
  h.version = kHushStructVersion;
  h.format = format;
  h.frame_count = frame_count;
  h.position_frames = position_frames;
  return h;
}

// A request for the given HushWaitMask bits.
constexpr HushWaitRequest HushMakeWaitRequest(uint32_t wait_mask) {
  HushWaitRequest r{};
  r.struct_size = sizeof(HushWaitRequest);
  r.version = kHushStructVersion;
  r.wait_mask = wait_mask;
  return r;
}

// One direction's stats from its ring (any thread); `wakes` from the driver's own count.
inline HushDirectionStats HushMakeDirectionStats(const FrameRing& ring, uint64_t wakes) {
  const RingCounters c = ring.Counters();
  HushDirectionStats s{};
  s.bytes_written = c.written_bytes;
  s.bytes_read = c.read_bytes;
  s.overflow_bytes = c.overflow_bytes;
  s.overflow_events = c.overflow_events;
  s.underflow_bytes = c.underflow_bytes;
  s.underflow_events = c.underflow_events;
  s.wakes = wakes;
  s.fill_bytes = ring.FillBytes();
  s.capacity_bytes = ring.CapacityBytes();
  return s;
}

}  // namespace hush::driver

#endif  // HUSH_DRIVER_IOCTL_PROTOCOL_H
