// SPDX-License-Identifier: MIT
#include "mintopo.h"

#include "descriptors.h"

namespace hush::km {

NTSTATUS HushTopologyMiniport::Create(Direction direction, IUnknown** out) {
  *out = nullptr;
  HushTopologyMiniport* m = new (NonPagedPoolNx) HushTopologyMiniport(direction);
  if (m == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
  *out = static_cast<IMiniportTopology*>(m);
  return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) HushTopologyMiniport::QueryInterface(REFIID iid, PVOID* out) {
  if (out == nullptr) return STATUS_INVALID_PARAMETER;
  if (SameGuid(iid, IID_IUnknown) || SameGuid(iid, IID_IMiniport) || SameGuid(iid, IID_IMiniportTopology)) {
    *out = static_cast<IMiniportTopology*>(this);
    AddRef();
    return STATUS_SUCCESS;
  }
  *out = nullptr;
  return STATUS_INVALID_PARAMETER;
}

STDMETHODIMP_(ULONG) HushTopologyMiniport::AddRef() { return static_cast<ULONG>(InterlockedIncrement(&refs_)); }

STDMETHODIMP_(ULONG) HushTopologyMiniport::Release() {
  const LONG left = InterlockedDecrement(&refs_);
  if (left == 0) delete this;
  return static_cast<ULONG>(left);
}

STDMETHODIMP_(NTSTATUS) HushTopologyMiniport::GetDescription(PPCFILTER_DESCRIPTOR* description) {
  if (description == nullptr) return STATUS_INVALID_PARAMETER;
  *description = const_cast<PPCFILTER_DESCRIPTOR>(direction_ == Direction::kSpeaker ? &kTopoSpeakerFilter
                                                                                     : &kTopoMicFilter);
  return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) HushTopologyMiniport::DataRangeIntersection(ULONG, PKSDATARANGE, PKSDATARANGE, ULONG, PVOID,
                                                                    PULONG) {
  return STATUS_NOT_IMPLEMENTED;
}

STDMETHODIMP_(NTSTATUS) HushTopologyMiniport::Init(PUNKNOWN, PRESOURCELIST, PPORTTOPOLOGY port) {
  return port == nullptr ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

}  // namespace hush::km
