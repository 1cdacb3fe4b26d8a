// SPDX-License-Identifier: MIT
// The topology miniport of each endpoint: no nodes, two bridge pins (descriptors.h). It
// exists because the audio engine builds an endpoint from a wave filter connected to a
// topology filter whose far pin names the jack (speaker / microphone) and carries the
// friendly name.
#ifndef HUSH_DRIVER_SYS_MINTOPO_H
#define HUSH_DRIVER_SYS_MINTOPO_H

#include "adapter_common.h"

namespace hush::km {

class HushTopologyMiniport final : public IMiniportTopology {
 public:
  // Refcount 1, owned by the caller, returned as IUnknown. PASSIVE_LEVEL.
  static NTSTATUS Create(Direction direction, IUnknown** out);

  // IUnknown: IID_IUnknown, IID_IMiniport, IID_IMiniportTopology. <= DISPATCH_LEVEL.
  STDMETHODIMP_(NTSTATUS) QueryInterface(REFIID iid, PVOID* out) override;
  STDMETHODIMP_(ULONG) AddRef() override;
  STDMETHODIMP_(ULONG) Release() override;
  // IMiniport / IMiniportTopology. PASSIVE_LEVEL.
  STDMETHODIMP_(NTSTATUS) GetDescription(PPCFILTER_DESCRIPTOR* description) override;
  // Bridge pins only: STATUS_NOT_IMPLEMENTED lets PortCls's default handler match the
  // analog range.
  STDMETHODIMP_(NTSTATUS) DataRangeIntersection(ULONG pin_id, PKSDATARANGE data_range,
                                                PKSDATARANGE matching_data_range, ULONG output_buffer_length,
                                                PVOID resultant_format, PULONG resultant_format_length) override;
  STDMETHODIMP_(NTSTATUS) Init(PUNKNOWN unknown_adapter, PRESOURCELIST resource_list, PPORTTOPOLOGY port) override;

 private:
  explicit HushTopologyMiniport(Direction direction) : direction_(direction) {}
  ~HushTopologyMiniport() = default;

  volatile LONG refs_ = 1;
  Direction direction_;
};

}  // namespace hush::km

#endif  // HUSH_DRIVER_SYS_MINTOPO_H
