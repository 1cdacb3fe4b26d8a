// SPDX-License-Identifier: MIT
// The hush.exe engine: the real devices through WASAPI, the suppressor in between, and a
// VirtualEndpointTransport for the virtual side.
//
//   mic:     WasapiStream(capture, --input) -> DenoisePath -> transport (driver's
//            "Hush microphone", or the driverless --output device)
//   speaker: transport (driver's "Hush speaker") -> DenoisePath -> WasapiStream(render,
//            --speakers)   [driver mode only]
//
// Threads: the calling (control) thread builds everything, registers the DeviceWatcher,
// prints status, and rebuilds the paths when the transport asks (the driver's format
// changed). Each stream and the transport have their own audio thread (MMCSS "Pro Audio").
#ifndef HUSH_BACKENDS_WASAPI_WIN_ENGINE_H
#define HUSH_BACKENDS_WASAPI_WIN_ENGINE_H

#include <atomic>
#include <string>

namespace hush::wasapi {

// hush.exe's exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;        // a device or the engine failed
inline constexpr int kExitUsage = 2;          // the command line was wrong
inline constexpr int kExitNoDriver = 3;       // back-door mode, and the driver is not installed
inline constexpr int kExitDriverRefused = 4;  // the driver is there but refused us (access, busy, version)

struct EngineConfig {
  bool driverless = false;
  std::string input;              // real microphone: id or name part; "" = default (followed)
  std::string output;             // driverless: where the denoised mic goes; "" = default output
  std::string speakers;           // driver mode: real speakers for the speaker path; "" = default
  int suppressor_kind = 0;        // hush_suppressor_kind
  float strength_db = 30.0f;      // atten limit, 0..100
  double seconds = 0.0;           // run this long; 0 = until stop
  double target_latency_ms = 30.0;  // each Bridge's target fill
  double buffer_ms = 20.0;        // requested WASAPI buffers
  double status_every_s = 0.0;    // periodic status line to stdout; 0 = only the summary
};

// Runs until `stop` becomes true or config.seconds have passed, then prints a summary
// (one "summary:" line per path and stream, the numbers the Wine test checks) and returns
// an exit code. Errors go to stderr as one sentence. The calling thread must not have
// initialised COM in a single-threaded apartment. Not RT-safe.
int RunEngine(const EngineConfig& config, const std::atomic<bool>& stop);

// `hush.exe devices`: every active render and capture endpoint with id, name, mix format
// and whether it is the default. Returns an exit code.
int ListDevices();

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_WIN_ENGINE_H
