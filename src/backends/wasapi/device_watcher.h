// SPDX-License-Identifier: MIT
// DeviceWatcher: the IMMNotificationClient of hush.exe. Windows calls it on its own
// threads when endpoints come, go or become the default; it only flips atomics in the
// streams (RequestRetarget / RequestDeviceCheck) and counts, so it never blocks the
// caller (the documented rule for these callbacks). The streams do the reconnecting on
// their own threads; the virtual side (driver, or the driverless output if the user
// named one) is never stopped for a change on the real side.
#ifndef HUSH_BACKENDS_WASAPI_DEVICE_WATCHER_H
#define HUSH_BACKENDS_WASAPI_DEVICE_WATCHER_H

#include <windows.h>
#include <mmdeviceapi.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "backends/wasapi/wasapi_common.h"
#include "backends/wasapi/wasapi_stream.h"

namespace hush::wasapi {

class DeviceWatcher final : public IMMNotificationClient {
 public:
  // streams: not owned, must outlive Unregister(); fixed for the watcher's life.
  explicit DeviceWatcher(std::vector<WasapiStream*> streams);
  ~DeviceWatcher();  // Unregister()s
  DeviceWatcher(const DeviceWatcher&) = delete;
  DeviceWatcher& operator=(const DeviceWatcher&) = delete;

  // Registers with a new MMDeviceEnumerator (the calling thread must have COM). Returns
  // false with *error; hush.exe then runs without re-targeting (streams still reconnect
  // when their device is invalidated). Control thread.
  bool Register(std::string* error);
  void Unregister();

  uint64_t DefaultChanges() const { return default_changes_.load(std::memory_order_relaxed); }
  uint64_t StateChanges() const { return state_changes_.load(std::memory_order_relaxed); }

  // IUnknown: the object is owned by its creator, so AddRef/Release only count.
  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID iid, void** out) override;
  // IMMNotificationClient
  HRESULT STDMETHODCALLTYPE OnDeviceStateChanged(LPCWSTR device_id, DWORD new_state) override;
  HRESULT STDMETHODCALLTYPE OnDeviceAdded(LPCWSTR device_id) override;
  HRESULT STDMETHODCALLTYPE OnDeviceRemoved(LPCWSTR device_id) override;
  HRESULT STDMETHODCALLTYPE OnDefaultDeviceChanged(EDataFlow flow, ERole role, LPCWSTR default_id) override;
  HRESULT STDMETHODCALLTYPE OnPropertyValueChanged(LPCWSTR device_id, const PROPERTYKEY key) override;

 private:
  void CheckAll();

  std::vector<WasapiStream*> streams_;
  ComRef<IMMDeviceEnumerator> enumerator_;
  bool registered_ = false;
  std::atomic<ULONG> refs_{1};
  std::atomic<uint64_t> default_changes_{0}, state_changes_{0};
};

}  // namespace hush::wasapi

#endif  // HUSH_BACKENDS_WASAPI_DEVICE_WATCHER_H
