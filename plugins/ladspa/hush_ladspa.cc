// SPDX-License-Identifier: MIT
// Hush as LADSPA plugins: "hush_denoise_mono" and "hush_denoise_stereo".
//
// Ports (in this order; the stereo plugin has two audio inputs and two outputs):
//   Input [, Input R], Output [, Output R],
//   Strength (dB) 0..100, Voice gate threshold 0..1, Gate grace (ms) 0..800, Bypass,
//   latency (output control: frames of delay, as PipeWire's filter-chain and Ardour read it).
// LADSPA can only express a few defaults: strength defaults to 25 dB ("low" of 0..100),
// the grace period to 200 ms ("low" of 0..800).
#include <ladspa.h>

#include <array>
#include <memory>
#include <new>

#include "common/plugin_instance.h"

namespace {

using hush::plugin::Controls;
using hush::plugin::PluginInstance;

enum ControlIndex { kStrength = 0, kGate, kGrace, kBypass, kLatency, kControlCount };

struct Instance {
  std::unique_ptr<PluginInstance> core;
  unsigned long channels = 1;
  std::array<const LADSPA_Data*, 2> in{};
  std::array<LADSPA_Data*, 2> out{};
  std::array<LADSPA_Data*, kControlCount> controls{};
};

// Port layout: inputs, outputs, then the controls.
unsigned long AudioPorts(unsigned long channels) { return 2 * channels; }

LADSPA_Handle Instantiate(const LADSPA_Descriptor* descriptor, unsigned long sample_rate) {
  const unsigned long channels = descriptor->UniqueID == 5839201 ? 1 : 2;
  auto* instance = new (std::nothrow) Instance();
  if (instance == nullptr) return nullptr;
  instance->channels = channels;
  instance->core = PluginInstance::Create(static_cast<double>(sample_rate), static_cast<uint32_t>(channels));
  if (!instance->core) {
    delete instance;
    return nullptr;
  }
  return instance;
}

void ConnectPort(LADSPA_Handle handle, unsigned long port, LADSPA_Data* data) {
  auto* self = static_cast<Instance*>(handle);
  const unsigned long channels = self->channels;
  if (port < channels) {
    self->in[port] = data;
  } else if (port < AudioPorts(channels)) {
    self->out[port - channels] = data;
  } else if (port - AudioPorts(channels) < kControlCount) {
    self->controls[port - AudioPorts(channels)] = data;
  }
}

void Activate(LADSPA_Handle handle) { static_cast<Instance*>(handle)->core->Reset(); }

void Run(LADSPA_Handle handle, unsigned long frames) {
  auto* self = static_cast<Instance*>(handle);
  Controls c;
  auto value = [&](int index, float fallback) {
    return self->controls[static_cast<size_t>(index)] != nullptr ? *self->controls[static_cast<size_t>(index)] : fallback;
  };
  c.strength_db = value(kStrength, 25.0f);
  c.gate_threshold = value(kGate, 0.0f);
  c.grace_ms = value(kGrace, 200.0f);
  c.bypass = value(kBypass, 0.0f) > 0.5f;
  if (self->controls[kLatency] != nullptr) *self->controls[kLatency] = static_cast<LADSPA_Data>(self->core->LatencyFrames());
  for (unsigned long ch = 0; ch < self->channels; ++ch) {
    if (self->in[ch] == nullptr || self->out[ch] == nullptr) return;  // a host bug: do nothing, never crash
  }
  self->core->Run(self->in.data(), self->out.data(), static_cast<uint32_t>(frames), c);
}

void Cleanup(LADSPA_Handle handle) { delete static_cast<Instance*>(handle); }

struct DescriptorData {
  LADSPA_Descriptor descriptor{};
  std::array<LADSPA_PortDescriptor, 4 + kControlCount> port_descriptors{};
  std::array<const char*, 4 + kControlCount> port_names{};
  std::array<LADSPA_PortRangeHint, 4 + kControlCount> hints{};
};

DescriptorData MakeDescriptor(unsigned long id, const char* label, const char* name, unsigned long channels) {
  DescriptorData d;
  const unsigned long audio = AudioPorts(channels);
  const char* in_names[2] = {channels == 1 ? "Input" : "Input L", "Input R"};
  const char* out_names[2] = {channels == 1 ? "Output" : "Output L", "Output R"};
  for (unsigned long c = 0; c < channels; ++c) {
    d.port_descriptors[c] = LADSPA_PORT_INPUT | LADSPA_PORT_AUDIO;
    d.port_names[c] = in_names[c];
    d.port_descriptors[channels + c] = LADSPA_PORT_OUTPUT | LADSPA_PORT_AUDIO;
    d.port_names[channels + c] = out_names[c];
  }
  auto control = [&](int index, LADSPA_PortDescriptor kind, const char* port_name, LADSPA_PortRangeHintDescriptor hint,
                     float lo, float hi) {
    d.port_descriptors[audio + static_cast<unsigned long>(index)] = kind | LADSPA_PORT_CONTROL;
    d.port_names[audio + static_cast<unsigned long>(index)] = port_name;
    d.hints[audio + static_cast<unsigned long>(index)] = {hint, lo, hi};
  };
  const auto bounded = LADSPA_HINT_BOUNDED_BELOW | LADSPA_HINT_BOUNDED_ABOVE;
  control(kStrength, LADSPA_PORT_INPUT, "Strength (dB)", bounded | LADSPA_HINT_DEFAULT_LOW, hush::plugin::kStrengthMinDb,
          hush::plugin::kStrengthMaxDb);
  control(kGate, LADSPA_PORT_INPUT, "Voice gate threshold", bounded | LADSPA_HINT_DEFAULT_0, hush::plugin::kGateMin,
          hush::plugin::kGateMax);
  control(kGrace, LADSPA_PORT_INPUT, "Gate grace (ms)", bounded | LADSPA_HINT_DEFAULT_LOW, hush::plugin::kGraceMinMs,
          hush::plugin::kGraceMaxMs);
  control(kBypass, LADSPA_PORT_INPUT, "Bypass", LADSPA_HINT_TOGGLED | LADSPA_HINT_DEFAULT_0, 0.0f, 1.0f);
  control(kLatency, LADSPA_PORT_OUTPUT, "latency", LADSPA_HINT_INTEGER, 0.0f, 0.0f);

  d.descriptor.UniqueID = id;
  d.descriptor.Label = label;
  d.descriptor.Properties = LADSPA_PROPERTY_HARD_RT_CAPABLE;
  d.descriptor.Name = name;
  d.descriptor.Maker = "Hush developers";
  d.descriptor.Copyright = "MIT";
  d.descriptor.PortCount = audio + kControlCount;
  d.descriptor.PortDescriptors = d.port_descriptors.data();
  d.descriptor.PortNames = d.port_names.data();
  d.descriptor.PortRangeHints = d.hints.data();
  d.descriptor.instantiate = Instantiate;
  d.descriptor.connect_port = ConnectPort;
  d.descriptor.activate = Activate;
  d.descriptor.run = Run;
  d.descriptor.cleanup = Cleanup;
  return d;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const LADSPA_Descriptor* ladspa_descriptor(unsigned long index) {
  // Built on first use, then immutable; the pointers inside point into these statics.
  static DescriptorData mono = MakeDescriptor(5839201, "hush_denoise_mono", "Hush noise suppression (mono)", 1);
  static DescriptorData stereo = MakeDescriptor(5839202, "hush_denoise_stereo", "Hush noise suppression (stereo)", 2);
  static bool fixed = [] {
    // The arrays moved with the structs: point the descriptors at their final homes.
    for (DescriptorData* d : {&mono, &stereo}) {
      d->descriptor.PortDescriptors = d->port_descriptors.data();
      d->descriptor.PortNames = d->port_names.data();
      d->descriptor.PortRangeHints = d->hints.data();
    }
    return true;
  }();
  (void)fixed;
  switch (index) {
    case 0: return &mono.descriptor;
    case 1: return &stereo.descriptor;
    default: return nullptr;
  }
}
