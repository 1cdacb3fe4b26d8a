// SPDX-License-Identifier: MIT
#include "backends/wasapi/wasapi_stream.h"

#include <windows.h>
#include <avrt.h>
#include <audioclient.h>
#include <mmdeviceapi.h>

#include <algorithm>
#include <cstring>
#include <future>
#include <vector>

#include "backends/wasapi/wasapi_common.h"
#include "engine/sample_format.h"

namespace hush::wasapi {

namespace {

constexpr DWORD kStallTimeoutMs = 2000;   // no event for this long: the device is gone
constexpr DWORD kFirstBackoffMs = 50;
constexpr DWORD kMaxBackoffMs = 2000;
constexpr REFERENCE_TIME kHundredNsPerMs = 10000;

enum class LoopEnd { kStop, kLost, kRetarget };

}  // namespace

struct WasapiStream::Impl {
  ComRef<IMMDeviceEnumerator> enumerator;
  ComRef<IMMDevice> device;
  ComRef<IAudioClient> client;
  ComRef<IAudioCaptureClient> capture;
  ComRef<IAudioRenderClient> render;
  HANDLE audio_event = nullptr;
  DeviceFormat format;
  UINT32 buffer_frames = 0;
  // Planar scratch: device channels and engine channels, kMaxBlockFrames each, sized
  // once per connection (before the audio loop starts).
  std::vector<std::vector<float>> device_planar, engine_planar;
  std::vector<float*> device_ptrs, engine_ptrs;

  void Close() {
    if (client) client->Stop();
    capture.Reset();
    render.Reset();
    client.Reset();
    device.Reset();
  }
};

WasapiStream::WasapiStream(const StreamConfig& config, StreamClient* client)
    : config_(config), client_(client), impl_(std::make_unique<Impl>()) {
  wake_event_ = CreateEventW(nullptr, FALSE, FALSE, nullptr);
}

WasapiStream::~WasapiStream() {
  Stop();
  if (wake_event_ != nullptr) CloseHandle(wake_event_);
}

bool WasapiStream::Start(std::string* error) {
  if (thread_.joinable()) return true;
  if (wake_event_ == nullptr) {
    *error = "CreateEvent failed: " + Win32ErrorText(GetLastError());
    return false;
  }
  stop_.store(false);
  QpcSeconds();  // its one-time initialisation here, not on the audio thread
  std::promise<std::string> first_open;
  std::future<std::string> result = first_open.get_future();
  // The promise lives on Start()'s stack: Run uses it only until it has answered.
  first_open_ = &first_open;
  thread_ = std::thread([this] { Run(); });
  *error = result.get();
  if (!error->empty()) {
    thread_.join();
    return false;
  }
  return true;
}

void WasapiStream::Stop() {
  stop_.store(true);
  if (wake_event_ != nullptr) SetEvent(wake_event_);
  if (thread_.joinable()) thread_.join();
}

void WasapiStream::RequestRetarget() {
  if (!FollowsDefault()) return;
  retarget_.store(true);
  SetEvent(wake_event_);
}

void WasapiStream::RequestDeviceCheck() {
  check_device_.store(true);
  SetEvent(wake_event_);
}

StreamStats WasapiStream::Stats() const {
  StreamStats s;
  s.connected = connected_.load(std::memory_order_relaxed);
  s.frames = frames_.load(std::memory_order_relaxed);
  s.wakeups = wakeups_.load(std::memory_order_relaxed);
  s.silent_packets = silent_.load(std::memory_order_relaxed);
  s.discontinuities = discontinuities_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  s.retargets = retargets_.load(std::memory_order_relaxed);
  s.stalls = stalls_.load(std::memory_order_relaxed);
  s.last_hresult = last_hresult_.load(std::memory_order_relaxed);
  s.buffer_frames = buffer_frames_.load(std::memory_order_relaxed);
  s.stream_latency_100ns = latency_100ns_.load(std::memory_order_relaxed);
  return s;
}

std::string WasapiStream::Describe() const {
  std::lock_guard<std::mutex> lock(describe_mutex_);
  return description_;
}

// Opens the endpoint and prepares everything the audio loop needs. On failure returns
// false with *error and leaves nothing open.
bool WasapiStream::Open(std::string* error) {
  Impl& s = *impl_;
  const bool capture = config_.direction == Direction::kCapture;
  const EDataFlow flow = capture ? eCapture : eRender;
  HRESULT hr = S_OK;
  if (!s.enumerator) {
    hr = CoCreateInstance(__uuidof(MMDeviceEnumerator), nullptr, CLSCTX_ALL, __uuidof(IMMDeviceEnumerator),
                          s.enumerator.PutVoid());
    if (FAILED(hr)) {
      *error = "cannot create the MMDeviceEnumerator: " + HResultText(hr);
      return false;
    }
  }
  if (!FindEndpoint(s.enumerator.Get(), flow, config_.device, &s.device, error)) return false;
  const std::string name = FriendlyName(s.device.Get());
  auto fail = [&](const std::string& what, HRESULT code) {
    *error = config_.name + " \"" + name + "\": " + what + (code != S_OK ? ": " + HResultText(code) : "");
    last_hresult_.store(static_cast<int32_t>(code), std::memory_order_relaxed);
    s.Close();
    return false;
  };
  hr = s.device->Activate(__uuidof(IAudioClient), CLSCTX_ALL, nullptr, s.client.PutVoid());
  if (FAILED(hr)) return fail("IMMDevice::Activate(IAudioClient) failed", hr);

  WAVEFORMATEX* mix = nullptr;
  hr = s.client->GetMixFormat(&mix);
  if (FAILED(hr) || mix == nullptr) return fail("GetMixFormat failed", hr);
  const WaveFormatFields mix_fields = FieldsOf(*mix);

  // First choice: float32 at the engine's rate with the mix format's channels, which
  // AUTOCONVERTPCM makes the audio engine convert to (its default-quality resampler)
  // when the device mixes at another rate.
  WAVEFORMATEXTENSIBLE wanted{};
  wanted.Format.wFormatTag = WAVE_FORMAT_EXTENSIBLE;
  wanted.Format.nChannels = std::clamp<WORD>(mix->nChannels, 1, kMaxChannels);
  wanted.Format.nSamplesPerSec = static_cast<DWORD>(config_.sample_rate_hz);
  wanted.Format.wBitsPerSample = 32;
  wanted.Format.nBlockAlign = static_cast<WORD>(wanted.Format.nChannels * 4);
  wanted.Format.nAvgBytesPerSec = wanted.Format.nSamplesPerSec * wanted.Format.nBlockAlign;
  wanted.Format.cbSize = sizeof(WAVEFORMATEXTENSIBLE) - sizeof(WAVEFORMATEX);
  wanted.Samples.wValidBitsPerSample = 32;
  wanted.dwChannelMask = mix_fields.channel_mask != 0 ? mix_fields.channel_mask
                         : wanted.Format.nChannels == 1 ? SPEAKER_FRONT_CENTER
                                                        : SPEAKER_FRONT_LEFT | SPEAKER_FRONT_RIGHT;
  wanted.SubFormat = KSDATAFORMAT_SUBTYPE_IEEE_FLOAT;

  const REFERENCE_TIME buffer_100ns = static_cast<REFERENCE_TIME>(config_.buffer_ms * kHundredNsPerMs);
  const DWORD flags = AUDCLNT_STREAMFLAGS_EVENTCALLBACK;
  WaveFormatFields used = FieldsOf(wanted.Format);
  hr = s.client->Initialize(AUDCLNT_SHAREMODE_SHARED,
                            flags | AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM | AUDCLNT_STREAMFLAGS_SRC_DEFAULT_QUALITY,
                            buffer_100ns, 0, &wanted.Format, nullptr);
  if (FAILED(hr) && hr != AUDCLNT_E_DEVICE_INVALIDATED) {
    // Second choice: the mix format itself (any of the PCM/float layouts the engine
    // converts), if it runs at the engine's rate. A failed Initialize leaves the client
    // unusable, so take a fresh one.
    const HRESULT first = hr;
    if (static_cast<int>(mix->nSamplesPerSec) != config_.sample_rate_hz) {
      const std::string mix_text = DescribeWaveFormat(mix_fields);
      CoTaskMemFree(mix);
      return fail("refuses float32 at " + std::to_string(config_.sample_rate_hz) + " Hz with AUTOCONVERTPCM (" +
                      HResultText(first) + ") and mixes at " + mix_text + "; unsupported",
                  S_OK);
    }
    s.client.Reset();
    hr = s.device->Activate(__uuidof(IAudioClient), CLSCTX_ALL, nullptr, s.client.PutVoid());
    if (SUCCEEDED(hr)) hr = s.client->Initialize(AUDCLNT_SHAREMODE_SHARED, flags, buffer_100ns, 0, mix, nullptr);
    used = mix_fields;
  }
  CoTaskMemFree(mix);
  if (FAILED(hr)) return fail("IAudioClient::Initialize failed", hr);

  const FormatCheck check = CheckWaveFormat(used);
  if (!check.ok) return fail(check.error, S_OK);
  s.format = check.format;
  if (s.format.sample_rate_hz != config_.sample_rate_hz) {
    return fail("runs at " + std::to_string(s.format.sample_rate_hz) + " Hz, not the engine's " +
                    std::to_string(config_.sample_rate_hz),
                S_OK);
  }

  if (s.audio_event == nullptr) s.audio_event = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  if (s.audio_event == nullptr) return fail("CreateEvent failed", HRESULT_FROM_WIN32(GetLastError()));
  hr = s.client->SetEventHandle(s.audio_event);
  if (FAILED(hr)) return fail("SetEventHandle failed", hr);
  hr = s.client->GetBufferSize(&s.buffer_frames);
  if (FAILED(hr)) return fail("GetBufferSize failed", hr);
  REFERENCE_TIME latency = 0;
  s.client->GetStreamLatency(&latency);
  hr = capture ? s.client->GetService(__uuidof(IAudioCaptureClient), s.capture.PutVoid())
               : s.client->GetService(__uuidof(IAudioRenderClient), s.render.PutVoid());
  if (FAILED(hr)) return fail("GetService failed", hr);

  const size_t device_channels = static_cast<size_t>(s.format.layout.channels);
  const size_t engine_channels = static_cast<size_t>(config_.channels);
  s.device_planar.assign(device_channels, std::vector<float>(kMaxBlockFrames, 0.0f));
  s.engine_planar.assign(engine_channels, std::vector<float>(kMaxBlockFrames, 0.0f));
  s.device_ptrs.resize(device_channels);
  s.engine_ptrs.resize(engine_channels);
  for (size_t c = 0; c < device_channels; ++c) s.device_ptrs[c] = s.device_planar[c].data();
  for (size_t c = 0; c < engine_channels; ++c) s.engine_ptrs[c] = s.engine_planar[c].data();

  if (!capture) {
    // Start from a buffer of silence: the first events then find room for one period,
    // not for the whole buffer at once.
    BYTE* data = nullptr;
    hr = s.render->GetBuffer(s.buffer_frames, &data);
    if (SUCCEEDED(hr)) hr = s.render->ReleaseBuffer(s.buffer_frames, AUDCLNT_BUFFERFLAGS_SILENT);
    if (FAILED(hr)) return fail("priming the render buffer failed", hr);
  }
  hr = s.client->Start();
  if (FAILED(hr)) return fail("IAudioClient::Start failed", hr);

  buffer_frames_.store(s.buffer_frames, std::memory_order_relaxed);
  latency_100ns_.store(latency, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(describe_mutex_);
    description_ = "\"" + name + "\" " + DescribeWaveFormat(used) + ", buffer " + std::to_string(s.buffer_frames) +
                   " frames";
  }
  return true;
}

void WasapiStream::Run() {
  const bool com_ok = SUCCEEDED(CoInitializeEx(nullptr, COINIT_MULTITHREADED));
  // MMCSS: the "Pro Audio" task gets the thread real-time priority; without it (the
  // service is off, or under Wine where it is a stub) the stream still runs.
  DWORD task_index = 0;
  HANDLE mmcss = AvSetMmThreadCharacteristicsW(L"Pro Audio", &task_index);
  Impl& s = *impl_;
  DWORD backoff_ms = kFirstBackoffMs;
  bool first = true;
  while (!stop_.load()) {
    std::string error;
    retarget_.store(false);
    check_device_.store(false);
    if (!Open(&error)) {
      if (first) {
        first_open_->set_value(error.empty() ? "open failed" : error);
        break;
      }
      {
        std::lock_guard<std::mutex> lock(describe_mutex_);
        description_ = "reconnecting: " + error;
      }
      WaitForSingleObject(wake_event_, backoff_ms);
      backoff_ms = std::min(backoff_ms * 2, kMaxBackoffMs);
      continue;
    }
    if (first) {
      first = false;
      first_open_->set_value(std::string());
    } else {
      reconnects_.fetch_add(1, std::memory_order_relaxed);
    }
    backoff_ms = kFirstBackoffMs;
    connected_.store(true, std::memory_order_relaxed);
    const LoopEnd end = config_.direction == Direction::kCapture ? static_cast<LoopEnd>(CaptureLoop())
                                                                 : static_cast<LoopEnd>(RenderLoop());
    connected_.store(false, std::memory_order_relaxed);
    s.Close();
    if (end == LoopEnd::kRetarget) retargets_.fetch_add(1, std::memory_order_relaxed);
  }
  s.Close();
  s.enumerator.Reset();
  if (s.audio_event != nullptr) {
    CloseHandle(s.audio_event);
    s.audio_event = nullptr;
  }
  if (mmcss != nullptr) AvRevertMmThreadCharacteristics(mmcss);
  if (com_ok) CoUninitialize();
}

// Waits for the next period. Returns true to serve it, false with *end to leave the loop.
bool WasapiStream::WaitForPeriod(int* end) {
  Impl& s = *impl_;
  HANDLE handles[2] = {s.audio_event, wake_event_};
  for (;;) {
  const DWORD w = WaitForMultipleObjects(2, handles, FALSE, kStallTimeoutMs);
  if (stop_.load()) {
    *end = static_cast<int>(LoopEnd::kStop);
    return false;
  }
  if (w == WAIT_TIMEOUT) {
    stalls_.fetch_add(1, std::memory_order_relaxed);
    *end = static_cast<int>(LoopEnd::kLost);
    return false;
  }
  if (retarget_.exchange(false)) {
    *end = static_cast<int>(LoopEnd::kRetarget);
    return false;
  }
  if (check_device_.exchange(false)) {
    DWORD state = 0;
    if (FAILED(s.device->GetState(&state)) || state != DEVICE_STATE_ACTIVE) {
      *end = static_cast<int>(LoopEnd::kLost);
      return false;
    }
  }
  if (w == WAIT_OBJECT_0 + 1) continue;  // woken for nothing that applies to this stream
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  return true;
  }
}

int WasapiStream::CaptureLoop() {
  Impl& s = *impl_;
  const engine::BufferLayout& layout = s.format.layout;
  const int device_channels = layout.channels;
  int end = 0;
  while (WaitForPeriod(&end)) {
    for (;;) {
      UINT32 packet = 0;
      HRESULT hr = s.capture->GetNextPacketSize(&packet);
      if (SUCCEEDED(hr) && packet == 0) break;
      BYTE* data = nullptr;
      UINT32 frames = 0;
      DWORD flags = 0;
      UINT64 qpc_100ns = 0;
      if (SUCCEEDED(hr)) hr = s.capture->GetBuffer(&data, &frames, &flags, nullptr, &qpc_100ns);
      if (FAILED(hr)) {
        last_hresult_.store(static_cast<int32_t>(hr), std::memory_order_relaxed);
        return static_cast<int>(LoopEnd::kLost);
      }
      if (flags & AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY) discontinuities_.fetch_add(1, std::memory_order_relaxed);
      const bool silent = (flags & AUDCLNT_BUFFERFLAGS_SILENT) != 0;
      if (silent) silent_.fetch_add(1, std::memory_order_relaxed);
      // When the packet's first frame was captured: the device's QPC stamp, unless it
      // says it has none or it is implausible (after the packet arrived, or older than a
      // second); then the arrival time. (Wine stamps packets when it hands them over, so
      // there this is the arrival time too; a lower-envelope estimate over the stream's
      // position was tried and made the Bridge re-centre more often under Wine, because
      // it then counts the delivery delay as overdue frames: docs/windows/engine.md.)
      const double now = QpcSeconds();
      const double rate = s.format.sample_rate_hz;
      double first_s = now - static_cast<double>(frames) / rate;
      const double stamp = static_cast<double>(qpc_100ns) * 1e-7;
      if ((flags & AUDCLNT_BUFFERFLAGS_TIMESTAMP_ERROR) == 0 && qpc_100ns != 0 && stamp < first_s &&
          stamp > now - 1.0) {
        first_s = stamp;
      }
      // A packet larger than the scratch is handed over in pieces.
      for (UINT32 done = 0; done < frames;) {
        const size_t n = std::min<size_t>(frames - done, kMaxBlockFrames);
        if (silent) {
          for (float* p : s.engine_ptrs) std::fill_n(p, n, 0.0f);
        } else {
          const void* src = data + static_cast<size_t>(done) * s.format.bytes_per_frame;
          engine::ToFloatPlanar(layout, &src, n, s.device_ptrs.data());
          engine::MixChannels(s.device_ptrs.data(), device_channels, s.engine_ptrs.data(), config_.channels, n);
        }
        client_->OnCapture(s.engine_ptrs.data(), n,
                           first_s + static_cast<double>(done + n) / s.format.sample_rate_hz);
        done += static_cast<UINT32>(n);
      }
      hr = s.capture->ReleaseBuffer(frames);
      if (FAILED(hr)) {
        last_hresult_.store(static_cast<int32_t>(hr), std::memory_order_relaxed);
        return static_cast<int>(LoopEnd::kLost);
      }
      frames_.fetch_add(frames, std::memory_order_relaxed);
    }
  }
  return end;
}

int WasapiStream::RenderLoop() {
  Impl& s = *impl_;
  const engine::BufferLayout& layout = s.format.layout;
  const int device_channels = layout.channels;
  int end = 0;
  while (WaitForPeriod(&end)) {
    UINT32 padding = 0;
    HRESULT hr = s.client->GetCurrentPadding(&padding);
    const UINT32 room = SUCCEEDED(hr) && padding <= s.buffer_frames ? s.buffer_frames - padding : 0;
    BYTE* data = nullptr;
    if (SUCCEEDED(hr) && room > 0) hr = s.render->GetBuffer(room, &data);
    if (FAILED(hr)) {
      last_hresult_.store(static_cast<int32_t>(hr), std::memory_order_relaxed);
      return static_cast<int>(LoopEnd::kLost);
    }
    if (room == 0) continue;
    const double now = QpcSeconds();
    for (UINT32 done = 0; done < room;) {
      const size_t n = std::min<size_t>(room - done, kMaxBlockFrames);
      client_->OnRender(s.engine_ptrs.data(), n, now);
      engine::MixChannels(s.engine_ptrs.data(), config_.channels, s.device_ptrs.data(), device_channels, n);
      void* dst = data + static_cast<size_t>(done) * s.format.bytes_per_frame;
      engine::FromFloatPlanar(layout, s.device_ptrs.data(), n, &dst);
      done += static_cast<UINT32>(n);
    }
    hr = s.render->ReleaseBuffer(room, 0);
    if (FAILED(hr)) {
      last_hresult_.store(static_cast<int32_t>(hr), std::memory_order_relaxed);
      return static_cast<int>(LoopEnd::kLost);
    }
    frames_.fetch_add(room, std::memory_order_relaxed);
  }
  return end;
}

}  // namespace hush::wasapi
