// SPDX-License-Identifier: MIT
#include "backends/wasapi/driverless_transport.h"

#include <cstdio>

namespace hush::wasapi {

DriverlessTransport::DriverlessTransport(std::string output, int sample_rate_hz, double buffer_ms)
    : output_(std::move(output)), sample_rate_hz_(sample_rate_hz), buffer_ms_(buffer_ms) {}

DriverlessTransport::~DriverlessTransport() { Stop(); }

std::string DriverlessTransport::Describe() const {
  const std::string target = stream_ ? stream_->Describe() : (output_.empty() ? "the default output" : output_);
  return "driverless -> " + target;
}

bool DriverlessTransport::Start(StreamClient* mic, StreamClient* /*speaker*/, std::string* error) {
  StreamConfig config;
  config.direction = Direction::kRender;
  config.device = output_;
  config.sample_rate_hz = sample_rate_hz_;
  config.channels = 1;
  config.buffer_ms = buffer_ms_;
  config.name = "output";
  stream_ = std::make_unique<WasapiStream>(config, mic);
  if (!stream_->Start(error)) {
    stream_.reset();
    return false;
  }
  return true;
}

void DriverlessTransport::Stop() {
  if (stream_) stream_->Stop();
}

std::string DriverlessTransport::Status() const {
  if (!stream_) return "output: not started";
  const StreamStats s = stream_->Stats();
  char text[256];
  std::snprintf(text, sizeof text,
                "output: %s frames=%llu reconnects=%llu retargets=%llu stalls=%llu buffer_frames=%u "
                "stream_latency_ms=%.1f",
                s.connected ? "connected" : "DISCONNECTED", static_cast<unsigned long long>(s.frames),
                static_cast<unsigned long long>(s.reconnects), static_cast<unsigned long long>(s.retargets),
                static_cast<unsigned long long>(s.stalls), s.buffer_frames,
                static_cast<double>(s.stream_latency_100ns) / 1e4);
  return text;
}

}  // namespace hush::wasapi
