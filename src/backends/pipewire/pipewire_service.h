// SPDX-License-Identifier: MIT
// `hush run` on Linux: a PipeWire client that creates the two virtual devices
//
//   "Hush microphone" (node hush_microphone, Audio/Source, stereo):
//       the default (or configured) microphone -> capture stream -> PathProcessor -> it
//   "Hush speaker"    (node hush_speaker, Audio/Sink, stereo):
//       it -> PathProcessor -> playback stream -> the default (or configured) output
//
// Each path is a pair of pw_streams in one node.group / node.link-group, the pattern of
// PipeWire's own loopback module (a pw_filter node is refused by WirePlumber 0.4): the
// capture side's process() triggers the playback side (PW_STREAM_FLAG_TRIGGER), whose
// process() takes the captured block, runs the suppressor and writes the result in the
// same graph cycle. So a path adds exactly the suppressor's latency (959 frames = 20.0 ms
// at 48 kHz: 10 ms of algorithm + less than one hop of block alignment) at every quantum,
// never a quantum more. Both streams follow the graph's clock; drift between a device and
// the graph is PipeWire's (the device adapters resample), so no ring or drift loop of our
// own is in the path: either would only add latency.
//
// Threads: the PipeWire data thread (real-time with client-rt.conf) runs process() and
// nothing else; the main loop (this thread) handles stream and core events, the control
// socket, config-file changes, signals and reconnection with back-off.
#ifndef HUSH_BACKENDS_PIPEWIRE_PIPEWIRE_SERVICE_H
#define HUSH_BACKENDS_PIPEWIRE_PIPEWIRE_SERVICE_H

#include <string>

namespace hush::pipewire {

struct ServiceOptions {
  std::string config_path;  // ~/.config/hush/config.toml
  std::string socket_path;  // $XDG_RUNTIME_DIR/hush/control
  bool verbose = false;
};

// Runs until SIGINT/SIGTERM. Returns an exit code (0 clean stop, 1 could not start); every
// failure is explained on stderr.
int RunService(const ServiceOptions& options);

}  // namespace hush::pipewire

#endif  // HUSH_BACKENDS_PIPEWIRE_PIPEWIRE_SERVICE_H
