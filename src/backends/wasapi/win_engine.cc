// SPDX-License-Identifier: MIT
#include "backends/wasapi/win_engine.h"

#include <hush/hush.h>

#include <windows.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

#include "backends/wasapi/denoise_path.h"
#include "backends/wasapi/device_watcher.h"
#include "backends/wasapi/driver_transport.h"
#include "backends/wasapi/driverless_transport.h"
#include "backends/wasapi/wasapi_common.h"
#include "backends/wasapi/wasapi_stream.h"

namespace hush::wasapi {

namespace {

// The engine's rate on the real side: WASAPI converts to it (AUTOCONVERTPCM), and it is
// the suppressor's own rate, so the mic path resamples nowhere but in the audio engine.
constexpr int kEngineRateHz = 48000;

// Everything one run of the paths needs, torn down in the reverse order of use.
struct Session {
  std::unique_ptr<VirtualEndpointTransport> transport;
  std::unique_ptr<DenoisePath> mic_path, speaker_path;
  std::unique_ptr<WasapiStream> mic_stream, speaker_stream;
  std::unique_ptr<DeviceWatcher> watcher;

  ~Session() {
    // Notifications first (they point at the streams), then every audio thread, then
    // the paths those threads called.
    watcher.reset();
    if (mic_stream) mic_stream->Stop();
    if (speaker_stream) speaker_stream->Stop();
    if (transport) transport->Stop();
  }
};

void PrintPath(const char* prefix, const char* name, const DenoisePath& path) {
  const DenoisePathTelemetry t = path.Telemetry();
  std::printf("%s%s path: captured=%llu rendered=%llu underruns=%llu overruns=%llu recentres=%llu "
              "bridge_latency_ms=%.1f drift_ppm=%.1f locked=%d denoiser_latency_ms=%.2f voice=%.2f denoise_errors=%llu\n",
              prefix, name, static_cast<unsigned long long>(t.captured_frames),
              static_cast<unsigned long long>(t.rendered_frames), static_cast<unsigned long long>(t.bridge.underruns),
              static_cast<unsigned long long>(t.bridge.overruns), static_cast<unsigned long long>(t.bridge.recentres),
              t.bridge.latency_ms, t.bridge.drift_ppm, t.bridge.locked ? 1 : 0,
              1000.0 * t.denoiser_latency_frames / path.Config().producer_rate_hz,
              static_cast<double>(t.voice_probability), static_cast<unsigned long long>(t.denoise_errors));
}

void PrintStream(const char* prefix, const char* name, const WasapiStream& stream) {
  const StreamStats s = stream.Stats();
  std::printf("%s%s stream: %s frames=%llu wakeups=%llu silent_packets=%llu discontinuities=%llu reconnects=%llu "
              "retargets=%llu stalls=%llu buffer_frames=%u stream_latency_ms=%.1f last_error=0x%08lx [%s]\n",
              prefix, name, s.connected ? "connected" : "DISCONNECTED", static_cast<unsigned long long>(s.frames),
              static_cast<unsigned long long>(s.wakeups), static_cast<unsigned long long>(s.silent_packets),
              static_cast<unsigned long long>(s.discontinuities), static_cast<unsigned long long>(s.reconnects),
              static_cast<unsigned long long>(s.retargets), static_cast<unsigned long long>(s.stalls),
              s.buffer_frames, static_cast<double>(s.stream_latency_100ns) / 1e4,
              static_cast<unsigned long>(static_cast<uint32_t>(s.last_hresult)), stream.Describe().c_str());
}

void PrintStatus(const Session& s, const char* prefix) {
  PrintPath(prefix, "mic", *s.mic_path);
  PrintStream(prefix, "input", *s.mic_stream);
  if (s.speaker_path) PrintPath(prefix, "speaker", *s.speaker_path);
  if (s.speaker_stream) PrintStream(prefix, "speakers", *s.speaker_stream);
  std::printf("%stransport: %s | %s\n", prefix, s.transport->Describe().c_str(), s.transport->Status().c_str());
  std::fflush(stdout);
}

// Builds and starts one session. Returns kExitOk, or an exit code after printing why.
int StartSession(const EngineConfig& config, const hush_model* model, Session* s) {
  std::string error;
  if (config.driverless) {
    s->transport = std::make_unique<DriverlessTransport>(config.output, kEngineRateHz, config.buffer_ms);
  } else {
    DriverOpenError kind = DriverOpenError::kNone;
    s->transport = DriverTransport::Open(&error, &kind);
    if (!s->transport) {
      std::fprintf(stderr, "hush.exe: %s\n", error.c_str());
      return kind == DriverOpenError::kNotInstalled ? kExitNoDriver : kExitDriverRefused;
    }
  }
  const EndpointFormat mic_format = s->transport->MicFormat();
  DenoisePathConfig mic_config;
  mic_config.producer_rate_hz = kEngineRateHz;
  mic_config.consumer_rate_hz = mic_format.sample_rate_hz;
  mic_config.channels = mic_format.channels;
  mic_config.atten_limit_db = config.strength_db;
  mic_config.target_latency_ms = config.target_latency_ms;
  s->mic_path = std::make_unique<DenoisePath>(model, mic_config);
  if (s->transport->HasSpeaker()) {
    const EndpointFormat speaker_format = s->transport->SpeakerFormat();
    DenoisePathConfig speaker_config = mic_config;
    speaker_config.producer_rate_hz = speaker_format.sample_rate_hz;
    speaker_config.consumer_rate_hz = kEngineRateHz;
    speaker_config.channels = speaker_format.channels;
    s->speaker_path = std::make_unique<DenoisePath>(model, speaker_config);
    StreamConfig sc;
    sc.direction = Direction::kRender;
    sc.device = config.speakers;
    sc.sample_rate_hz = kEngineRateHz;
    sc.channels = speaker_format.channels;
    sc.buffer_ms = config.buffer_ms;
    sc.name = "speakers";
    s->speaker_stream = std::make_unique<WasapiStream>(sc, s->speaker_path.get());
  }
  StreamConfig mc;
  mc.direction = Direction::kCapture;
  mc.device = config.input;
  mc.sample_rate_hz = kEngineRateHz;
  mc.channels = mic_format.channels;
  mc.buffer_ms = config.buffer_ms;
  mc.name = "input";
  s->mic_stream = std::make_unique<WasapiStream>(mc, s->mic_path.get());

  // Consumers first: the Bridge then holds the target from the first captured block.
  if (!s->transport->Start(s->mic_path.get(), s->speaker_path.get(), &error)) {
    std::fprintf(stderr, "hush.exe: %s\n", error.c_str());
    return kExitFailure;
  }
  if (s->speaker_stream && !s->speaker_stream->Start(&error)) {
    std::fprintf(stderr, "hush.exe: %s\n", error.c_str());
    return kExitFailure;
  }
  if (!s->mic_stream->Start(&error)) {
    std::fprintf(stderr, "hush.exe: %s\n", error.c_str());
    return kExitFailure;
  }
  std::vector<WasapiStream*> watched{s->mic_stream.get()};
  if (s->speaker_stream) watched.push_back(s->speaker_stream.get());
  if (config.driverless) {
    if (WasapiStream* out = static_cast<DriverlessTransport*>(s->transport.get())->Stream()) watched.push_back(out);
  }
  s->watcher = std::make_unique<DeviceWatcher>(watched);
  if (!s->watcher->Register(&error)) std::fprintf(stderr, "hush.exe: warning: %s\n", error.c_str());
  std::printf("hush.exe: running: input %s -> %s\n", s->mic_stream->Describe().c_str(),
              s->transport->Describe().c_str());
  if (s->speaker_stream) std::printf("hush.exe: speaker path -> %s\n", s->speaker_stream->Describe().c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

int RunEngine(const EngineConfig& config, const std::atomic<bool>& stop) {
  const HRESULT com = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(com)) {
    std::fprintf(stderr, "hush.exe: COM initialisation failed: %s\n", HResultText(com).c_str());
    return kExitFailure;
  }
  hush_model* model = nullptr;
  const hush_status status = hush_model_create(config.suppressor_kind, &model);
  if (status != HUSH_OK) {
    std::fprintf(stderr, "hush.exe: cannot create the suppressor: %s\n", hush_status_string(status));
    CoUninitialize();
    return kExitFailure;
  }
  int code = kExitOk;
  try {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto elapsed_s = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    auto next_status = config.status_every_s;
    bool done = false;
    int restarts = 0;
    while (!done) {
      auto session = std::make_unique<Session>();
      code = StartSession(config, model, session.get());
      if (code != kExitOk) break;
      while (!stop.load() && !(config.seconds > 0 && elapsed_s() >= config.seconds)) {
        if (session->transport->NeedsRestart()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (config.status_every_s > 0 && elapsed_s() >= next_status) {
          PrintStatus(*session, "status: ");
          next_status += config.status_every_s;
        }
      }
      if (session->transport->NeedsRestart() && !stop.load()) {
        ++restarts;
        std::printf("hush.exe: the virtual side changed (driver format or device); restarting the paths (%d)\n",
                    restarts);
        continue;  // the session's destructor stops everything first
      }
      // Stop the audio threads before the final counters, so they are complete.
      session->watcher.reset();
      session->mic_stream->Stop();
      if (session->speaker_stream) session->speaker_stream->Stop();
      session->transport->Stop();
      std::printf("hush.exe: ran %.2f s\n", elapsed_s());
      PrintStatus(*session, "summary: ");
      done = true;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hush.exe: error: %s\n", e.what());
    code = kExitFailure;
  }
  hush_model_destroy(model);
  CoUninitialize();
  return code;
}

int ListDevices() {
  const HRESULT com = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(com)) {
    std::fprintf(stderr, "hush.exe: COM initialisation failed: %s\n", HResultText(com).c_str());
    return kExitFailure;
  }
  int code = kExitOk;
  {
    ComRef<IMMDeviceEnumerator> enumerator;
    HRESULT hr = CoCreateInstance(__uuidof(MMDeviceEnumerator), nullptr, CLSCTX_ALL, __uuidof(IMMDeviceEnumerator),
                                  enumerator.PutVoid());
    if (FAILED(hr)) {
      std::fprintf(stderr, "hush.exe: cannot create the MMDeviceEnumerator: %s\n", HResultText(hr).c_str());
      code = kExitFailure;
    } else {
      for (const EDataFlow flow : {eCapture, eRender}) {
        std::string error;
        const auto list = ListEndpoints(enumerator.Get(), flow, &error);
        std::printf("%s endpoints (%zu):\n", flow == eCapture ? "Capture" : "Render", list.size());
        if (!error.empty()) {
          std::fprintf(stderr, "hush.exe: %s\n", error.c_str());
          code = kExitFailure;
        }
        for (const auto& e : list) {
          std::printf("  %s \"%s\"\n      id: %s\n      mix format: %s\n", e.is_default ? "*" : " ", e.name.c_str(),
                      e.id.c_str(), e.mix_format.c_str());
        }
      }
      std::printf("(* = default; pass an id or part of a name to --input / --output / --speakers)\n");
    }
  }
  CoUninitialize();
  return code;
}

}  // namespace hush::wasapi
