// SPDX-License-Identifier: MIT
// VirtualEndpointTransport: where hush.exe's virtual side lives. The engine does not know
// which one it has; it hands the transport two DenoisePath ends and the transport calls
// them on its own clock:
//
//   mic:     real microphone --> DenoisePath --> transport calls mic->OnRender(...) at the
//            rate its consumer (the apps recording "Hush microphone", or the chosen
//            output device) takes audio
//   speaker: transport calls speaker->OnCapture(...) with what apps play into "Hush
//            speaker" --> DenoisePath --> real speakers (only where HasSpeaker())
//
// Two implementations: DriverTransport (driver_transport.h: the Hush driver's back door,
// \\.\HushControl, both sides) and DriverlessTransport (driverless_transport.h: a WASAPI
// render stream to a device the user chose, e.g. a virtual cable; mic side only).
//
// Threads: Start/Stop/Status from the control thread; the StreamClient calls come from
// the transport's own audio thread(s), one thread per client for the transport's life.
#ifndef HUSH_BACKENDS_WASAPI_TRANSPORT_H
#define HUSH_BACKENDS_WASAPI_TRANSPORT_H

#include <string>

#include "backends/wasapi/stream_client.h"

namespace hush::wasapi {

// The audio the transport exchanges with a DenoisePath end (planar float).
struct EndpointFormat {
  int sample_rate_hz = 48000;
  int channels = 1;
};

class VirtualEndpointTransport {
 public:
  virtual ~VirtualEndpointTransport() = default;
  // "driver back door (\\.\HushControl)" / "driverless -> <device>", for messages.
  virtual std::string Describe() const = 0;
  // The mic side's rate and channels (what mic->OnRender is asked for).
  virtual EndpointFormat MicFormat() const = 0;
  // Whether there is a speaker side; if so its format (what speaker->OnCapture gets).
  virtual bool HasSpeaker() const = 0;
  virtual EndpointFormat SpeakerFormat() const = 0;
  // Starts the transport's audio thread(s). mic must be non-null; speaker only with
  // HasSpeaker(). Both must outlive Stop(). Returns false with *error when it cannot.
  virtual bool Start(StreamClient* mic, StreamClient* speaker, std::string* error) = 0;
  // Ends the threads; idempotent. After it no client call is made.
  virtual void Stop() = 0;
  // [thread-safe] true when the virtual side changed under the engine (the driver's
  // endpoint format changed) and the engine must rebuild its paths and Start() again.
  virtual bool NeedsRestart() const = 0;
  // [thread-safe] One line of counters for the periodic status and the final summary.
  virtual std::string Status() const = 0;
};

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_TRANSPORT_H
