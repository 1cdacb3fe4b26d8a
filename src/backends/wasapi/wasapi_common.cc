// SPDX-License-Identifier: MIT
#include "backends/wasapi/wasapi_common.h"

// functiondiscoverykeys_devpkey.h defines PKEY_Device_FriendlyName with DEFINE_PROPERTYKEY,
// which needs initguid.h in exactly one translation unit to emit the key: this one.
#include <initguid.h>
#include <functiondiscoverykeys_devpkey.h>

#include <algorithm>
#include <cstdio>
#include <cwctype>

namespace hush::wasapi {

double QpcSeconds() {
  // The frequency is fixed at boot; read it once (a function-local static of a POD:
  // no lock after the first call, which the control thread makes in Start).
  static const double frequency = [] {
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f);
    return static_cast<double>(f.QuadPart);
  }();
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  return static_cast<double>(now.QuadPart) / frequency;
}

std::string ToUtf8(const wchar_t* text) {
  if (text == nullptr || *text == 0) return {};
  const int bytes = WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  if (bytes <= 1) return {};
  std::string out(static_cast<size_t>(bytes), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text, -1, out.data(), bytes, nullptr, nullptr);
  out.resize(static_cast<size_t>(bytes - 1));  // the terminator WideCharToMultiByte wrote
  return out;
}

std::wstring ToWide(const std::string& text) {
  if (text.empty()) return {};
  const int chars = MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, nullptr, 0);
  if (chars <= 1) return {};
  std::wstring out(static_cast<size_t>(chars), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, out.data(), chars);
  out.resize(static_cast<size_t>(chars - 1));
  return out;
}

std::string Win32ErrorText(DWORD error) {
  wchar_t* buffer = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                     FORMAT_MESSAGE_IGNORE_INSERTS,
                                 nullptr, error, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text = n > 0 ? ToUtf8(buffer) : std::string();
  if (buffer != nullptr) LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string HResultText(HRESULT hr) {
  struct Known {
    HRESULT hr;
    const char* name;
  };
  // The ones a stream meets; their system text is often empty.
  static const Known known[] = {
      {AUDCLNT_E_DEVICE_INVALIDATED, "AUDCLNT_E_DEVICE_INVALIDATED"},
      {AUDCLNT_E_UNSUPPORTED_FORMAT, "AUDCLNT_E_UNSUPPORTED_FORMAT"},
      {AUDCLNT_E_DEVICE_IN_USE, "AUDCLNT_E_DEVICE_IN_USE"},
      {AUDCLNT_E_SERVICE_NOT_RUNNING, "AUDCLNT_E_SERVICE_NOT_RUNNING"},
      {AUDCLNT_E_BUFFER_SIZE_ERROR, "AUDCLNT_E_BUFFER_SIZE_ERROR"},
      {AUDCLNT_E_BUFFER_TOO_LARGE, "AUDCLNT_E_BUFFER_TOO_LARGE"},
      {AUDCLNT_E_NOT_INITIALIZED, "AUDCLNT_E_NOT_INITIALIZED"},
      {AUDCLNT_E_ALREADY_INITIALIZED, "AUDCLNT_E_ALREADY_INITIALIZED"},
      {AUDCLNT_E_EVENTHANDLE_NOT_SET, "AUDCLNT_E_EVENTHANDLE_NOT_SET"},
      {AUDCLNT_E_RESOURCES_INVALIDATED, "AUDCLNT_E_RESOURCES_INVALIDATED"},
      {E_NOTFOUND, "E_NOTFOUND"},
      {E_INVALIDARG, "E_INVALIDARG"},
      {E_OUTOFMEMORY, "E_OUTOFMEMORY"},
  };
  char text[64];
  std::snprintf(text, sizeof text, "0x%08lx", static_cast<unsigned long>(hr));
  for (const auto& k : known) {
    if (k.hr == hr) return std::string(text) + " (" + k.name + ")";
  }
  const std::string system = Win32ErrorText(static_cast<DWORD>(hr));
  return system.empty() ? std::string(text) : std::string(text) + " (" + system + ")";
}

WaveFormatFields FieldsOf(const WAVEFORMATEX& format) {
  WaveFormatFields f;
  f.format_tag = format.wFormatTag;
  f.channels = format.nChannels;
  f.samples_per_sec = format.nSamplesPerSec;
  f.avg_bytes_per_sec = format.nAvgBytesPerSec;
  f.block_align = format.nBlockAlign;
  f.bits_per_sample = format.wBitsPerSample;
  f.extra_size = format.cbSize;
  // Only read the EXTENSIBLE part when cbSize says it is there.
  if (format.wFormatTag == WAVE_FORMAT_EXTENSIBLE && format.cbSize >= 22) {
    const auto& x = reinterpret_cast<const WAVEFORMATEXTENSIBLE&>(format);
    f.valid_bits_per_sample = x.Samples.wValidBitsPerSample;
    f.channel_mask = x.dwChannelMask;
    f.sub_format = x.SubFormat.Data1;
    static const unsigned char kSuffix[8] = {0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    f.sub_format_is_standard = x.SubFormat.Data2 == 0x0000 && x.SubFormat.Data3 == 0x0010 &&
                               std::equal(kSuffix, kSuffix + 8, x.SubFormat.Data4);
  }
  return f;
}

std::string FriendlyName(IMMDevice* device) {
  ComRef<IPropertyStore> store;
  if (FAILED(device->OpenPropertyStore(STGM_READ, store.Put()))) return {};
  PROPVARIANT value;
  PropVariantInit(&value);
  std::string name;
  if (SUCCEEDED(store->GetValue(PKEY_Device_FriendlyName, &value)) && value.vt == VT_LPWSTR) name = ToUtf8(value.pwszVal);
  PropVariantClear(&value);
  return name;
}

namespace {

std::string DeviceId(IMMDevice* device) {
  wchar_t* id = nullptr;
  if (FAILED(device->GetId(&id)) || id == nullptr) return {};
  std::string text = ToUtf8(id);
  CoTaskMemFree(id);
  return text;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* FlowName(EDataFlow flow) { return flow == eCapture ? "capture" : "render"; }

}  // namespace

std::vector<EndpointInfo> ListEndpoints(IMMDeviceEnumerator* enumerator, EDataFlow flow, std::string* error) {
  std::vector<EndpointInfo> list;
  ComRef<IMMDeviceCollection> collection;
  HRESULT hr = enumerator->EnumAudioEndpoints(flow, DEVICE_STATE_ACTIVE, collection.Put());
  if (FAILED(hr)) {
    *error = std::string("EnumAudioEndpoints failed: ") + HResultText(hr);
    return list;
  }
  std::string default_id;
  {
    ComRef<IMMDevice> def;
    if (SUCCEEDED(enumerator->GetDefaultAudioEndpoint(flow, eConsole, def.Put()))) default_id = DeviceId(def.Get());
  }
  UINT count = 0;
  collection->GetCount(&count);
  for (UINT i = 0; i < count; ++i) {
    ComRef<IMMDevice> device;
    if (FAILED(collection->Item(i, device.Put()))) continue;
    EndpointInfo info;
    info.id = DeviceId(device.Get());
    info.name = FriendlyName(device.Get());
    info.is_default = !default_id.empty() && info.id == default_id;
    ComRef<IAudioClient> client;
    hr = device->Activate(__uuidof(IAudioClient), CLSCTX_ALL, nullptr, client.PutVoid());
    WAVEFORMATEX* mix = nullptr;
    if (SUCCEEDED(hr)) hr = client->GetMixFormat(&mix);
    if (SUCCEEDED(hr) && mix != nullptr) {
      const WaveFormatFields fields = FieldsOf(*mix);
      const FormatCheck check = CheckWaveFormat(fields);
      info.mix_format = DescribeWaveFormat(fields) + (check.ok ? "" : " [" + check.error + "]");
      CoTaskMemFree(mix);
    } else {
      info.mix_format = "mix format unavailable: " + HResultText(hr);
    }
    list.push_back(std::move(info));
  }
  return list;
}

bool FindEndpoint(IMMDeviceEnumerator* enumerator, EDataFlow flow, const std::string& spec, ComRef<IMMDevice>* out,
                  std::string* error) {
  if (spec.empty()) {
    const HRESULT hr = enumerator->GetDefaultAudioEndpoint(flow, eConsole, out->Put());
    if (FAILED(hr)) {
      *error = std::string("no default ") + FlowName(flow) + " endpoint: " + HResultText(hr);
      return false;
    }
    return true;
  }
  ComRef<IMMDeviceCollection> collection;
  const HRESULT hr = enumerator->EnumAudioEndpoints(flow, DEVICE_STATE_ACTIVE, collection.Put());
  if (FAILED(hr)) {
    *error = std::string("EnumAudioEndpoints failed: ") + HResultText(hr);
    return false;
  }
  UINT count = 0;
  collection->GetCount(&count);
  const std::string wanted = Lower(spec);
  std::string names;
  int by_name = -1;
  for (UINT i = 0; i < count; ++i) {
    ComRef<IMMDevice> device;
    if (FAILED(collection->Item(i, device.Put()))) continue;
    if (DeviceId(device.Get()) == spec) {
      *out->Put() = device.Get();
      device.Get()->AddRef();
      return true;
    }
    const std::string name = FriendlyName(device.Get());
    if (by_name < 0 && Lower(name).find(wanted) != std::string::npos) by_name = static_cast<int>(i);
    names += (names.empty() ? "\"" : ", \"") + name + "\"";
  }
  if (by_name >= 0 && SUCCEEDED(collection->Item(static_cast<UINT>(by_name), out->Put()))) return true;
  *error = std::string("no active ") + FlowName(flow) + " endpoint has the id or a name containing \"" + spec +
           "\" (there are: " + (names.empty() ? "none" : names) + "; see `hush.exe devices`)";
  return false;
}

}  // namespace hush::wasapi
