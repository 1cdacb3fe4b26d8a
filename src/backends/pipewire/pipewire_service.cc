// SPDX-License-Identifier: MIT
#include "backends/pipewire/pipewire_service.h"

#include <hush/hush.h>
#include <pthread.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/latency-utils.h>
#include <spa/utils/result.h>
#pragma GCC diagnostic pop

#include "service/config.h"
#include "service/control_protocol.h"
#include "service/control_socket.h"
#include "service/path_processor.h"

namespace hush::pipewire {
namespace {

using service::Config;
using service::PathConfig;
using service::PathProcessor;

constexpr uint32_t kMaxChannels = 2;
constexpr uint32_t kMaxQuantumFrames = 8192;  // PipeWire's largest quantum
constexpr double kFirstRetryS = 0.1, kMaxRetryS = 5.0;

void Log(const char* format, ...) __attribute__((format(printf, 1, 2)));
void Log(const char* format, ...) {
  // The control thread only; the data thread never logs.
  va_list args;
  va_start(args, format);
  std::fputs("hush run: ", stderr);
  std::vfprintf(stderr, format, args);
  std::fputc('\n', stderr);
  va_end(args);
}

int SuppressorKind(const std::string& name) {
  if (name == "neural") return HUSH_SUPPRESSOR_NEURAL;
  if (name == "statistical") return HUSH_SUPPRESSOR_STATISTICAL;
  return HUSH_SUPPRESSOR_DEFAULT;
}

const char* StreamStateName(pw_stream_state state) { return pw_stream_state_as_string(state); }

class Service;

// One direction: a capture stream, a playback stream, the processor between them.
struct Path {
  Service* service = nullptr;
  bool microphone = true;
  const char* label = "";      // "microphone" | "speaker"
  const char* node_name = "";  // the virtual device's node.name
  PathConfig config;

  pw_stream* capture = nullptr;
  pw_stream* playback = nullptr;
  spa_hook capture_listener{};
  spa_hook playback_listener{};
  pw_stream_state capture_state = PW_STREAM_STATE_UNCONNECTED;
  pw_stream_state playback_state = PW_STREAM_STATE_UNCONNECTED;
  uint64_t watched_cycles = 0;  // the watchdog's last look at `cycles`
  int stalled_ticks = 0;
  int paused_ticks = 0;
  int64_t rebuilt_ns = 0;
  std::string last_error;

  // The processor the data thread uses; swapped only through a blocking invoke on the
  // data loop, so the data thread never sees one being destroyed.
  std::atomic<PathProcessor*> active{nullptr};
  std::unique_ptr<PathProcessor> owned;
  std::atomic<spa_io_position*> position{nullptr};

  // Written by the data thread.
  std::atomic<uint64_t> cycles{0}, missing_input{0}, short_input{0};
  std::atomic<uint32_t> quantum_frames{0}, graph_rate_hz{0};
  std::atomic<double> rate_diff{1.0};
  std::atomic<int64_t> last_input_ns{0};
};

class Service {
 public:
  explicit Service(const ServiceOptions& options) : options_(options) {}
  ~Service() { Shutdown(); }

  int Run();
  const Config& config() const { return config_; }
  hush_model* model() const { return model_; }
  pw_loop* loop() const { return pw_main_loop_get_loop(main_loop_); }
  pw_context* context() const { return context_; }
  void OnCoreError(uint32_t id, int res, const char* message);
  void OnGlobal(uint32_t id, const char* type, const spa_dict* props);
  void OnGlobalRemoved(uint32_t id);
  void ReplaceProcessor(Path& path, uint32_t rate_hz, uint32_t channels);
  bool verbose() const { return options_.verbose; }

 private:
  void Shutdown();
  void Connect();
  void Disconnect();
  void ScheduleReconnect();
  void CreatePath(Path& path);
  void DestroyPath(Path& path);
  void ApplyConfig(const Config& next);
  void ReloadConfig();
  std::string Handle(const std::string& request);
  std::string StatusJson() const;
  std::string PathJson(const Path& path) const;
  bool SaveConfig(std::string* error);

  static void OnSignal(void* data, int signal_number);
  static void OnReconnectTimer(void* data, uint64_t expirations);
  static void OnWatchdog(void* data, uint64_t expirations);
  static void OnControlSocket(void* data, int fd, uint32_t mask);
  static void OnConfigChanged(void* data, int fd, uint32_t mask);

  ServiceOptions options_;
  Config config_;
  pw_main_loop* main_loop_ = nullptr;
  pw_context* context_ = nullptr;
  pw_core* core_ = nullptr;
  spa_hook core_listener_{};
  pw_registry* registry_ = nullptr;
  spa_hook registry_listener_{};
  uint32_t default_metadata_id_ = SPA_ID_INVALID;  // the session manager's "default" metadata
  bool session_manager_left_ = false;
  bool rebuild_requested_ = false;
  hush_model* model_ = nullptr;
  Path mic_, speaker_;
  service::ControlServer control_;
  spa_source* reconnect_timer_ = nullptr;
  spa_source* watchdog_timer_ = nullptr;
  double retry_s_ = kFirstRetryS;
  bool reconnect_pending_ = false;
  uint64_t reconnects_ = 0;
  uint64_t rebuilds_ = 0;
  int inotify_fd_ = -1;
  std::string config_dir_, config_name_;
  int64_t started_ns_ = 0;
};

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// ---- the data thread ----------------------------------------------------------------

// [RT-safe] Capture side: data has arrived for this cycle; run the playback side now.
void OnCaptureProcess(void* data) {
  auto* path = static_cast<Path*>(data);
  pw_stream_trigger_process(path->playback);
}

// [RT-safe] Playback side, triggered by the capture side in the same cycle: take the
// captured block, process it into the playback buffer. A missing or short input block
// (the real device went away, or has not started yet) becomes silence, never stale data.
void OnPlaybackProcess(void* data) {
  auto* path = static_cast<Path*>(data);
  pw_buffer* in = pw_stream_dequeue_buffer(path->capture);
  pw_buffer* out = pw_stream_dequeue_buffer(path->playback);
  path->cycles.fetch_add(1, std::memory_order_relaxed);
  if (spa_io_position* position = path->position.load(std::memory_order_acquire)) {
    path->quantum_frames.store(static_cast<uint32_t>(position->clock.duration), std::memory_order_relaxed);
    path->graph_rate_hz.store(position->clock.rate.denom, std::memory_order_relaxed);
    path->rate_diff.store(position->clock.rate_diff, std::memory_order_relaxed);
  }
  if (out != nullptr) {
    spa_buffer* ob = out->buffer;
    const uint32_t planes = std::min<uint32_t>(ob->n_datas, kMaxChannels);
    uint32_t frames = kMaxQuantumFrames;
    float* dst[kMaxChannels] = {};
    for (uint32_t c = 0; c < planes; ++c) {
      dst[c] = static_cast<float*>(ob->datas[c].data);
      if (dst[c] == nullptr) frames = 0;
      frames = std::min<uint32_t>(frames, ob->datas[c].maxsize / sizeof(float));
    }
    if (out->requested != 0) frames = std::min<uint64_t>(frames, out->requested);
    // Never more than this cycle's quantum: after the quantum is forced down (2048 ->
    // 256) `requested` can still hold the old size for a while, and a buffer longer
    // than the cycle stalls the graph (seen here, before this line: the path stopped).
    const uint32_t quantum = path->quantum_frames.load(std::memory_order_relaxed);
    if (quantum != 0) frames = std::min(frames, quantum);

    const float* src[kMaxChannels] = {};
    uint32_t in_frames = 0;
    if (in != nullptr) {
      spa_buffer* ib = in->buffer;
      in_frames = frames;
      for (uint32_t c = 0; c < std::min<uint32_t>(ib->n_datas, kMaxChannels); ++c) {
        const spa_data& d = ib->datas[c];
        if (d.data == nullptr || d.chunk == nullptr) continue;
        const uint32_t offset = std::min(d.chunk->offset, d.maxsize);
        const uint32_t size = std::min(d.chunk->size, d.maxsize - offset);
        src[c] = static_cast<const float*>(SPA_PTROFF(d.data, offset, void));
        in_frames = std::min<uint32_t>(in_frames, size / sizeof(float));
      }
      if (in_frames > 0) path->last_input_ns.store(MonotonicNs(), std::memory_order_relaxed);
    } else {
      path->missing_input.fetch_add(1, std::memory_order_relaxed);
    }
    PathProcessor* processor = path->active.load(std::memory_order_acquire);
    if (frames > 0 && processor != nullptr && processor->Channels() <= planes) {
      const uint32_t n = std::min(in_frames, frames);
      if (n > 0) processor->Process(src, dst, n);
      if (n < frames) {
        if (in != nullptr) path->short_input.fetch_add(1, std::memory_order_relaxed);
        float* rest[kMaxChannels] = {};
        for (uint32_t c = 0; c < planes; ++c) rest[c] = dst[c] + n;
        processor->Process(nullptr, rest, frames - n);
      }
      // A mono path on a stereo device: both channels carry it.
      for (uint32_t c = processor->Channels(); c < planes; ++c) std::memcpy(dst[c], dst[0], frames * sizeof(float));
    } else {
      for (uint32_t c = 0; c < planes; ++c) {
        if (dst[c] != nullptr) std::memset(dst[c], 0, frames * sizeof(float));
      }
    }
    for (uint32_t c = 0; c < planes; ++c) {
      ob->datas[c].chunk->offset = 0;
      ob->datas[c].chunk->size = frames * sizeof(float);
      ob->datas[c].chunk->stride = sizeof(float);
    }
    pw_stream_queue_buffer(path->playback, out);
  }
  if (in != nullptr) pw_stream_queue_buffer(path->capture, in);
}

// ---- the main loop ------------------------------------------------------------------

int SwapProcessor(spa_loop*, bool, uint32_t, const void*, size_t, void* user_data) {
  auto* pair = static_cast<std::pair<Path*, PathProcessor*>*>(user_data);
  pair->first->active.store(pair->second, std::memory_order_release);
  return 0;
}

void Service::ReplaceProcessor(Path& path, uint32_t rate_hz, uint32_t channels) {
  if (path.owned && path.owned->SampleRateHz() == rate_hz && path.owned->Channels() == channels) return;
  std::unique_ptr<PathProcessor> next;
  try {
    next = std::make_unique<PathProcessor>(model_, rate_hz, channels, kMaxQuantumFrames);
  } catch (const std::exception& e) {
    path.last_error = e.what();
    Log("%s: %s", path.label, e.what());
    next.reset();
  }
  if (next) {
    next->SetAttenLimitDb(static_cast<float>(config_.strength));
    next->SetSuppressing(path.config.enabled);
  }
  std::pair<Path*, PathProcessor*> swap{&path, next.get()};
  // Blocking: when it returns the data thread has finished any cycle that used the old
  // processor, so it can be destroyed here, off the real-time thread.
  pw_data_loop_invoke(pw_context_get_data_loop(context_), SwapProcessor, 0, nullptr, 0, true, &swap);
  path.owned = std::move(next);
  if (path.owned) {
    Log("%s: %u Hz, %u channel(s), latency %u frames (%.2f ms)", path.label, rate_hz, channels,
        path.owned->LatencyFrames(), 1000.0 * path.owned->LatencyFrames() / rate_hz);
  }
}

// Latency: what PipeWire reports to apps (and uses to align streams) is the sum along
// the path; this path adds the processor's latency to what it forwards.
void ForwardLatency(Path& path, const spa_pod* param) {
  spa_latency_info latency;
  if (param == nullptr || spa_latency_parse(param, &latency) < 0) return;
  PathProcessor* processor = path.owned.get();
  if (processor != nullptr) {
    const uint64_t ns = 1000000000ull * processor->LatencyFrames() / processor->SampleRateHz();
    latency.min_ns += ns;
    latency.max_ns += ns;
  }
  uint8_t buffer[1024];
  spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
  const spa_pod* params[1] = {spa_latency_build(&b, SPA_PARAM_Latency, &latency)};
  pw_stream_update_params(latency.direction == SPA_DIRECTION_INPUT ? path.capture : path.playback, params, 1);
}

void OnCaptureParam(void* data, uint32_t id, const spa_pod* param) {
  auto* path = static_cast<Path*>(data);
  if (id == SPA_PARAM_Latency) {
    ForwardLatency(*path, param);
    return;
  }
  if (id != SPA_PARAM_Format || param == nullptr) return;
  spa_audio_info_raw info{};
  if (spa_format_audio_raw_parse(param, &info) < 0 || info.rate == 0 || info.channels == 0) return;
  path->service->ReplaceProcessor(*path, info.rate, std::min<uint32_t>(info.channels, kMaxChannels));
}

void OnPlaybackParam(void* data, uint32_t id, const spa_pod* param) {
  if (id == SPA_PARAM_Latency) ForwardLatency(*static_cast<Path*>(data), param);
}

void OnIoChanged(void* data, uint32_t id, void* area, uint32_t size) {
  auto* path = static_cast<Path*>(data);
  if (id != SPA_IO_Position) return;
  path->position.store(area != nullptr && size >= sizeof(spa_io_position) ? static_cast<spa_io_position*>(area) : nullptr,
                       std::memory_order_release);
}

// A paused stream (format or quantum renegotiation) drops what both sides still hold,
// as PipeWire's loopback does: otherwise the trigger chain between the two halves can
// stay one buffer out of step and stall the graph (seen here after a quantum change).
void FlushWhenPaused(Path& path, pw_stream_state state) {
  if (state != PW_STREAM_STATE_PAUSED) return;
  if (path.playback != nullptr) pw_stream_flush(path.playback, false);
  if (path.capture != nullptr) pw_stream_flush(path.capture, false);
}

void OnCaptureState(void* data, pw_stream_state, pw_stream_state state, const char* error) {
  auto* path = static_cast<Path*>(data);
  FlushWhenPaused(*path, state);
  path->capture_state = state;
  if (state == PW_STREAM_STATE_ERROR) path->last_error = error != nullptr ? error : "stream error";
  if (path->service->verbose()) Log("%s capture: %s", path->label, StreamStateName(state));
}

void OnPlaybackState(void* data, pw_stream_state, pw_stream_state state, const char* error) {
  auto* path = static_cast<Path*>(data);
  FlushWhenPaused(*path, state);
  path->playback_state = state;
  if (state == PW_STREAM_STATE_ERROR) path->last_error = error != nullptr ? error : "stream error";
  if (path->service->verbose()) Log("%s playback: %s", path->label, StreamStateName(state));
}

const pw_stream_events kCaptureEvents = [] {
  pw_stream_events e{};
  e.version = PW_VERSION_STREAM_EVENTS;
  e.state_changed = OnCaptureState;
  e.io_changed = nullptr;
  e.param_changed = OnCaptureParam;
  e.process = OnCaptureProcess;
  return e;
}();

const pw_stream_events kPlaybackEvents = [] {
  pw_stream_events e{};
  e.version = PW_VERSION_STREAM_EVENTS;
  e.state_changed = OnPlaybackState;
  e.io_changed = OnIoChanged;
  e.param_changed = OnPlaybackParam;
  e.process = OnPlaybackProcess;
  return e;
}();

void OnCoreErrorEvent(void* data, uint32_t id, int, int res, const char* message) {
  static_cast<Service*>(data)->OnCoreError(id, res, message);
}

const pw_core_events kCoreEvents = [] {
  pw_core_events e{};
  e.version = PW_VERSION_CORE_EVENTS;
  e.error = OnCoreErrorEvent;
  return e;
}();

void OnGlobalEvent(void* data, uint32_t id, uint32_t, const char* type, uint32_t, const spa_dict* props) {
  static_cast<Service*>(data)->OnGlobal(id, type, props);
}
void OnGlobalRemoveEvent(void* data, uint32_t id) { static_cast<Service*>(data)->OnGlobalRemoved(id); }

const pw_registry_events kRegistryEvents = [] {
  pw_registry_events e{};
  e.version = PW_VERSION_REGISTRY_EVENTS;
  e.global = OnGlobalEvent;
  e.global_remove = OnGlobalRemoveEvent;
  return e;
}();

// The session manager's restart, seen as its "default" metadata going and coming back:
// a new WirePlumber cannot reconfigure streams the old one configured (PipeWire logs
// "node_set_param(Format) failed" and nothing is linked), so both paths get fresh
// streams as soon as it is back (the watchdog does it, on the main loop).
void Service::OnGlobal(uint32_t id, const char* type, const spa_dict* props) {
  if (type == nullptr || std::strcmp(type, PW_TYPE_INTERFACE_Metadata) != 0 || props == nullptr) return;
  const char* name = spa_dict_lookup(props, "metadata.name");
  if (name == nullptr || std::strcmp(name, "default") != 0) return;
  default_metadata_id_ = id;
  if (session_manager_left_) {
    session_manager_left_ = false;
    rebuild_requested_ = true;
    Log("the session manager is back");
  }
}

void Service::OnGlobalRemoved(uint32_t id) {
  if (id != default_metadata_id_) return;
  default_metadata_id_ = SPA_ID_INVALID;
  session_manager_left_ = true;
  Log("the session manager went away; waiting for it");
}

void Service::OnCoreError(uint32_t id, int res, const char* message) {
  Log("PipeWire error (object %u): %s: %s", id, spa_strerror(res), message != nullptr ? message : "");
  if (id == PW_ID_CORE && res == -EPIPE) ScheduleReconnect();  // the daemon went away
}

void Service::CreatePath(Path& path) {
  // The virtual devices are stereo, so stereo apps get two channels and mono apps
  // PipeWire's downmix of the same signal; a mono microphone is processed once, in mono,
  // and both channels carry it.
  const uint32_t channels = path.microphone ? static_cast<uint32_t>(std::clamp(path.config.channels, 1, 2)) : 2;
  const std::string group = std::string("hush-") + path.label;
  pw_properties* capture_props = pw_properties_new(
      PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_NODE_GROUP, group.c_str(), PW_KEY_NODE_LINK_GROUP, group.c_str(), nullptr);
  pw_properties* playback_props = pw_properties_new(
      PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_NODE_GROUP, group.c_str(), PW_KEY_NODE_LINK_GROUP, group.c_str(), nullptr);
  pw_properties* real = path.microphone ? capture_props : playback_props;
  pw_properties* virt = path.microphone ? playback_props : capture_props;
  pw_properties_set(virt, SPA_KEY_AUDIO_POSITION, "FL,FR");
  // The capture side is scheduled even with nothing linked to it (the real device gone,
  // or WirePlumber restarting): it still triggers the playback side, so the path carries
  // silence instead of stalling the apps on the virtual device.
  pw_properties_set(capture_props, PW_KEY_NODE_ALWAYS_PROCESS, "true");
  pw_properties_set(real, SPA_KEY_AUDIO_POSITION, channels == 1 ? "MONO" : "FL,FR");
  // "Audio/Source", not "Audio/Source/Virtual", for the microphone: WirePlumber 0.4.13
  // gives a stream node of that class a single *input* port (in_FR; seen here with
  // pw-loopback too), so no app could record from it, and as mono it never activates and
  // stalls all linking.
  struct Names {
    const char *category, *real_name, *real_description, *media_class, *name, *description, *icon;
  };
  static constexpr Names kMicrophone{"Capture", "hush_microphone_input", "Hush microphone (input)", "Audio/Source",
                                     "hush_microphone", "Hush microphone", "audio-input-microphone"};
  static constexpr Names kSpeaker{"Playback", "hush_speaker_output", "Hush speaker (output)", "Audio/Sink",
                                  "hush_speaker", "Hush speaker", "audio-speakers"};
  const Names& names = path.microphone ? kMicrophone : kSpeaker;
  pw_properties_set(real, PW_KEY_MEDIA_CATEGORY, names.category);
  pw_properties_set(real, PW_KEY_NODE_NAME, names.real_name);
  pw_properties_set(real, PW_KEY_NODE_DESCRIPTION, names.real_description);
  pw_properties_set(virt, PW_KEY_MEDIA_CLASS, names.media_class);
  pw_properties_set(virt, PW_KEY_NODE_NAME, names.name);
  pw_properties_set(virt, PW_KEY_NODE_DESCRIPTION, names.description);
  pw_properties_set(virt, "device.icon-name", names.icon);
  // Never the automatic default: a Hush device chosen as the default source/sink would
  // become its own path's target (the link group then leaves the path unlinked). Apps
  // pick "Hush microphone" / "Hush speaker" explicitly (or the user makes it default).
  pw_properties_set(virt, PW_KEY_PRIORITY_SESSION, "1");
  pw_properties_set(virt, PW_KEY_PRIORITY_DRIVER, "1");
  if (!path.config.device.empty()) pw_properties_set(real, PW_KEY_TARGET_OBJECT, path.config.device.c_str());
  path.capture = pw_stream_new(core_, "hush capture", capture_props);
  path.playback = pw_stream_new(core_, "hush playback", playback_props);
  if (path.capture == nullptr || path.playback == nullptr) {
    path.last_error = std::string("cannot create streams: ") + std::strerror(errno);
    Log("%s: %s", path.label, path.last_error.c_str());
    DestroyPath(path);
    return;
  }
  pw_stream_add_listener(path.capture, &path.capture_listener, &kCaptureEvents, &path);
  pw_stream_add_listener(path.playback, &path.playback_listener, &kPlaybackEvents, &path);

  // Planar float at the graph's rate (no rate given: the graph's own is negotiated, so
  // no resampler sits between the two halves and both see the same frames per cycle).
  auto format = [](uint32_t n, spa_pod_builder* b) {
    spa_audio_info_raw info{};
    info.format = SPA_AUDIO_FORMAT_F32P;
    info.channels = n;
    info.position[0] = n == 1 ? SPA_AUDIO_CHANNEL_MONO : SPA_AUDIO_CHANNEL_FL;
    info.position[1] = SPA_AUDIO_CHANNEL_FR;
    return spa_format_audio_raw_build(b, SPA_PARAM_EnumFormat, &info);
  };
  uint8_t capture_buffer[1024], playback_buffer[1024];
  spa_pod_builder cb = SPA_POD_BUILDER_INIT(capture_buffer, sizeof(capture_buffer));
  spa_pod_builder pb = SPA_POD_BUILDER_INIT(playback_buffer, sizeof(playback_buffer));
  const spa_pod* capture_params[1] = {format(path.microphone ? channels : 2, &cb)};
  const spa_pod* playback_params[1] = {format(2, &pb)};
  const auto flags = static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
                                                  PW_STREAM_FLAG_RT_PROCESS);
  // The playback side first, so it is active before the capture side triggers it.
  int res = pw_stream_connect(path.playback, PW_DIRECTION_OUTPUT, PW_ID_ANY,
                              static_cast<pw_stream_flags>(flags | PW_STREAM_FLAG_TRIGGER), playback_params, 1);
  if (res >= 0) res = pw_stream_connect(path.capture, PW_DIRECTION_INPUT, PW_ID_ANY, flags, capture_params, 1);
  if (res < 0) {
    path.last_error = std::string("cannot connect streams: ") + spa_strerror(res);
    Log("%s: %s", path.label, path.last_error.c_str());
    DestroyPath(path);
  }
}

void Service::DestroyPath(Path& path) {
  if (path.capture != nullptr) {
    spa_hook_remove(&path.capture_listener);
    pw_stream_destroy(path.capture);
    path.capture = nullptr;
  }
  if (path.playback != nullptr) {
    spa_hook_remove(&path.playback_listener);
    pw_stream_destroy(path.playback);
    path.playback = nullptr;
  }
  path.position.store(nullptr, std::memory_order_release);
  path.quantum_frames.store(0, std::memory_order_relaxed);  // the next streams report their own
  // The streams (and their data-thread callbacks) are gone: the processor can go.
  path.active.store(nullptr, std::memory_order_release);
  path.owned.reset();
  path.capture_state = path.playback_state = PW_STREAM_STATE_UNCONNECTED;
}

void Service::Connect() {
  reconnect_pending_ = false;
  core_ = pw_context_connect(context_, nullptr, 0);
  if (core_ == nullptr) {
    Log("cannot connect to PipeWire (%s); retrying in %.1f s", std::strerror(errno), retry_s_);
    ScheduleReconnect();
    return;
  }
  pw_core_add_listener(core_, &core_listener_, &kCoreEvents, this);
  registry_ = pw_core_get_registry(core_, PW_VERSION_REGISTRY, 0);
  if (registry_ != nullptr) pw_registry_add_listener(registry_, &registry_listener_, &kRegistryEvents, this);
  default_metadata_id_ = SPA_ID_INVALID;
  session_manager_left_ = rebuild_requested_ = false;
  retry_s_ = kFirstRetryS;
  CreatePath(mic_);
  CreatePath(speaker_);
  Log("connected to PipeWire: \"Hush microphone\" and \"Hush speaker\" are up");
}

void Service::Disconnect() {
  DestroyPath(mic_);
  DestroyPath(speaker_);
  if (registry_ != nullptr) {
    spa_hook_remove(&registry_listener_);
    pw_proxy_destroy(reinterpret_cast<pw_proxy*>(registry_));
    registry_ = nullptr;
  }
  if (core_ != nullptr) {
    spa_hook_remove(&core_listener_);
    pw_core_disconnect(core_);
    core_ = nullptr;
  }
}

void Service::ScheduleReconnect() {
  if (reconnect_pending_) return;
  reconnect_pending_ = true;
  ++reconnects_;
  timespec value{};
  value.tv_sec = static_cast<time_t>(retry_s_);
  value.tv_nsec = static_cast<long>((retry_s_ - std::floor(retry_s_)) * 1e9);
  pw_loop_update_timer(loop(), reconnect_timer_, &value, nullptr, false);
  retry_s_ = std::min(kMaxRetryS, retry_s_ * 2);
}

void Service::OnReconnectTimer(void* data, uint64_t) {
  auto* self = static_cast<Service*>(data);
  // Tearing down here, not inside the core's error callback, where it is not allowed.
  self->Disconnect();
  self->Connect();
}

// Every kWatchdogMs: a path whose streams are both streaming must be processing (the
// capture side is always-process, so it runs even with the real device gone). If its
// cycle count stands still for kStallTicks, the graph has left the trigger chain
// stalled, and the path is rebuilt (new streams, ~100 ms), so audio is back well within
// 500 ms instead of never. (The one stall seen here, after a forced quantum shrink, was
// this client writing more than the quantum; OnPlaybackProcess now never does. The
// watchdog stays as the last line of defence, and says so in the log when it acts.)
//
// A path left paused (unlinked) while the session manager is there is rebuilt too, at
// most every kPausedRebuildS, in case the session manager could not configure it (the
// restart case is handled at once, see OnGlobal). With no device at all the path stays
// paused and is rebuilt every few seconds, which costs nothing audible.
constexpr int kWatchdogMs = 100;
constexpr int kStallTicks = 2;
constexpr int kPausedTicks = 3;
constexpr double kPausedRebuildS = 3.0;

void Service::OnWatchdog(void* data, uint64_t) {
  auto* self = static_cast<Service*>(data);
  if (self->core_ == nullptr) return;
  if (self->rebuild_requested_) {
    self->rebuild_requested_ = false;
    ++self->rebuilds_;
    for (Path* path : {&self->mic_, &self->speaker_}) {
      self->DestroyPath(*path);
      self->CreatePath(*path);
      path->rebuilt_ns = MonotonicNs();
    }
    return;
  }
  for (Path* path : {&self->mic_, &self->speaker_}) {
    const uint64_t cycles = path->cycles.load(std::memory_order_relaxed);
    const bool streaming = path->capture_state == PW_STREAM_STATE_STREAMING &&
                           path->playback_state == PW_STREAM_STATE_STREAMING;
    path->stalled_ticks = streaming && cycles == path->watched_cycles ? path->stalled_ticks + 1 : 0;
    path->watched_cycles = cycles;
    const bool paused = path->capture_state == PW_STREAM_STATE_PAUSED || path->playback_state == PW_STREAM_STATE_PAUSED;
    path->paused_ticks = paused ? path->paused_ticks + 1 : 0;
    const bool may_rebuild_paused = !self->session_manager_left_ &&
                                    MonotonicNs() - path->rebuilt_ns > static_cast<int64_t>(kPausedRebuildS * 1e9);
    const bool stalled = path->stalled_ticks >= kStallTicks;
    if (stalled || (path->paused_ticks >= kPausedTicks && may_rebuild_paused)) {
      Log("%s: %s; rebuilding it", path->label, stalled ? "the graph stopped running the path" : "the path is not linked");
      path->paused_ticks = 0;
      path->rebuilt_ns = MonotonicNs();
      ++self->rebuilds_;
      path->stalled_ticks = 0;
      self->DestroyPath(*path);
      self->CreatePath(*path);
    }
  }
}

void Service::OnSignal(void* data, int signal_number) {
  auto* self = static_cast<Service*>(data);
  if (signal_number == SIGHUP) {
    self->ReloadConfig();
    return;
  }
  Log("stopping (signal %d)", signal_number);
  pw_main_loop_quit(self->main_loop_);
}

void Service::ApplyConfig(const Config& next) {
  const Config previous = config_;
  config_ = next;
  const bool model_changed = next.suppressor != previous.suppressor;
  if (model_changed) {
    hush_model* model = nullptr;
    const hush_status status = hush_model_create(SuppressorKind(next.suppressor), &model);
    if (status != HUSH_OK) {
      Log("suppressor \"%s\": %s; using the default", next.suppressor.c_str(), hush_status_string(status));
      hush_model_create(HUSH_SUPPRESSOR_DEFAULT, &model);
    }
    if (core_ != nullptr) Disconnect();  // processors hold the old model
    hush_model_destroy(model_);
    model_ = model;
  }
  for (Path* path : {&mic_, &speaker_}) {
    const PathConfig& wanted = path->microphone ? next.microphone : next.speaker;
    const bool streams_change = wanted.device != path->config.device || wanted.channels != path->config.channels;
    path->config = wanted;
    if (!model_changed && streams_change && core_ != nullptr) {
      DestroyPath(*path);
      CreatePath(*path);
    }
    if (path->owned) {
      path->owned->SetAttenLimitDb(static_cast<float>(next.strength));
      path->owned->SetSuppressing(wanted.enabled);
    }
  }
  if (model_changed && !reconnect_pending_) Connect();
}

void Service::ReloadConfig() {
  Config next;
  std::string error;
  if (!service::LoadConfigFile(options_.config_path, &next, &error)) {
    Log("config not applied: %s", error.c_str());  // the running settings stay
    return;
  }
  ApplyConfig(next);
}

void Service::OnConfigChanged(void* data, int fd, uint32_t) {
  auto* self = static_cast<Service*>(data);
  alignas(inotify_event) char buffer[4096];
  bool ours = false;
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    for (ssize_t i = 0; i < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + i);
      if (event->len > 0 && self->config_name_ == event->name) ours = true;
      i += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  if (ours) self->ReloadConfig();
}

bool Service::SaveConfig(std::string* error) { return service::SaveConfigFile(options_.config_path, config_, error); }

std::string Service::Handle(const std::string& text) {
  service::Request request;
  std::string error;
  if (!service::ParseRequest(text, &request, &error)) return service::ErrorResponse(error);
  Config next = config_;
  switch (request.kind) {
    case service::Request::Kind::kPing:
      return "{\"ok\":true}";
    case service::Request::Kind::kStatus:
      return StatusJson();
    case service::Request::Kind::kSetStrength:
      next.strength = request.strength;
      break;
    case service::Request::Kind::kMicrophone:
      next.microphone.enabled = request.on;
      break;
    case service::Request::Kind::kSpeaker:
      next.speaker.enabled = request.on;
      break;
  }
  ApplyConfig(next);
  // Applied live; persisted so that it survives a restart. The write triggers our own
  // inotify watch, which re-reads the same values (a no-op).
  if (!SaveConfig(&error)) return service::ErrorResponse("applied, but not saved: " + error);
  return "{\"ok\":true}";
}

std::string Service::PathJson(const Path& path) const {
  std::ostringstream out;
  const PathProcessor* processor = path.owned.get();
  const service::PathTelemetry t = processor != nullptr ? processor->Telemetry() : service::PathTelemetry{};
  const uint32_t rate = processor != nullptr ? processor->SampleRateHz() : 0;
  const uint32_t latency = processor != nullptr ? processor->LatencyFrames() : 0;
  const int64_t last_input = path.last_input_ns.load(std::memory_order_relaxed);
  const bool input_live = last_input != 0 && MonotonicNs() - last_input < 500000000;  // within 0.5 s
  std::string state;
  if (core_ == nullptr) {
    state = "reconnecting";
  } else if (processor == nullptr || path.playback_state != PW_STREAM_STATE_STREAMING) {
    state = "starting";
  } else if (!input_live) {
    state = "waiting";  // no audio from the real device: the virtual one carries silence
  } else if (t.degraded) {
    state = "degraded";
  } else if (!path.config.enabled) {
    state = "bypassed";
  } else {
    state = "running";
  }
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "{\"node\":" << service::JsonString(path.node_name) << ",\"enabled\":" << (path.config.enabled ? "true" : "false")
      << ",\"state\":" << service::JsonString(state)
      << ",\"device\":" << service::JsonString(path.config.device.empty() ? "(default)" : path.config.device)
      << ",\"capture_stream\":" << service::JsonString(StreamStateName(path.capture_state))
      << ",\"playback_stream\":" << service::JsonString(StreamStateName(path.playback_state))
      << ",\"rate_hz\":" << rate << ",\"channels\":" << (processor != nullptr ? processor->Channels() : 0)
      << ",\"quantum_frames\":" << path.quantum_frames.load(std::memory_order_relaxed)
      << ",\"graph_rate_hz\":" << path.graph_rate_hz.load(std::memory_order_relaxed)
      << ",\"latency_frames\":" << latency << ",\"latency_ms\":" << (rate != 0 ? 1000.0 * latency / rate : 0.0)
      << ",\"cpu_us_per_hop\":" << t.cpu_us_per_hop << ",\"load_percent\":" << 100.0 * t.load
      << ",\"voice_probability\":" << t.voice_probability
      << ",\"drift_ppm\":" << (path.rate_diff.load(std::memory_order_relaxed) - 1.0) * 1e6
      << ",\"cycles\":" << path.cycles.load(std::memory_order_relaxed)
      << ",\"xruns\":" << path.missing_input.load(std::memory_order_relaxed) + path.short_input.load(std::memory_order_relaxed)
      << ",\"degradations\":" << t.degradations << ",\"suppressing\":" << (t.suppressing ? "true" : "false")
      << ",\"error\":" << service::JsonString(path.last_error) << "}";
  return out.str();
}

std::string Service::StatusJson() const {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  const int kind = hush_model_kind(model_);
  out << "{\"ok\":true,\"version\":" << service::JsonString(hush_version_string())
      << ",\"connected\":" << (core_ != nullptr ? "true" : "false") << ",\"reconnects\":" << reconnects_ << ",\"path_rebuilds\":" << rebuilds_
      << ",\"uptime_s\":" << (MonotonicNs() - started_ns_) * 1e-9
      << ",\"suppressor\":" << service::JsonString(kind == HUSH_SUPPRESSOR_NEURAL ? "neural" : "statistical")
      << ",\"strength\":" << config_.strength << ",\"config\":" << service::JsonString(options_.config_path)
      << ",\"refused_requests\":" << control_.Refused() << ",\"microphone\":" << PathJson(mic_)
      << ",\"speaker\":" << PathJson(speaker_) << "}";
  return out.str();
}

void Service::OnControlSocket(void* data, int, uint32_t) {
  auto* self = static_cast<Service*>(data);
  self->control_.HandleReadable([self](const std::string& request) { return self->Handle(request); });
}

void Service::Shutdown() {
  if (context_ != nullptr) {
    Disconnect();
    pw_context_destroy(context_);
    context_ = nullptr;
  }
  if (main_loop_ != nullptr) {
    pw_main_loop_destroy(main_loop_);
    main_loop_ = nullptr;
    pw_deinit();
  }
  hush_model_destroy(model_);
  model_ = nullptr;
  if (inotify_fd_ >= 0) close(inotify_fd_);
  inotify_fd_ = -1;
}

int Service::Run() {
  started_ns_ = MonotonicNs();
  std::string error;
  if (!service::LoadConfigFile(options_.config_path, &config_, &error)) {
    Log("%s", error.c_str());
    return 1;
  }
  mic_.service = speaker_.service = this;
  mic_.microphone = true;
  mic_.label = "microphone";
  mic_.node_name = "hush_microphone";
  speaker_.microphone = false;
  speaker_.label = "speaker";
  speaker_.node_name = "hush_speaker";
  mic_.config = config_.microphone;
  speaker_.config = config_.speaker;
  if (options_.socket_path.empty()) {
    Log("XDG_RUNTIME_DIR is not set: there is no per-user place for the control socket");
    return 1;
  }
  if (!control_.Open(options_.socket_path, &error)) {
    Log("%s", error.c_str());
    return 1;
  }
  if (hush_model_create(SuppressorKind(config_.suppressor), &model_) != HUSH_OK &&
      hush_model_create(HUSH_SUPPRESSOR_DEFAULT, &model_) != HUSH_OK) {
    Log("cannot create the suppressor");
    return 1;
  }

  // Block the signals the main loop handles before any thread exists (PipeWire's data
  // thread among them): otherwise the kernel may deliver SIGINT to a thread that does not
  // block it, and the stop is lost (seen: `kill -INT` ignored after a reconnect).
  sigset_t handled;
  sigemptyset(&handled);
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&handled, signal_number);
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  pw_init(nullptr, nullptr);
  main_loop_ = pw_main_loop_new(nullptr);
  // client-rt.conf: the data thread gets real-time priority (through RTKit or rlimits).
  context_ = pw_context_new(loop(), pw_properties_new(PW_KEY_CONFIG_NAME, "client-rt.conf", nullptr), 0);
  if (main_loop_ == nullptr || context_ == nullptr) {
    Log("cannot create the PipeWire context: %s", std::strerror(errno));
    return 1;
  }
  pw_loop_add_signal(loop(), SIGINT, OnSignal, this);
  pw_loop_add_signal(loop(), SIGTERM, OnSignal, this);
  pw_loop_add_signal(loop(), SIGHUP, OnSignal, this);
  reconnect_timer_ = pw_loop_add_timer(loop(), OnReconnectTimer, this);
  watchdog_timer_ = pw_loop_add_timer(loop(), OnWatchdog, this);
  timespec tick{0, kWatchdogMs * 1000000L};
  pw_loop_update_timer(loop(), watchdog_timer_, &tick, &tick, false);
  pw_loop_add_io(loop(), control_.Fd(), SPA_IO_IN, false, OnControlSocket, this);

  // Live config: watch the directory (editors replace the file by renaming).
  const size_t slash = options_.config_path.rfind('/');
  config_dir_ = slash == std::string::npos ? "." : options_.config_path.substr(0, slash);
  config_name_ = options_.config_path.substr(slash == std::string::npos ? 0 : slash + 1);
  std::string ignored;
  if (access(config_dir_.c_str(), F_OK) != 0) service::SaveConfigFile(options_.config_path, config_, &ignored);
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ >= 0 && inotify_add_watch(inotify_fd_, config_dir_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) >= 0) {
    pw_loop_add_io(loop(), inotify_fd_, SPA_IO_IN, false, OnConfigChanged, this);
  } else {
    Log("not watching %s for changes (%s); `kill -HUP` reloads it", config_dir_.c_str(), std::strerror(errno));
  }

  Connect();
  Log("control socket %s", options_.socket_path.c_str());
  pw_main_loop_run(main_loop_);
  return 0;
}

}  // namespace

int RunService(const ServiceOptions& options) {
  auto service = std::make_unique<Service>(options);
  return service->Run();
}

}  // namespace hush::pipewire
