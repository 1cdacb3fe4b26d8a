// SPDX-License-Identifier: MIT
// DriverlessTransport: no driver. The denoised microphone goes to a WASAPI render
// endpoint the user names (--output: a virtual cable such as VB-CABLE, whose other end
// apps record from, or any real output to listen to); there is no speaker side.
#ifndef HUSH_BACKENDS_WASAPI_DRIVERLESS_TRANSPORT_H
#define HUSH_BACKENDS_WASAPI_DRIVERLESS_TRANSPORT_H

#include <memory>
#include <string>

#include "backends/wasapi/transport.h"
#include "backends/wasapi/wasapi_stream.h"

namespace hush::wasapi {

class DriverlessTransport final : public VirtualEndpointTransport {
 public:
  // output: an endpoint id or part of a name; empty = the default render endpoint
  // (followed when it changes). Opens nothing until Start(). Not RT-safe.
  DriverlessTransport(std::string output, int sample_rate_hz, double buffer_ms);
  ~DriverlessTransport() override;

  std::string Describe() const override;
  EndpointFormat MicFormat() const override { return {sample_rate_hz_, 1}; }
  bool HasSpeaker() const override { return false; }
  EndpointFormat SpeakerFormat() const override { return {}; }
  bool Start(StreamClient* mic, StreamClient* speaker, std::string* error) override;
  void Stop() override;
  bool NeedsRestart() const override { return false; }
  std::string Status() const override;

  // The render stream (for the device watcher); null before Start().
  WasapiStream* Stream() { return stream_.get(); }

 private:
  std::string output_;
  int sample_rate_hz_;
  double buffer_ms_;
  std::unique_ptr<WasapiStream> stream_;
};

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_DRIVERLESS_TRANSPORT_H
