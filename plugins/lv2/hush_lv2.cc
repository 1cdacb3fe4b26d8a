// SPDX-License-Identifier: MIT
// Hush as LV2 plugins (bundle hush.lv2): urn:hush:lv2:denoise-mono and -stereo. The
// ports are described in hush.ttl; their indices here must match it.
#include <lv2/core/lv2.h>

#include <array>
#include <cstring>
#include <memory>
#include <new>

#include "common/plugin_instance.h"

namespace {

using hush::plugin::Controls;
using hush::plugin::PluginInstance;

constexpr const char* kMonoUri = "urn:hush:lv2:denoise-mono";
constexpr const char* kStereoUri = "urn:hush:lv2:denoise-stereo";
enum ControlIndex { kStrength = 0, kGate, kGrace, kBypass, kLatency, kControlCount };

struct Instance {
  std::unique_ptr<PluginInstance> core;
  uint32_t channels = 1;
  std::array<const float*, 2> in{};
  std::array<float*, 2> out{};
  std::array<float*, kControlCount> controls{};
};

LV2_Handle Instantiate(const LV2_Descriptor* descriptor, double rate, const char*, const LV2_Feature* const*) {
  auto* instance = new (std::nothrow) Instance();
  if (instance == nullptr) return nullptr;
  instance->channels = std::strcmp(descriptor->URI, kMonoUri) == 0 ? 1 : 2;
  instance->core = PluginInstance::Create(rate, instance->channels);
  if (!instance->core) {
    delete instance;
    return nullptr;
  }
  return instance;
}

void ConnectPort(LV2_Handle handle, uint32_t port, void* data) {
  auto* self = static_cast<Instance*>(handle);
  const uint32_t channels = self->channels;
  if (port < channels) {
    self->in[port] = static_cast<const float*>(data);
  } else if (port < 2 * channels) {
    self->out[port - channels] = static_cast<float*>(data);
  } else if (port - 2 * channels < kControlCount) {
    self->controls[port - 2 * channels] = static_cast<float*>(data);
  }
}

void Activate(LV2_Handle handle) { static_cast<Instance*>(handle)->core->Reset(); }

void Run(LV2_Handle handle, uint32_t frames) {
  auto* self = static_cast<Instance*>(handle);
  auto value = [&](int index, float fallback) {
    return self->controls[static_cast<size_t>(index)] != nullptr ? *self->controls[static_cast<size_t>(index)] : fallback;
  };
  Controls c;
  c.strength_db = value(kStrength, 30.0f);
  c.gate_threshold = value(kGate, 0.0f);
  c.grace_ms = value(kGrace, 200.0f);
  c.bypass = value(kBypass, 0.0f) > 0.5f;
  if (self->controls[kLatency] != nullptr) *self->controls[kLatency] = static_cast<float>(self->core->LatencyFrames());
  for (uint32_t ch = 0; ch < self->channels; ++ch) {
    if (self->in[ch] == nullptr || self->out[ch] == nullptr) return;
  }
  self->core->Run(self->in.data(), self->out.data(), frames, c);
}

void Cleanup(LV2_Handle handle) { delete static_cast<Instance*>(handle); }

const void* ExtensionData(const char*) { return nullptr; }

const LV2_Descriptor kDescriptors[2] = {
    {kMonoUri, Instantiate, ConnectPort, Activate, Run, nullptr, Cleanup, ExtensionData},
    {kStereoUri, Instantiate, ConnectPort, Activate, Run, nullptr, Cleanup, ExtensionData},
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const LV2_Descriptor* lv2_descriptor(uint32_t index) {
  return index < 2 ? &kDescriptors[index] : nullptr;
}
