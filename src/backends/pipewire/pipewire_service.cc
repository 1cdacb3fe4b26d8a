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
#include <map>
#include <memory>
#include <sstream>
#include <string>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <pipewire/extensions/metadata.h>
#include <pipewire/filter.h>
#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/latency-utils.h>
#include <spa/utils/json.h>
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

// One direction and the processor on it. The speaker is a pair of streams (a capture
// stream that is "Hush speaker", a playback stream to the real output, both linked by
// the session manager); the microphone is one pw_filter node between the real mic and
// "Hush microphone", linked on both sides by this service (see CreateMicrophoneDevice).
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
  // The microphone: the filter, its ports, and the links this service made to them.
  pw_filter* filter = nullptr;
  spa_hook filter_listener{};
  void* in_ports[kMaxChannels] = {};
  void* out_ports[kMaxChannels] = {};
  uint32_t in_channels = 0;
  pw_filter_state filter_state = PW_FILTER_STATE_UNCONNECTED;
  pw_proxy* device_links[kMaxChannels] = {};  // filter -> "Hush microphone"
  spa_hook device_link_listeners[kMaxChannels]{};
  pw_proxy* source_links[kMaxChannels] = {};  // the real mic -> filter
  spa_hook source_link_listeners[kMaxChannels]{};
  uint32_t source_node_id = SPA_ID_INVALID;
  std::string source_name;
  pw_stream_state capture_state = PW_STREAM_STATE_UNCONNECTED;
  pw_stream_state playback_state = PW_STREAM_STATE_UNCONNECTED;
  uint64_t watched_cycles = 0;  // the watchdog's last look at `cycles`
  uint64_t watched_missing = 0;  // ... and at `missing_input`
  int stalled_ticks = 0;
  int dry_ticks = 0;
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
  void OnDeviceBound(uint32_t global_id);
  void OnDefaultChanged(const char* key, const char* value);
  void DestroyLinks(pw_proxy** links, spa_hook* listeners);
  void LinkMicrophone();
  void MendMicrophoneLinks();
  void ReplaceProcessor(Path& path, uint32_t rate_hz, uint32_t channels);
  bool verbose() const { return options_.verbose; }

 private:
  void Shutdown();
  void Connect();
  void Disconnect();
  void ScheduleReconnect();
  void CreatePath(Path& path);
  void DestroyPath(Path& path);
  void CreateMicrophoneFilter(Path& path);
  bool LinkPorts(uint32_t out_node, const uint32_t* out_ports, uint32_t in_node, const uint32_t* in_ports, uint32_t n,
                 pw_proxy** links, spa_hook* listeners);
  void CreateMicrophoneDevice();
  void DestroyMicrophoneDevice();
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
  // "Hush microphone": lives as long as the connection, so apps recording from it stay
  // linked while the path's streams are rebuilt (a new mic, a WirePlumber restart).
  pw_proxy* mic_device_ = nullptr;
  spa_hook mic_device_listener_{};
  uint32_t mic_device_id_ = SPA_ID_INVALID;
  struct PortInfo {
    uint32_t node_id;
    bool output;
    std::string channel;
  };
  std::map<uint32_t, PortInfo> ports_;  // every port in the graph (main loop only)
  std::map<uint32_t, std::string> node_names_;  // every node's node.name
  pw_metadata* default_metadata_ = nullptr;
  spa_hook default_metadata_listener_{};
  std::string default_source_;  // node.name of the session manager's default source
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

// [RT-safe] The microphone's filter, one graph cycle: the real mic's block in, the
// processed block out to "Hush microphone", in the same cycle. An unlinked input (the
// mic went away) is silence, never stale data.
void OnFilterProcess(void* data, spa_io_position* position) {
  auto* path = static_cast<Path*>(data);
  path->cycles.fetch_add(1, std::memory_order_relaxed);
  if (position == nullptr) return;
  const uint32_t frames = std::min<uint32_t>(static_cast<uint32_t>(position->clock.duration), kMaxQuantumFrames);
  const uint32_t rate_hz = position->clock.rate.denom;
  path->quantum_frames.store(frames, std::memory_order_relaxed);
  path->graph_rate_hz.store(rate_hz, std::memory_order_relaxed);
  path->rate_diff.store(position->clock.rate_diff, std::memory_order_relaxed);
  float* dst[kMaxChannels] = {};
  for (uint32_t c = 0; c < kMaxChannels; ++c) {
    dst[c] = static_cast<float*>(pw_filter_get_dsp_buffer(path->out_ports[c], frames));
  }
  if (dst[0] == nullptr || frames == 0) return;  // not linked to "Hush microphone" yet
  const float* src[kMaxChannels] = {};
  for (uint32_t c = 0; c < path->in_channels; ++c) {
    src[c] = static_cast<const float*>(pw_filter_get_dsp_buffer(path->in_ports[c], frames));
  }
  PathProcessor* processor = path->active.load(std::memory_order_acquire);
  // A processor made for another rate waits for the main loop to replace it (within
  // one watchdog tick); until then the device carries silence, not wrongly-pitched audio.
  if (processor != nullptr && processor->SampleRateHz() == rate_hz && processor->Channels() == path->in_channels) {
    if (src[0] != nullptr) {
      if (src[1] == nullptr) src[1] = src[0];
      path->last_input_ns.store(MonotonicNs(), std::memory_order_relaxed);
      processor->Process(src, dst, frames);
    } else {
      path->missing_input.fetch_add(1, std::memory_order_relaxed);
      processor->Process(nullptr, dst, frames);
    }
  } else {
    std::memset(dst[0], 0, frames * sizeof(float));
  }
  if (dst[1] != nullptr && (processor == nullptr || processor->Channels() < 2)) {
    std::memcpy(dst[1], dst[0], frames * sizeof(float));  // a mono path: both channels carry it
  }
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

void OnFilterState(void* data, pw_filter_state, pw_filter_state state, const char* error) {
  auto* path = static_cast<Path*>(data);
  path->filter_state = state;
  if (state == PW_FILTER_STATE_ERROR) path->last_error = error != nullptr ? error : "filter error";
  if (path->service->verbose()) Log("%s filter: %s", path->label, pw_filter_state_as_string(state));
  path->service->LinkMicrophone();
}

const pw_filter_events kFilterEvents = [] {
  pw_filter_events e{};
  e.version = PW_VERSION_FILTER_EVENTS;
  e.state_changed = OnFilterState;
  e.process = OnFilterProcess;
  return e;
}();

int OnMetadataProperty(void* data, uint32_t subject, const char* key, const char*, const char* value) {
  if (subject == PW_ID_CORE) static_cast<Service*>(data)->OnDefaultChanged(key, value);
  return 0;
}

const pw_metadata_events kMetadataEvents = [] {
  pw_metadata_events e{};
  e.version = PW_VERSION_METADATA_EVENTS;
  e.property = OnMetadataProperty;
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

// The registry: the ports and nodes the microphone links need, and the session
// manager's "default" metadata (the default source; and its restart, seen as the
// metadata going and coming back: a new WirePlumber cannot reconfigure streams the old
// one configured, so the speaker's streams are made again as soon as it is back).
void Service::OnGlobal(uint32_t id, const char* type, const spa_dict* props) {
  if (type == nullptr || props == nullptr) return;
  if (std::strcmp(type, PW_TYPE_INTERFACE_Port) == 0) {
    const char* node = spa_dict_lookup(props, PW_KEY_NODE_ID);
    const char* direction = spa_dict_lookup(props, PW_KEY_PORT_DIRECTION);
    const char* channel = spa_dict_lookup(props, PW_KEY_AUDIO_CHANNEL);
    if (node == nullptr || direction == nullptr) return;
    ports_[id] = PortInfo{static_cast<uint32_t>(std::strtoul(node, nullptr, 10)), std::strcmp(direction, "out") == 0,
                          channel != nullptr ? channel : ""};
    LinkMicrophone();
    return;
  }
  if (std::strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
    const char* name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
    if (name != nullptr) node_names_[id] = name;
    return;
  }
  if (std::strcmp(type, PW_TYPE_INTERFACE_Metadata) != 0) return;
  const char* name = spa_dict_lookup(props, "metadata.name");
  if (name == nullptr || std::strcmp(name, "default") != 0) return;
  default_metadata_id_ = id;
  if (default_metadata_ != nullptr) {
    spa_hook_remove(&default_metadata_listener_);
    pw_proxy_destroy(reinterpret_cast<pw_proxy*>(default_metadata_));
  }
  default_metadata_ =
      static_cast<pw_metadata*>(pw_registry_bind(registry_, id, PW_TYPE_INTERFACE_Metadata, PW_VERSION_METADATA, 0));
  if (default_metadata_ != nullptr) {
    pw_metadata_add_listener(default_metadata_, &default_metadata_listener_, &kMetadataEvents, this);
  }
  if (session_manager_left_) {
    session_manager_left_ = false;
    rebuild_requested_ = true;
    Log("the session manager is back");
  }
}

void Service::OnGlobalRemoved(uint32_t id) {
  ports_.erase(id);
  node_names_.erase(id);
  if (id == mic_device_id_) {
    // Someone destroyed "Hush microphone" (pw-cli destroy): put it back.
    Log("\"Hush microphone\" was removed from the graph; creating it again");
    DestroyPath(mic_);
    DestroyMicrophoneDevice();
    CreateMicrophoneDevice();
    CreatePath(mic_);
    return;
  }
  if (id != default_metadata_id_) return;
  default_metadata_id_ = SPA_ID_INVALID;
  if (default_metadata_ != nullptr) {
    spa_hook_remove(&default_metadata_listener_);
    pw_proxy_destroy(reinterpret_cast<pw_proxy*>(default_metadata_));
    default_metadata_ = nullptr;
  }
  // The default source stays what it was: the microphone's links are this service's
  // own, so the microphone path keeps running while the session manager is away.
  session_manager_left_ = true;
  Log("the session manager went away; waiting for it");
}

// "default.audio.source" = {"name":"<node.name>"}: the session manager's choice, which it
// changes when the user picks another mic or the default one disappears.
void Service::OnDefaultChanged(const char* key, const char* value) {
  if (key != nullptr && std::strcmp(key, "default.audio.source") != 0) return;
  std::string name;
  spa_json it[2];
  char buffer[512];
  if (value != nullptr) {
    spa_json_init(&it[0], value, std::strlen(value));
    if (spa_json_enter_object(&it[0], &it[1]) > 0) {
      while (spa_json_get_string(&it[1], buffer, sizeof(buffer)) > 0) {
        const bool is_name = std::strcmp(buffer, "name") == 0;
        if (spa_json_get_string(&it[1], buffer, sizeof(buffer)) <= 0) break;
        if (is_name) name = buffer;
      }
    }
  }
  if (name == default_source_) return;
  default_source_ = name;
  if (verbose()) Log("default source: %s", name.empty() ? "(none)" : name.c_str());
  LinkMicrophone();
}

void Service::OnCoreError(uint32_t id, int res, const char* message) {
  Log("PipeWire error (object %u): %s: %s", id, spa_strerror(res), message != nullptr ? message : "");
  if (id == PW_ID_CORE && res == -EPIPE) ScheduleReconnect();  // the daemon went away
}

void OnDeviceBoundEvent(void* data, uint32_t global_id) { static_cast<Service*>(data)->OnDeviceBound(global_id); }

const pw_proxy_events kDeviceEvents = [] {
  pw_proxy_events e{};
  e.version = PW_VERSION_PROXY_EVENTS;
  e.bound = OnDeviceBoundEvent;
  return e;
}();

// A link went away under us (its port was removed: the real mic unplugged, or someone
// unlinked it). The proxy is only marked here; LinkMicrophone (on the next port, default
// change or watchdog tick) drops the pair and links again if both ends are there.
void OnLinkRemovedEvent(void* data) { *static_cast<bool*>(data) = true; }

const pw_proxy_events kLinkEvents = [] {
  pw_proxy_events e{};
  e.version = PW_VERSION_PROXY_EVENTS;
  e.removed = OnLinkRemovedEvent;
  return e;
}();

// "Hush microphone" is a device node, not a stream: a support.null-audio-sink adapter
// of class Audio/Source/Virtual (what `pactl load-module module-null-sink
// media.class=Audio/Source/Virtual` makes), created in the daemon. WirePlumber 0.4.13
// treats it as a source, with input ports (fed by the path's filter) and capture ports
// (what apps record). A *stream* of that class is not usable: WirePlumber gives it a
// single input port (seen here with PipeWire's own pw-loopback too). It must not drive
// the graph: as a follower it hands its input to its capture ports in the same cycle; as
// the driver, one quantum later (measured here: 959 + 1024 frames at quantum 1024). It
// lives as long as the connection, so apps recording from it stay linked while the path
// is rebuilt.
void Service::CreateMicrophoneDevice() {
  pw_properties* props = pw_properties_new(
      SPA_KEY_FACTORY_NAME, "support.null-audio-sink", PW_KEY_NODE_NAME, "hush_microphone", PW_KEY_NODE_DESCRIPTION,
      "Hush microphone", PW_KEY_MEDIA_CLASS, "Audio/Source/Virtual", SPA_KEY_AUDIO_POSITION, "FL,FR",
      PW_KEY_OBJECT_LINGER, "false", "device.icon-name", "audio-input-microphone",
      // Never the automatic default: a Hush device as the default source would become
      // its own path's input. Apps pick it explicitly (or the user makes it default).
      PW_KEY_PRIORITY_SESSION, "1",
      // The lowest driver priority (it is unsigned: -1 would be the highest), so a real
      // device drives the graph whenever one is linked.
      PW_KEY_PRIORITY_DRIVER, "0", nullptr);
  mic_device_ = static_cast<pw_proxy*>(
      pw_core_create_object(core_, "adapter", PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, &props->dict, 0));
  pw_properties_free(props);
  if (mic_device_ == nullptr) {
    mic_.last_error = std::string("cannot create the device node: ") + std::strerror(errno);
    Log("microphone: %s", mic_.last_error.c_str());
    return;
  }
  pw_proxy_add_listener(mic_device_, &mic_device_listener_, &kDeviceEvents, this);
}

void Service::DestroyMicrophoneDevice() {
  if (mic_device_ != nullptr) {
    spa_hook_remove(&mic_device_listener_);
    pw_proxy_destroy(mic_device_);  // not lingering: the daemon removes the node with it
    mic_device_ = nullptr;
  }
  mic_device_id_ = SPA_ID_INVALID;
}

void Service::OnDeviceBound(uint32_t global_id) {
  mic_device_id_ = global_id;
  LinkMicrophone();
}

// Links n ports pairwise; the links belong to this client (they go when it goes). On
// failure nothing is left half-linked.
bool Service::LinkPorts(uint32_t out_node, const uint32_t* out_ports, uint32_t in_node, const uint32_t* in_ports,
                        uint32_t n, pw_proxy** links, spa_hook* listeners) {
  for (uint32_t c = 0; c < n; ++c) {
    pw_properties* props = pw_properties_new(PW_KEY_OBJECT_LINGER, "false", nullptr);
    pw_properties_setf(props, PW_KEY_LINK_OUTPUT_NODE, "%u", out_node);
    pw_properties_setf(props, PW_KEY_LINK_OUTPUT_PORT, "%u", out_ports[c]);
    pw_properties_setf(props, PW_KEY_LINK_INPUT_NODE, "%u", in_node);
    pw_properties_setf(props, PW_KEY_LINK_INPUT_PORT, "%u", in_ports[c]);
    links[c] = static_cast<pw_proxy*>(
        pw_core_create_object(core_, "link-factory", PW_TYPE_INTERFACE_Link, PW_VERSION_LINK, &props->dict, sizeof(bool)));
    pw_properties_free(props);
    if (links[c] != nullptr) *static_cast<bool*>(pw_proxy_get_user_data(links[c])) = false;
    if (links[c] == nullptr) {
      Log("microphone: cannot create a link: %s", std::strerror(errno));
      DestroyLinks(links, listeners);
      return false;
    }
    // The removed flag lives in the proxy's user data (see OnLinkRemovedEvent).
    pw_proxy_add_listener(links[c], &listeners[c], &kLinkEvents, pw_proxy_get_user_data(links[c]));
  }
  return true;
}

void Service::DestroyLinks(pw_proxy** links, spa_hook* listeners) {
  for (uint32_t c = 0; c < kMaxChannels; ++c) {
    if (links[c] == nullptr) continue;
    spa_hook_remove(&listeners[c]);
    pw_proxy_destroy(links[c]);
    links[c] = nullptr;
  }
}

bool AnyRemoved(pw_proxy* const* links) {
  for (uint32_t c = 0; c < kMaxChannels; ++c) {
    if (links[c] != nullptr && *static_cast<bool*>(pw_proxy_get_user_data(links[c]))) return true;
  }
  return false;
}

// The microphone's links, made (or mended) whenever something they depend on changes: a
// port appears, the default source changes, the filter changes state, and on every
// watchdog tick. A no-op when all is linked as it should be.
//   real mic -> filter: the configured device, else the session manager's default
//     source; its first channel (MONO or FL) for a mono path, FL and FR for stereo.
//   filter -> "Hush microphone": FL -> FL, FR -> FR.
void Service::LinkMicrophone() {
  Path& path = mic_;
  if (AnyRemoved(path.device_links)) DestroyLinks(path.device_links, path.device_link_listeners);
  if (AnyRemoved(path.source_links)) {
    DestroyLinks(path.source_links, path.source_link_listeners);
    path.source_node_id = SPA_ID_INVALID;
  }
  if (core_ == nullptr || path.filter == nullptr) return;
  const uint32_t filter_id = pw_filter_get_node_id(path.filter);
  if (filter_id == SPA_ID_INVALID) return;
  auto find_port = [this](uint32_t node, bool output, const char* channel) {
    for (const auto& [id, port] : ports_) {
      if (port.node_id == node && port.output == output && (channel == nullptr || port.channel == channel)) return id;
    }
    return static_cast<uint32_t>(SPA_ID_INVALID);
  };

  if (path.device_links[0] == nullptr && mic_device_id_ != SPA_ID_INVALID) {
    const uint32_t out[kMaxChannels] = {find_port(filter_id, true, "FL"), find_port(filter_id, true, "FR")};
    const uint32_t in[kMaxChannels] = {find_port(mic_device_id_, false, "FL"), find_port(mic_device_id_, false, "FR")};
    if (std::count(std::begin(out), std::end(out), SPA_ID_INVALID) + std::count(std::begin(in), std::end(in), SPA_ID_INVALID) == 0 &&
        LinkPorts(filter_id, out, mic_device_id_, in, kMaxChannels, path.device_links, path.device_link_listeners) &&
        verbose()) {
      Log("microphone: linked to \"Hush microphone\"");
    }
  }

  // An unknown target (the session manager away, or no mic at all) keeps what is linked:
  // links to a mic that is really gone go by themselves.
  const std::string& target = path.config.device.empty() ? default_source_ : path.config.device;
  if (target.empty() || target == "hush_microphone") return;
  uint32_t source = SPA_ID_INVALID;
  for (const auto& [id, name] : node_names_) {
    if (name == target) source = id;
  }
  if (source == SPA_ID_INVALID || (source == path.source_node_id && path.source_links[0] != nullptr)) return;
  uint32_t first = find_port(source, true, "MONO");
  if (first == SPA_ID_INVALID) first = find_port(source, true, "FL");
  if (first == SPA_ID_INVALID) first = find_port(source, true, nullptr);  // AUX0... (pro-audio profiles)
  uint32_t second = find_port(source, true, "FR");
  if (second == SPA_ID_INVALID) second = first;
  const uint32_t out[kMaxChannels] = {first, second};
  const uint32_t in[kMaxChannels] = {find_port(filter_id, false, path.in_channels == 1 ? "MONO" : "FL"),
                                     find_port(filter_id, false, "FR")};
  if (first == SPA_ID_INVALID || in[0] == SPA_ID_INVALID || (path.in_channels == 2 && in[1] == SPA_ID_INVALID)) return;
  DestroyLinks(path.source_links, path.source_link_listeners);
  path.source_node_id = SPA_ID_INVALID;
  if (LinkPorts(source, out, filter_id, in, path.in_channels, path.source_links, path.source_link_listeners)) {
    path.source_node_id = source;
    path.source_name = target;
    Log("microphone: input is \"%s\"", target.c_str());
  }
}

// The microphone path: one filter node, so capture, processing and output happen in the
// same graph cycle. (Two streams, the capture one triggering the playback one as
// PipeWire's loopback does, hand a block to a device node one quantum late: measured
// here, 959 + 1024 frames at quantum 1024.) The filter is not for the session manager
// (no media.class; WirePlumber 0.4 refused to configure a filter as a device: "no usable
// format found"); this service links it. It is always-process: with the mic gone it
// still runs, and "Hush microphone" carries silence instead of stalling its apps.
void Service::CreateMicrophoneFilter(Path& path) {
  pw_properties* props = pw_properties_new(
      PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Filter", PW_KEY_MEDIA_ROLE, "DSP", PW_KEY_NODE_NAME,
      "hush_microphone_filter", PW_KEY_NODE_DESCRIPTION, "Hush microphone (noise suppression)", PW_KEY_NODE_GROUP,
      "hush-microphone", PW_KEY_NODE_ALWAYS_PROCESS, "true", PW_KEY_NODE_AUTOCONNECT, "false", nullptr);
  path.filter = pw_filter_new(core_, "hush microphone", props);
  if (path.filter == nullptr) {
    path.last_error = std::string("cannot create the filter: ") + std::strerror(errno);
    Log("microphone: %s", path.last_error.c_str());
    return;
  }
  pw_filter_add_listener(path.filter, &path.filter_listener, &kFilterEvents, &path);
  path.in_channels = static_cast<uint32_t>(std::clamp(path.config.channels, 1, 2));
  static constexpr const char* kInMono[1] = {"MONO"};
  static constexpr const char* kStereo[kMaxChannels] = {"FL", "FR"};
  const char* const* in_names = path.in_channels == 1 ? kInMono : kStereo;
  for (uint32_t c = 0; c < kMaxChannels; ++c) {
    path.in_ports[c] = path.out_ports[c] = nullptr;
  }
  bool ok = true;
  for (uint32_t c = 0; c < path.in_channels + kMaxChannels && ok; ++c) {
    const bool input = c < path.in_channels;
    const char* channel = input ? in_names[c] : kStereo[c - path.in_channels];
    const std::string port_name = std::string(input ? "input_" : "output_") + channel;
    void* port = pw_filter_add_port(path.filter, input ? PW_DIRECTION_INPUT : PW_DIRECTION_OUTPUT,
                                    PW_FILTER_PORT_FLAG_MAP_BUFFERS, 0,
                                    pw_properties_new(PW_KEY_FORMAT_DSP, "32 bit float mono audio", PW_KEY_PORT_NAME,
                                                      port_name.c_str(), PW_KEY_AUDIO_CHANNEL, channel, nullptr),
                                    nullptr, 0);
    ok = port != nullptr;
    (input ? path.in_ports[c] : path.out_ports[c - path.in_channels]) = port;
  }
  // The path's latency, for PipeWire to add to what it reports along the graph.
  uint8_t buffer[256];
  spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
  spa_process_latency_info latency{};
  latency.rate = path.owned ? path.owned->LatencyFrames() : 0;
  const spa_pod* params[1] = {spa_process_latency_build(&b, SPA_PARAM_ProcessLatency, &latency)};
  const int res = ok ? pw_filter_connect(path.filter, PW_FILTER_FLAG_RT_PROCESS, params, 1) : -ENOMEM;
  if (res < 0) {
    path.last_error = std::string("cannot connect the filter: ") + spa_strerror(res);
    Log("microphone: %s", path.last_error.c_str());
    DestroyPath(path);
  }
}

void Service::CreatePath(Path& path) {
  // The virtual devices are stereo, so stereo apps get two channels and mono apps
  // PipeWire's downmix of the same signal; a mono microphone is processed once, in mono,
  // and both channels carry it.
  const uint32_t channels = path.microphone ? static_cast<uint32_t>(std::clamp(path.config.channels, 1, 2)) : 2;
  if (path.microphone) {
    // The filter's ports carry the graph's rate, known for sure only once it runs: the
    // last one seen (48 kHz at first); the watchdog replaces the processor if it differs.
    const uint32_t rate_hz = path.graph_rate_hz.load(std::memory_order_relaxed);
    ReplaceProcessor(path, rate_hz != 0 ? rate_hz : 48000, channels);
    CreateMicrophoneFilter(path);
    return;
  }
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
  struct Names {
    const char *category, *real_name, *real_description, *name, *description;
  };
  // The microphone's virtual side is the stream that feeds "Hush microphone" (a device
  // node, CreateMicrophoneDevice); the speaker's is "Hush speaker" itself.
  static constexpr Names kMicrophone{"Capture", "hush_microphone_input", "Hush microphone (input)",
                                     "hush_microphone_feed", "Hush microphone (feed)"};
  static constexpr Names kSpeaker{"Playback", "hush_speaker_output", "Hush speaker (output)", "hush_speaker",
                                  "Hush speaker"};
  const Names& names = path.microphone ? kMicrophone : kSpeaker;
  pw_properties_set(real, PW_KEY_MEDIA_CATEGORY, names.category);
  pw_properties_set(real, PW_KEY_NODE_NAME, names.real_name);
  pw_properties_set(real, PW_KEY_NODE_DESCRIPTION, names.real_description);
  pw_properties_set(virt, PW_KEY_NODE_NAME, names.name);
  pw_properties_set(virt, PW_KEY_NODE_DESCRIPTION, names.description);
  if (path.microphone) {
    // Linked by this service to its device, never by the session manager.
    pw_properties_set(virt, PW_KEY_NODE_AUTOCONNECT, "false");
  } else {
    pw_properties_set(virt, PW_KEY_MEDIA_CLASS, "Audio/Sink");
    pw_properties_set(virt, "device.icon-name", "audio-speakers");
    // Never the automatic default: "Hush speaker" as the default sink would become its
    // own path's target (the link group then leaves the path unlinked). Apps pick it
    // explicitly (or the user makes it default).
    pw_properties_set(virt, PW_KEY_PRIORITY_SESSION, "1");
    pw_properties_set(virt, PW_KEY_PRIORITY_DRIVER, "1");
  }
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
  const auto playback_flags = static_cast<pw_stream_flags>(
      (path.microphone ? flags & ~PW_STREAM_FLAG_AUTOCONNECT : flags) | PW_STREAM_FLAG_TRIGGER);
  int res = pw_stream_connect(path.playback, PW_DIRECTION_OUTPUT, PW_ID_ANY, playback_flags, playback_params, 1);
  if (res >= 0) res = pw_stream_connect(path.capture, PW_DIRECTION_INPUT, PW_ID_ANY, flags, capture_params, 1);
  if (res < 0) {
    path.last_error = std::string("cannot connect streams: ") + spa_strerror(res);
    Log("%s: %s", path.label, path.last_error.c_str());
    DestroyPath(path);
  }
}

void Service::DestroyPath(Path& path) {
  DestroyLinks(path.device_links, path.device_link_listeners);
  DestroyLinks(path.source_links, path.source_link_listeners);
  path.source_node_id = SPA_ID_INVALID;
  if (path.filter != nullptr) {
    spa_hook_remove(&path.filter_listener);
    pw_filter_destroy(path.filter);  // its ports with it
    path.filter = nullptr;
    path.filter_state = PW_FILTER_STATE_UNCONNECTED;
  }
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
  CreateMicrophoneDevice();
  CreatePath(mic_);
  CreatePath(speaker_);
  Log("connected to PipeWire: \"Hush microphone\" and \"Hush speaker\" are up");
}

void Service::Disconnect() {
  DestroyPath(mic_);
  DestroyPath(speaker_);
  DestroyMicrophoneDevice();
  if (default_metadata_ != nullptr) {
    spa_hook_remove(&default_metadata_listener_);
    pw_proxy_destroy(reinterpret_cast<pw_proxy*>(default_metadata_));
    default_metadata_ = nullptr;
  }
  ports_.clear();
  node_names_.clear();
  default_source_.clear();
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
// The microphone's links are made by this service, and a link can come up dead: made
// while the session manager was still configuring the mic's ports, it stayed in place
// but carried no buffer (seen here: every cycle without input for good), or the filter
// ran with a zeroed clock (no frames) after the graph's driver changed. Either way, for
// kDryTicks in a row while the filter runs: both sides are linked again from scratch.
constexpr int kDryTicks = 3;

void Service::MendMicrophoneLinks() {
  Path& path = mic_;
  const uint64_t cycles = path.cycles.load(std::memory_order_relaxed);
  const uint64_t missing = path.missing_input.load(std::memory_order_relaxed);
  const bool ran = path.filter_state == PW_FILTER_STATE_STREAMING && cycles != path.watched_cycles;
  const bool no_input = path.source_links[0] != nullptr && missing - path.watched_missing == cycles - path.watched_cycles;
  const bool no_clock = path.quantum_frames.load(std::memory_order_relaxed) == 0;
  path.watched_missing = missing;
  path.dry_ticks = ran && (no_input || no_clock) ? path.dry_ticks + 1 : 0;
  if (path.dry_ticks < kDryTicks) return;
  path.dry_ticks = 0;
  Log("microphone: %s; linking it again", no_clock ? "the graph runs the path without a clock" : "no audio comes through the link from the mic");
  DestroyLinks(path.source_links, path.source_link_listeners);
  DestroyLinks(path.device_links, path.device_link_listeners);
  path.source_node_id = SPA_ID_INVALID;
  LinkMicrophone();
}

bool Streaming(const Path& path) {
  if (path.microphone) return path.filter_state == PW_FILTER_STATE_STREAMING;
  return path.capture_state == PW_STREAM_STATE_STREAMING && path.playback_state == PW_STREAM_STATE_STREAMING;
}

constexpr int kWatchdogMs = 100;
constexpr int kStallTicks = 2;
constexpr int kPausedTicks = 3;
constexpr double kPausedRebuildS = 3.0;

void Service::OnWatchdog(void* data, uint64_t) {
  auto* self = static_cast<Service*>(data);
  if (self->core_ == nullptr) return;
  self->LinkMicrophone();
  // The microphone's processor follows the graph's rate (its filter has no format).
  const uint32_t graph_rate_hz = self->mic_.graph_rate_hz.load(std::memory_order_relaxed);
  if (self->mic_.filter != nullptr && graph_rate_hz != 0 && self->mic_.owned &&
      self->mic_.owned->SampleRateHz() != graph_rate_hz) {
    self->ReplaceProcessor(self->mic_, graph_rate_hz, self->mic_.in_channels);
  }
  if (self->rebuild_requested_) {
    self->rebuild_requested_ = false;
    ++self->rebuilds_;
    // Only the speaker's streams depend on the session manager; the microphone's links
    // are this service's own and kept running meanwhile.
    self->DestroyPath(self->speaker_);
    self->CreatePath(self->speaker_);
    self->speaker_.rebuilt_ns = MonotonicNs();
    return;
  }
  self->MendMicrophoneLinks();
  for (Path* path : {&self->mic_, &self->speaker_}) {
    const uint64_t cycles = path->cycles.load(std::memory_order_relaxed);
    const bool streaming = Streaming(*path);
    path->stalled_ticks = streaming && cycles == path->watched_cycles ? path->stalled_ticks + 1 : 0;
    path->watched_cycles = cycles;
    const bool paused = path->microphone ? path->filter_state == PW_FILTER_STATE_PAUSED
                                         : path->capture_state == PW_STREAM_STATE_PAUSED ||
                                               path->playback_state == PW_STREAM_STATE_PAUSED;
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
  } else if (processor == nullptr || !Streaming(path)) {
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
      << ",\"input\":" << service::JsonString(path.microphone ? path.source_name : "(the session manager's links)");
  if (path.microphone) {
    out << ",\"filter\":" << service::JsonString(pw_filter_state_as_string(path.filter_state))
        << ",\"input_linked\":" << (path.source_links[0] != nullptr ? "true" : "false")
        << ",\"device_linked\":" << (path.device_links[0] != nullptr ? "true" : "false");
  } else {
    out << ",\"capture_stream\":" << service::JsonString(StreamStateName(path.capture_state))
        << ",\"playback_stream\":" << service::JsonString(StreamStateName(path.playback_state));
  }
  out
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
