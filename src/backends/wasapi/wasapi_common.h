// SPDX-License-Identifier: MIT
// Small Windows helpers shared by the WASAPI streams, the device list and the back-door
// transport: COM references, UTF-8/UTF-16, HRESULT text, WAVEFORMATEX fields, and
// finding an endpoint by id or name. None of it is RT-safe (all of it may allocate);
// it runs when streams open, never in an audio loop.
#ifndef HUSH_BACKENDS_WASAPI_WASAPI_COMMON_H
#define HUSH_BACKENDS_WASAPI_WASAPI_COMMON_H

#include <windows.h>
#include <mmdeviceapi.h>
#include <audioclient.h>

#include <string>
#include <vector>

#include "backends/wasapi/wave_format.h"

namespace hush::wasapi {

// Owns one COM reference (Release on destruction); what WRL's ComPtr does, in 20 lines.
template <typename T>
class ComRef {
 public:
  ComRef() = default;
  ~ComRef() { Reset(); }
  ComRef(const ComRef&) = delete;
  ComRef& operator=(const ComRef&) = delete;
  T* Get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  // For out-parameters: releases what was held first.
  T** Put() {
    Reset();
    return &p_;
  }
  void** PutVoid() { return reinterpret_cast<void**>(Put()); }
  void Reset() {
    if (p_ != nullptr) p_->Release();
    p_ = nullptr;
  }

 private:
  T* p_ = nullptr;
};

// Seconds of the performance counter: the clock WASAPI's capture timestamps
// (u64QPCPosition, in 100 ns) are on. [RT-safe]
double QpcSeconds();

std::string ToUtf8(const wchar_t* text);
std::wstring ToWide(const std::string& text);
// "0x88890004 (AUDCLNT_E_DEVICE_INVALIDATED)" for the audio HRESULTs, else the system text.
std::string HResultText(HRESULT hr);
// The Win32 error's system message, e.g. "The system cannot find the file specified."
std::string Win32ErrorText(DWORD error);

// The fields CheckWaveFormat needs, copied out of a WAVEFORMATEX(TENSIBLE).
WaveFormatFields FieldsOf(const WAVEFORMATEX& format);

struct EndpointInfo {
  std::string id;             // IMMDevice::GetId
  std::string name;           // PKEY_Device_FriendlyName
  std::string mix_format;     // DescribeWaveFormat of GetMixFormat, or why it failed
  bool is_default = false;    // the eConsole default of its direction
};

// Active endpoints of one direction (eRender or eCapture). Empty with *error on failure.
std::vector<EndpointInfo> ListEndpoints(IMMDeviceEnumerator* enumerator, EDataFlow flow, std::string* error);

// spec empty: the eConsole default endpoint; else the active endpoint whose id equals
// spec, or else the first whose friendly name contains it (case-insensitive). Returns
// false with *error naming what was looked for (and what exists) when none matches.
bool FindEndpoint(IMMDeviceEnumerator* enumerator, EDataFlow flow, const std::string& spec, ComRef<IMMDevice>* out,
                  std::string* error);

// The endpoint's friendly name ("" when it has none).
std::string FriendlyName(IMMDevice* device);

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_WASAPI_COMMON_H
