// SPDX-License-Identifier: MIT
#include "backends/wasapi/device_watcher.h"

namespace hush::wasapi {

DeviceWatcher::DeviceWatcher(std::vector<WasapiStream*> streams) : streams_(std::move(streams)) {}

DeviceWatcher::~DeviceWatcher() { Unregister(); }

bool DeviceWatcher::Register(std::string* error) {
  HRESULT hr = CoCreateInstance(__uuidof(MMDeviceEnumerator), nullptr, CLSCTX_ALL, __uuidof(IMMDeviceEnumerator),
                                enumerator_.PutVoid());
  if (SUCCEEDED(hr)) hr = enumerator_->RegisterEndpointNotificationCallback(this);
  if (FAILED(hr)) {
    *error = "device notifications unavailable: " + HResultText(hr);
    enumerator_.Reset();
    return false;
  }
  registered_ = true;
  return true;
}

void DeviceWatcher::Unregister() {
  // UnregisterEndpointNotificationCallback waits for callbacks in flight, so after it no
  // callback touches the streams.
  if (registered_) enumerator_->UnregisterEndpointNotificationCallback(this);
  registered_ = false;
  enumerator_.Reset();
}

ULONG DeviceWatcher::AddRef() { return ++refs_; }
ULONG DeviceWatcher::Release() { return --refs_; }

HRESULT DeviceWatcher::QueryInterface(REFIID iid, void** out) {
  if (out == nullptr) return E_POINTER;
  if (iid == __uuidof(IUnknown) || iid == __uuidof(IMMNotificationClient)) {
    *out = static_cast<IMMNotificationClient*>(this);
    AddRef();
    return S_OK;
  }
  *out = nullptr;
  return E_NOINTERFACE;
}

void DeviceWatcher::CheckAll() {
  state_changes_.fetch_add(1, std::memory_order_relaxed);
  for (WasapiStream* s : streams_) s->RequestDeviceCheck();
}

HRESULT DeviceWatcher::OnDeviceStateChanged(LPCWSTR, DWORD) {
  CheckAll();
  return S_OK;
}

HRESULT DeviceWatcher::OnDeviceAdded(LPCWSTR) {
  // A stream waiting for its named device retries on its own back-off; nothing to do.
  return S_OK;
}

HRESULT DeviceWatcher::OnDeviceRemoved(LPCWSTR) {
  CheckAll();
  return S_OK;
}

HRESULT DeviceWatcher::OnDefaultDeviceChanged(EDataFlow flow, ERole role, LPCWSTR) {
  // Streams follow the eConsole default (what FindEndpoint opens); the other roles'
  // notifications for the same change are ignored so a change re-targets once.
  if (role != eConsole) return S_OK;
  default_changes_.fetch_add(1, std::memory_order_relaxed);
  for (WasapiStream* s : streams_) {
    const bool capture = s->GetDirection() == Direction::kCapture;
    if ((flow == eCapture && capture) || (flow == eRender && !capture) || flow == eAll) s->RequestRetarget();
  }
  return S_OK;
}

HRESULT DeviceWatcher::OnPropertyValueChanged(LPCWSTR, const PROPERTYKEY) { return S_OK; }

}  // namespace hush::wasapi
