// SPDX-License-Identifier: MIT
// DriverTransport: the Hush virtual audio driver's back door (\\.\HushControl, protocol
// in driver/windows/shared/hush_driver/ioctl_protocol.h).
//
// One audio thread (MMCSS "Pro Audio") serves both directions on the driver's clock:
//   1. IOCTL_HUSH_WAIT (overlapped, 50 ms bound) for "speaker ring half full" or "mic
//      ring half free"; the driver completes it from its position updates;
//   2. IOCTL_HUSH_READ_SPEAKER until it returns no frames: each reply is checked with
//      HushValidateAudioPacket and against the speaker format from GET_INFO before a
//      byte is read, gaps in position_frames are counted, then speaker->OnCapture;
//   3. mic->OnRender for enough frames to bring the mic ring to 3/4 full, then
//      IOCTL_HUSH_WRITE_MIC; the reply (HushValidateReply) reports what did not fit.
// Every second GET_INFO (format_generation: a changed format makes NeedsRestart() true)
// and GET_STATS (the driver's overflow/underflow counters, for Status()).
// The thread does no allocation and no logging; a failed IOCTL is counted and retried
// after the next wait, and a vanished device (ERROR_DEVICE_NOT_CONNECTED, ...) ends the
// thread with NeedsRestart().
#ifndef HUSH_BACKENDS_WASAPI_DRIVER_TRANSPORT_H
#define HUSH_BACKENDS_WASAPI_DRIVER_TRANSPORT_H

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backends/wasapi/transport.h"
#include "hush_driver/ioctl_protocol.h"

namespace hush::wasapi {

enum class DriverOpenError {
  kNone,
  kNotInstalled,   // no \\.\HushControl (ERROR_FILE_NOT_FOUND / ERROR_PATH_NOT_FOUND)
  kAccessDenied,   // the SDDL refused us: not SYSTEM, an Administrator or the Hush service
  kBusy,           // another engine has it open (the driver admits one opener)
  kIncompatible,   // GET_INFO failed its checks or reports another protocol major version
  kOther,
};

class DriverTransport final : public VirtualEndpointTransport {
 public:
  // Opens the control device and reads HushInfo. On failure returns null, *error is a
  // complete sentence for the user (for kNotInstalled: "Hush driver not installed: cannot
  // open \\.\HushControl (error 2: file not found). Install it (docs/windows/driver.md)
  // or use --driverless.") and *kind classifies it. Not RT-safe.
  static std::unique_ptr<DriverTransport> Open(std::string* error, DriverOpenError* kind);
  ~DriverTransport() override;

  std::string Describe() const override;
  EndpointFormat MicFormat() const override;
  bool HasSpeaker() const override { return true; }
  EndpointFormat SpeakerFormat() const override;
  bool Start(StreamClient* mic, StreamClient* speaker, std::string* error) override;
  void Stop() override;
  bool NeedsRestart() const override { return needs_restart_.load(std::memory_order_relaxed); }
  std::string Status() const override;

 private:
  explicit DriverTransport(void* device);
  void Run();
  // One overlapped DeviceIoControl, bounded by timeout_ms (then cancelled). Returns the
  // Win32 error (0 = success) and the bytes returned.
  uint32_t Ioctl(uint32_t code, const void* in, uint32_t in_len, void* out, uint32_t out_len, uint32_t* returned,
                 uint32_t timeout_ms);
  bool ReadInfo(driver::HushInfo* info, std::string* error);
  void ServeSpeaker();
  void ServeMic(uint32_t mic_free_bytes);
  void PollInfoAndStats();

  void* device_ = nullptr;      // HANDLE of \\.\HushControl, opened overlapped
  void* io_event_ = nullptr;    // HANDLE: OVERLAPPED.hEvent of the thread's one IOCTL at a time
  void* wake_event_ = nullptr;  // HANDLE: Stop() wakes the thread
  driver::HushInfo info_{};     // as read by Open (the formats the paths are built for)
  StreamClient* mic_ = nullptr;
  StreamClient* speaker_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false}, needs_restart_{false};
  // Allocated in Start(): one packet each way, planar scratch per channel.
  std::vector<uint8_t> speaker_packet_, mic_packet_;
  std::vector<std::vector<float>> speaker_planar_, mic_planar_;
  std::vector<float*> speaker_ptrs_, mic_ptrs_;
  uint64_t speaker_next_position_ = 0;
  bool speaker_position_known_ = false;
  uint64_t mic_position_ = 0;
  uint32_t polls_ = 0;

  // Counters for Status(), relaxed atomics written by the thread.
  std::atomic<uint64_t> speaker_frames_{0}, speaker_gaps_{0}, mic_frames_{0}, mic_dropped_{0}, ioctl_errors_{0},
      bad_replies_{0}, waits_{0};
  std::atomic<uint64_t> drv_speaker_overflow_{0}, drv_speaker_underflow_{0}, drv_mic_overflow_{0},
      drv_mic_underflow_{0};
  std::atomic<uint32_t> last_error_{0};
};

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_DRIVER_TRANSPORT_H
