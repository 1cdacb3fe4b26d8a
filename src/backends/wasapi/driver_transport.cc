// SPDX-License-Identifier: MIT
#include "backends/wasapi/driver_transport.h"

#include <windows.h>
#include <avrt.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "backends/wasapi/wasapi_common.h"
#include "engine/sample_format.h"

namespace hush::wasapi {

namespace drv = hush::driver;

namespace {

constexpr DWORD kWaitTimeoutMs = 50;     // a wait longer than this is cancelled and re-issued
constexpr DWORD kQueryTimeoutMs = 1000;  // GET_INFO/GET_STATS/READ/WRITE complete at once in the driver
constexpr uint32_t kPollEveryWaits = 20; // GET_INFO + GET_STATS about once a second (50 ms waits)

engine::BufferLayout LayoutOf(const drv::HushFormat& f) {
  return engine::BufferLayout{f.sample_type == drv::kHushSampleFloat ? engine::SampleFormat::kF32
                                                                      : engine::SampleFormat::kS16,
                              f.channels, true};
}

const char* ShortWin32Text(DWORD error) {
  switch (error) {
    case ERROR_FILE_NOT_FOUND: return "file not found";
    case ERROR_PATH_NOT_FOUND: return "path not found";
    case ERROR_ACCESS_DENIED: return "access denied";
    case ERROR_SHARING_VIOLATION: return "sharing violation";
    case ERROR_BUSY: return "device busy";
    default: return nullptr;
  }
}

std::string FormatText(const drv::HushFormat& f) {
  char text[96];
  std::snprintf(text, sizeof text, "%u Hz, %u ch, %s%u", f.sample_rate_hz, f.channels,
                f.sample_type == drv::kHushSampleFloat ? "float" : "pcm", f.bits_per_sample);
  return text;
}

}  // namespace

std::unique_ptr<DriverTransport> DriverTransport::Open(std::string* error, DriverOpenError* kind) {
  *kind = DriverOpenError::kNone;
  HANDLE device = CreateFileW(drv::kHushControlUserPath, GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                              FILE_FLAG_OVERLAPPED, nullptr);
  if (device == INVALID_HANDLE_VALUE) {
    const DWORD code = GetLastError();
    const char* short_text = ShortWin32Text(code);
    const std::string why = "cannot open " + std::string(drv::kHushControlUserPathA) + " (error " +
                            std::to_string(code) + ": " + (short_text ? short_text : Win32ErrorText(code)) + ")";
    if (code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND) {
      *kind = DriverOpenError::kNotInstalled;
      *error = "Hush driver not installed: " + why + ". Install it (docs/windows/driver.md) or use --driverless.";
    } else if (code == ERROR_ACCESS_DENIED) {
      *kind = DriverOpenError::kAccessDenied;
      *error = "Hush driver refused access: " + why +
               ". Only SYSTEM, Administrators and the Hush service may open it: run hush.exe elevated or as the "
               "service.";
    } else if (code == ERROR_SHARING_VIOLATION || code == ERROR_BUSY) {
      *kind = DriverOpenError::kBusy;
      *error = "Hush driver busy: " + why + ". Another Hush engine (the service?) has it open; stop it first.";
    } else {
      *kind = DriverOpenError::kOther;
      *error = "Hush driver unavailable: " + why + ".";
    }
    return nullptr;
  }
  std::unique_ptr<DriverTransport> transport(new DriverTransport(device));
  if (transport->io_event_ == nullptr || transport->wake_event_ == nullptr) {
    *kind = DriverOpenError::kOther;
    *error = "CreateEvent failed: " + Win32ErrorText(GetLastError());
    return nullptr;
  }
  if (!transport->ReadInfo(&transport->info_, error)) {
    *kind = DriverOpenError::kIncompatible;
    return nullptr;
  }
  return transport;
}

DriverTransport::DriverTransport(void* device) : device_(device) {
  io_event_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);  // manual reset, as OVERLAPPED wants
  wake_event_ = CreateEventW(nullptr, FALSE, FALSE, nullptr);
}

DriverTransport::~DriverTransport() {
  Stop();
  if (device_ != nullptr) CloseHandle(device_);
  if (io_event_ != nullptr) CloseHandle(io_event_);
  if (wake_event_ != nullptr) CloseHandle(wake_event_);
}

uint32_t DriverTransport::Ioctl(uint32_t code, const void* in, uint32_t in_len, void* out, uint32_t out_len,
                                uint32_t* returned, uint32_t timeout_ms) {
  OVERLAPPED ov{};
  ov.hEvent = io_event_;
  ResetEvent(io_event_);
  DWORD bytes = 0;
  *returned = 0;
  if (!DeviceIoControl(device_, code, const_cast<void*>(in), in_len, out, out_len, &bytes, &ov)) {
    DWORD error = GetLastError();
    if (error != ERROR_IO_PENDING) return error;
    HANDLE handles[2] = {io_event_, wake_event_};
    const DWORD w = WaitForMultipleObjects(2, handles, FALSE, timeout_ms);
    if (w != WAIT_OBJECT_0) CancelIoEx(device_, &ov);  // timed out or Stop(): the driver completes it cancelled
    if (!GetOverlappedResult(device_, &ov, &bytes, TRUE)) return GetLastError();
  }
  *returned = bytes;
  return 0;
}

bool DriverTransport::ReadInfo(drv::HushInfo* info, std::string* error) {
  drv::HushInfo reply{};
  uint32_t returned = 0;
  const uint32_t code = Ioctl(drv::kIoctlHushGetInfo, nullptr, 0, &reply, sizeof reply, &returned, kQueryTimeoutMs);
  if (code != 0) {
    *error = "Hush driver: IOCTL_HUSH_GET_INFO failed (error " + std::to_string(code) + ": " + Win32ErrorText(code) + ")";
    return false;
  }
  const drv::HushStatus status = drv::HushValidateReply(&reply, returned, sizeof reply);
  if (status != drv::kHushOk) {
    *error = std::string("Hush driver: GET_INFO reply rejected: ") + drv::HushStatusString(status);
    return false;
  }
  if ((reply.protocol_version >> 16) != (drv::kHushProtocolVersion >> 16)) {
    char text[160];
    std::snprintf(text, sizeof text, "Hush driver speaks protocol %u.%u, this hush.exe %u.%u: install matching versions",
                  reply.protocol_version >> 16, reply.protocol_version & 0xFFFF, drv::kHushProtocolVersion >> 16,
                  drv::kHushProtocolVersion & 0xFFFF);
    *error = text;
    return false;
  }
  if (drv::HushValidateFormat(reply.speaker.format) != drv::kHushOk ||
      drv::HushValidateFormat(reply.mic.format) != drv::kHushOk) {
    *error = "Hush driver reports an endpoint format outside the protocol's (44.1/48 kHz, 1-2 ch, pcm16/float32)";
    return false;
  }
  *info = reply;
  return true;
}

std::string DriverTransport::Describe() const {
  return "driver back door (" + std::string(drv::kHushControlUserPathA) + "): speaker " +
         FormatText(info_.speaker.format) + ", mic " + FormatText(info_.mic.format);
}

EndpointFormat DriverTransport::MicFormat() const {
  return {static_cast<int>(info_.mic.format.sample_rate_hz), info_.mic.format.channels};
}

EndpointFormat DriverTransport::SpeakerFormat() const {
  return {static_cast<int>(info_.speaker.format.sample_rate_hz), info_.speaker.format.channels};
}

bool DriverTransport::Start(StreamClient* mic, StreamClient* speaker, std::string* error) {
  if (mic == nullptr || speaker == nullptr) {
    *error = "DriverTransport needs both a mic and a speaker path";
    return false;
  }
  mic_ = mic;
  speaker_ = speaker;
  const size_t header = sizeof(drv::HushAudioHeader);
  speaker_packet_.assign(header + kMaxBlockFrames * info_.speaker.format.frame_bytes, 0);
  mic_packet_.assign(header + kMaxBlockFrames * info_.mic.format.frame_bytes, 0);
  speaker_planar_.assign(info_.speaker.format.channels, std::vector<float>(kMaxBlockFrames, 0.0f));
  mic_planar_.assign(info_.mic.format.channels, std::vector<float>(kMaxBlockFrames, 0.0f));
  speaker_ptrs_.clear();
  mic_ptrs_.clear();
  for (auto& v : speaker_planar_) speaker_ptrs_.push_back(v.data());
  for (auto& v : mic_planar_) mic_ptrs_.push_back(v.data());
  stop_.store(false);
  needs_restart_.store(false);
  QpcSeconds();  // its one-time initialisation here, not on the audio thread
  thread_ = std::thread([this] { Run(); });
  return true;
}

void DriverTransport::Stop() {
  stop_.store(true);
  if (wake_event_ != nullptr) SetEvent(wake_event_);
  if (thread_.joinable()) thread_.join();
}

void DriverTransport::Run() {
  DWORD task_index = 0;
  HANDLE mmcss = AvSetMmThreadCharacteristicsW(L"Pro Audio", &task_index);
  const drv::HushWaitRequest request = drv::HushMakeWaitRequest(drv::kHushWaitAll);
  while (!stop_.load() && !needs_restart_.load()) {
    drv::HushWaitReply reply{};
    uint32_t returned = 0;
    const uint32_t code = Ioctl(drv::kIoctlHushWait, &request, sizeof request, &reply, sizeof reply, &returned,
                                kWaitTimeoutMs);
    if (stop_.load()) break;
    waits_.fetch_add(1, std::memory_order_relaxed);
    if (code == ERROR_OPERATION_ABORTED) {
      // The bound ran out: no stream is running on the Hush endpoints (nothing moves
      // their positions). Keep polling.
    } else if (code == ERROR_DEVICE_NOT_CONNECTED || code == ERROR_INVALID_HANDLE || code == ERROR_DEV_NOT_EXIST) {
      last_error_.store(code, std::memory_order_relaxed);
      needs_restart_.store(true);
      break;
    } else if (code != 0) {
      ioctl_errors_.fetch_add(1, std::memory_order_relaxed);
      last_error_.store(code, std::memory_order_relaxed);
      WaitForSingleObject(wake_event_, kWaitTimeoutMs);  // do not spin on a failing driver
    } else if (drv::HushValidateReply(&reply, returned, sizeof reply) != drv::kHushOk) {
      bad_replies_.fetch_add(1, std::memory_order_relaxed);
    } else {
      if (reply.ready_mask & drv::kHushWaitSpeakerData) ServeSpeaker();
      if (reply.ready_mask & drv::kHushWaitMicSpace) ServeMic(reply.mic_free_bytes);
    }
    if (++polls_ % kPollEveryWaits == 0) PollInfoAndStats();
  }
  if (mmcss != nullptr) AvRevertMmThreadCharacteristics(mmcss);
}

void DriverTransport::ServeSpeaker() {
  const drv::HushFormat& format = info_.speaker.format;
  const engine::BufferLayout layout = LayoutOf(format);
  // Bounded: at most a ring's worth plus what arrives meanwhile, then back to waiting.
  for (int round = 0; round < 8; ++round) {
    uint32_t returned = 0;
    const uint32_t code = Ioctl(drv::kIoctlHushReadSpeaker, nullptr, 0, speaker_packet_.data(),
                                static_cast<uint32_t>(speaker_packet_.size()), &returned, kQueryTimeoutMs);
    if (code != 0) {
      ioctl_errors_.fetch_add(1, std::memory_order_relaxed);
      last_error_.store(code, std::memory_order_relaxed);
      return;
    }
    drv::HushAudioView view{};
    // Nothing of the reply is used before it passes the protocol's checks and matches the
    // format the speaker path was built for.
    if (drv::HushValidateAudioPacket(speaker_packet_.data(), returned, &view) != drv::kHushOk ||
        view.frame_count > kMaxBlockFrames) {
      bad_replies_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!drv::HushFormatEqual(view.format, format)) {
      needs_restart_.store(true);
      return;
    }
    if (view.frame_count == 0) return;
    if (speaker_position_known_ && view.position_frames != speaker_next_position_) {
      speaker_gaps_.fetch_add(1, std::memory_order_relaxed);
    }
    speaker_position_known_ = true;
    speaker_next_position_ = view.position_frames + view.frame_count;
    const void* src = view.samples;
    engine::ToFloatPlanar(layout, &src, view.frame_count, speaker_ptrs_.data());
    // The driver's position updates carry no timestamp through the protocol: "now" on the
    // same clock as the real side's (the reply arrived just now).
    speaker_->OnCapture(speaker_ptrs_.data(), view.frame_count, QpcSeconds());
    speaker_frames_.fetch_add(view.frame_count, std::memory_order_relaxed);
    if (view.frame_count < kMaxBlockFrames) return;  // drained
  }
}

void DriverTransport::ServeMic(uint32_t mic_free_bytes) {
  const drv::HushFormat& format = info_.mic.format;
  const uint32_t capacity = info_.mic.ring_bytes;
  if (capacity == 0 || mic_free_bytes > capacity) {
    bad_replies_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Fill the ring to 3/4: the driver wakes us again at half, so one period of the
  // audio engine's reads (and our own wake-up delay) never empties it.
  const uint32_t fill = capacity - mic_free_bytes;
  const uint32_t target = capacity / 4 * 3;
  if (fill >= target) return;
  const uint32_t frames = std::min<uint32_t>((target - fill) / format.frame_bytes, kMaxBlockFrames);
  if (frames == 0) return;
  mic_->OnRender(mic_ptrs_.data(), frames, QpcSeconds());
  const drv::HushAudioHeader header = drv::HushMakeAudioHeader(format, frames, mic_position_);
  std::memcpy(mic_packet_.data(), &header, sizeof header);
  void* dst = mic_packet_.data() + sizeof header;
  engine::FromFloatPlanar(LayoutOf(format), mic_ptrs_.data(), frames, &dst);
  const uint32_t in_len = static_cast<uint32_t>(sizeof header + static_cast<size_t>(frames) * format.frame_bytes);
  drv::HushWriteMicReply reply{};
  uint32_t returned = 0;
  const uint32_t code = Ioctl(drv::kIoctlHushWriteMic, mic_packet_.data(), in_len, &reply, sizeof reply, &returned,
                              kQueryTimeoutMs);
  if (code != 0) {
    ioctl_errors_.fetch_add(1, std::memory_order_relaxed);
    last_error_.store(code, std::memory_order_relaxed);
    return;
  }
  if (drv::HushValidateReply(&reply, returned, sizeof reply) != drv::kHushOk ||
      reply.frames_written + reply.frames_dropped != frames) {
    bad_replies_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  mic_position_ += frames;
  mic_frames_.fetch_add(reply.frames_written, std::memory_order_relaxed);
  mic_dropped_.fetch_add(reply.frames_dropped, std::memory_order_relaxed);
}

void DriverTransport::PollInfoAndStats() {
  drv::HushInfo info{};
  uint32_t returned = 0;
  if (Ioctl(drv::kIoctlHushGetInfo, nullptr, 0, &info, sizeof info, &returned, kQueryTimeoutMs) == 0 &&
      drv::HushValidateReply(&info, returned, sizeof info) == drv::kHushOk) {
    if (info.speaker.format_generation != info_.speaker.format_generation ||
        info.mic.format_generation != info_.mic.format_generation) {
      needs_restart_.store(true);  // an app opened a Hush endpoint in another format
    }
  }
  drv::HushStats stats{};
  if (Ioctl(drv::kIoctlHushGetStats, nullptr, 0, &stats, sizeof stats, &returned, kQueryTimeoutMs) == 0 &&
      drv::HushValidateReply(&stats, returned, sizeof stats) == drv::kHushOk) {
    drv_speaker_overflow_.store(stats.speaker.overflow_bytes, std::memory_order_relaxed);
    drv_speaker_underflow_.store(stats.speaker.underflow_bytes, std::memory_order_relaxed);
    drv_mic_overflow_.store(stats.mic.overflow_bytes, std::memory_order_relaxed);
    drv_mic_underflow_.store(stats.mic.underflow_bytes, std::memory_order_relaxed);
  }
}

std::string DriverTransport::Status() const {
  auto get = [](const std::atomic<uint64_t>& a) { return static_cast<unsigned long long>(a.load(std::memory_order_relaxed)); };
  char text[512];
  std::snprintf(text, sizeof text,
                "driver: speaker_frames=%llu speaker_gaps=%llu mic_frames=%llu mic_dropped=%llu waits=%llu "
                "ioctl_errors=%llu bad_replies=%llu last_error=%u | in the driver: speaker overflow=%llu B "
                "underflow=%llu B, mic overflow=%llu B underflow=%llu B",
                get(speaker_frames_), get(speaker_gaps_), get(mic_frames_), get(mic_dropped_), get(waits_),
                get(ioctl_errors_), get(bad_replies_), last_error_.load(std::memory_order_relaxed),
                get(drv_speaker_overflow_), get(drv_speaker_underflow_), get(drv_mic_overflow_),
                get(drv_mic_underflow_));
  return text;
}

}  // namespace hush::wasapi
