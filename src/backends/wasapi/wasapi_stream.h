// SPDX-License-Identifier: MIT
// WasapiStream: one event-driven, shared-mode WASAPI stream (capture or render) on its
// own thread, registered with MMCSS ("Pro Audio"), that keeps itself connected.
//
//   open:  IMMDeviceEnumerator -> endpoint (the default one, or --input/--output by id or
//          name) -> IAudioClient::Initialize(SHARED, EVENTCALLBACK | AUTOCONVERTPCM |
//          SRC_DEFAULT_QUALITY, buffer_ms, float32 at the engine's rate with the mix
//          format's channels); if the endpoint refuses, its own mix format when that is
//          at the engine's rate; else a clear error. The format in use is checked by
//          CheckWaveFormat (wave_format.h) before any buffer is touched.
//   run:   wait for the stream's event; capture: every packet (GetNextPacketSize) ->
//          planar float -> StreamClient::OnCapture (AUDCLNT_BUFFERFLAGS_SILENT gives
//          zeros, DATA_DISCONTINUITY is counted); render: the free part of the buffer
//          (buffer - padding) <- StreamClient::OnRender.
//   lose:  AUDCLNT_E_DEVICE_INVALIDATED (or any failed call, or 2 s without an event)
//          -> release everything and reopen, after 50 ms doubling to 2 s, until Stop().
//          A stream that follows the default endpoint re-targets when the notification
//          client says the default changed (RequestRetarget).
//
// The stream thread is the StreamClient's only caller for the stream's whole life, across
// reconnects (the engine's SPSC rings hold on to one producer and one consumer thread).
// Its audio loop does not allocate, lock or log: opening and reconnecting (outside the
// loop) do, and report through Stats()/LastError() for the control thread to print.
#ifndef HUSH_BACKENDS_WASAPI_WASAPI_STREAM_H
#define HUSH_BACKENDS_WASAPI_WASAPI_STREAM_H

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "backends/wasapi/stream_client.h"

namespace hush::wasapi {

enum class Direction { kCapture, kRender };

struct StreamConfig {
  Direction direction = Direction::kCapture;
  // Empty: the default endpoint for eConsole, followed when it changes. Otherwise an
  // endpoint id (exact) or a part of its friendly name (case-insensitive), UTF-8.
  std::string device;
  int sample_rate_hz = 48000;  // the engine side; the device is asked for this rate
  int channels = 1;            // the engine side; mixed to/from the device's channels
  double buffer_ms = 20.0;     // requested WASAPI buffer (the engine gets 10 ms periods)
  std::string name = "stream"; // for messages: "microphone", "output", ...
};

// Counters, written by the stream thread, readable from any thread.
struct StreamStats {
  bool connected = false;
  uint64_t frames = 0;            // frames moved to or from the device
  uint64_t wakeups = 0;           // events served
  uint64_t silent_packets = 0;    // capture packets flagged AUDCLNT_BUFFERFLAGS_SILENT
  uint64_t discontinuities = 0;   // capture packets flagged DATA_DISCONTINUITY
  uint64_t reconnects = 0;        // successful reopens after the first open
  uint64_t retargets = 0;         // reopened because the default endpoint changed
  uint64_t stalls = 0;            // 2 s without an event: treated as a lost device
  int32_t last_hresult = 0;       // the last failure's HRESULT, 0 = none
  uint32_t buffer_frames = 0;     // WASAPI buffer size of the current connection
  int64_t stream_latency_100ns = 0;  // IAudioClient::GetStreamLatency of it
};

class WasapiStream {
 public:
  // client must outlive the stream. Not RT-safe.
  WasapiStream(const StreamConfig& config, StreamClient* client);
  ~WasapiStream();  // Stop()s
  WasapiStream(const WasapiStream&) = delete;
  WasapiStream& operator=(const WasapiStream&) = delete;

  // Starts the thread and waits until the first open succeeded (true) or failed (false,
  // *error says why, e.g. no such device or an unsupported format; the thread has then
  // ended). Later failures are reconnected, never returned. Control thread only.
  bool Start(std::string* error);
  // Ends the thread (within one period); idempotent. Control thread only.
  void Stop();

  // [thread-safe] [non-blocking] from the notification client's callbacks: re-open on
  // the (new) default endpoint if this stream follows the default; else nothing.
  void RequestRetarget();
  // [thread-safe] [non-blocking]: check that the endpoint is still active (an endpoint
  // was removed or changed state), and reconnect if it is not.
  void RequestDeviceCheck();

  bool FollowsDefault() const { return config_.device.empty(); }
  Direction GetDirection() const { return config_.direction; }
  const StreamConfig& Config() const { return config_; }
  StreamStats Stats() const;  // [thread-safe]
  // The connected endpoint's friendly name and format, or the last error. [thread-safe]
  std::string Describe() const;

  struct Impl;  // the COM objects and the thread's state (wasapi_stream.cc)

 private:
  void Run();
  bool Open(std::string* error);
  bool WaitForPeriod(int* end);
  int CaptureLoop();  // returns why it ended (LoopEnd in the .cc)
  int RenderLoop();

  StreamConfig config_;
  StreamClient* client_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::promise<std::string>* first_open_ = nullptr;  // Start()'s, until the first open answered
  std::atomic<bool> stop_{false};
  std::atomic<bool> retarget_{false};
  std::atomic<bool> check_device_{false};
  void* wake_event_ = nullptr;  // HANDLE: Stop/Request* wake the thread through it

  // Stats (relaxed atomics; each written by the stream thread only).
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> frames_{0}, wakeups_{0}, silent_{0}, discontinuities_{0}, reconnects_{0}, retargets_{0},
      stalls_{0};
  std::atomic<int32_t> last_hresult_{0};
  std::atomic<uint32_t> buffer_frames_{0};
  std::atomic<int64_t> latency_100ns_{0};

  // Written while (re)opening, read by Describe(): never touched by the audio loop.
  mutable std::mutex describe_mutex_;
  std::string description_;
};

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_WASAPI_STREAM_H
