// SPDX-License-Identifier: MIT
// Driver entry, AddDevice, StartDevice and IRP routing.
//
//  DriverEntry  -> PcInitializeAdapterDriver (PortCls takes every IRP_MJ_*), then every
//                  major function is re-pointed at Dispatch, which sends control-device
//                  IRPs to the back door and every other IRP to PcDispatchIrp; IRP_MJ_PNP
//                  goes to DispatchPnp, which watches for REMOVE_DEVICE.
//  AddDevice    -> PcAddAdapterDevice with PORT_CLASS_DEVICE_EXTENSION_SIZE +
//                  sizeof(HushDeviceContext): PortCls owns the first
//                  PORT_CLASS_DEVICE_EXTENSION_SIZE bytes of the FDO's extension, the
//                  Hush context lives right after them.
//  StartDevice  -> the adapter common object (both rings), the four subdevices, the two
//                  physical connections, the control device.
#include "adapter_common.h"
#include "backdoor.h"
#include "descriptors.h"
#include "mintopo.h"
#include "minwavert.h"

namespace hush::km {

namespace {

// Four subdevices: WaveSpeaker, TopologySpeaker, WaveMicrophone, TopologyMicrophone.
constexpr ULONG kMaxSubdevices = 4;

// The Hush part of the FDO's device extension, after PortCls's part. Zeroed by
// IoCreateDevice (inside PcAddAdapterDevice). Touched at PASSIVE_LEVEL only (PnP).
struct HushDeviceContext {
  HushAdapter* adapter;          // one reference, released at IRP_MN_REMOVE_DEVICE
  PDEVICE_OBJECT control;        // the back door, deleted at IRP_MN_REMOVE_DEVICE
  bool subdevices_registered;    // StartDevice may run again after a rebalance stop
};

HushDeviceContext* ContextOf(PDEVICE_OBJECT fdo) {
  return reinterpret_cast<HushDeviceContext*>(static_cast<UCHAR*>(fdo->DeviceExtension) +
                                              PORT_CLASS_DEVICE_EXTENSION_SIZE);
}

enum class Kind { kWave, kTopology };

// Creates port + miniport, binds them with the adapter and registers the subdevice.
// Returns the port (one reference, the caller's) for PcRegisterPhysicalConnection.
// PASSIVE_LEVEL.
NTSTATUS InstallSubdevice(PDEVICE_OBJECT fdo, PIRP irp, const WCHAR* name, Kind kind, Direction direction,
                          HushAdapter* adapter, PRESOURCELIST resources, PUNKNOWN* port_out) {
  *port_out = nullptr;
  PPORT port = nullptr;
  NTSTATUS status = PcNewPort(&port, kind == Kind::kWave ? CLSID_PortWaveRT : CLSID_PortTopology);
  if (!NT_SUCCESS(status)) return status;
  IUnknown* miniport = nullptr;
  status = kind == Kind::kWave ? HushWaveMiniport::Create(direction, &miniport)
                               : HushTopologyMiniport::Create(direction, &miniport);
  if (NT_SUCCESS(status)) {
    // The port hands `adapter` to the miniport's Init, which keeps its own reference.
    status = port->Init(fdo, irp, miniport, static_cast<IUnknown*>(adapter), resources);
    miniport->Release();  // the port holds the miniport now (or it is gone)
  }
  if (NT_SUCCESS(status)) status = PcRegisterSubdevice(fdo, const_cast<PWCHAR>(name), port);
  if (!NT_SUCCESS(status)) {
    HUSH_KM_LOG("subdevice %ls failed: 0x%08lx", name, static_cast<unsigned long>(status));
    port->Release();
    return status;
  }
  *port_out = port;
  return STATUS_SUCCESS;
}

NTSTATUS RegisterEndpoints(PDEVICE_OBJECT fdo, PIRP irp, PRESOURCELIST resources, HushAdapter* adapter) {
  PUNKNOWN ports[kMaxSubdevices] = {};
  enum { kWaveSpk, kTopoSpk, kWaveMic, kTopoMic };
  NTSTATUS status =
      InstallSubdevice(fdo, irp, kWaveSpeakerName, Kind::kWave, Direction::kSpeaker, adapter, resources, &ports[kWaveSpk]);
  if (NT_SUCCESS(status)) {
    status = InstallSubdevice(fdo, irp, kTopoSpeakerName, Kind::kTopology, Direction::kSpeaker, adapter, resources,
                              &ports[kTopoSpk]);
  }
  if (NT_SUCCESS(status)) {
    status = InstallSubdevice(fdo, irp, kWaveMicName, Kind::kWave, Direction::kMic, adapter, resources, &ports[kWaveMic]);
  }
  if (NT_SUCCESS(status)) {
    status = InstallSubdevice(fdo, irp, kTopoMicName, Kind::kTopology, Direction::kMic, adapter, resources,
                              &ports[kTopoMic]);
  }
  // Wave render bridge -> speaker topology; microphone topology -> wave capture bridge.
  if (NT_SUCCESS(status)) {
    status = PcRegisterPhysicalConnection(fdo, ports[kWaveSpk], kWaveBridgePin, ports[kTopoSpk], kTopoWavePin);
  }
  if (NT_SUCCESS(status)) {
    status = PcRegisterPhysicalConnection(fdo, ports[kTopoMic], kTopoToWavePin, ports[kWaveMic], kWaveBridgePin);
  }
  for (PUNKNOWN p : ports) {
    if (p != nullptr) p->Release();  // PortCls keeps its own references to registered subdevices
  }
  return status;
}

// PortCls's start callback (PCPFNSTARTDEVICE). PASSIVE_LEVEL.
NTSTATUS StartDevice(PDEVICE_OBJECT fdo, PIRP irp, PRESOURCELIST resources) {
  HushDeviceContext* ctx = ContextOf(fdo);
  NTSTATUS status = STATUS_SUCCESS;
  if (ctx->adapter == nullptr) {
    status = HushAdapter::Create(fdo, &ctx->adapter);
    if (!NT_SUCCESS(status)) return status;
  }
  if (!ctx->subdevices_registered) {
    status = RegisterEndpoints(fdo, irp, resources, ctx->adapter);
    if (!NT_SUCCESS(status)) return status;
    ctx->subdevices_registered = true;
  }
  if (ctx->control == nullptr) {
    // Without the back door the endpoints would exist but never carry audio: fail the
    // start so Device Manager shows the problem instead of silent devices.
    status = CreateControlDevice(fdo->DriverObject, ctx->adapter, &ctx->control);
    if (!NT_SUCCESS(status)) HUSH_KM_LOG("control device failed: 0x%08lx", static_cast<unsigned long>(status));
  }
  return status;
}

// AddDevice for Root\HushAudio. PASSIVE_LEVEL.
NTSTATUS AddDevice(PDRIVER_OBJECT driver, PDEVICE_OBJECT pdo) {
  return PcAddAdapterDevice(driver, pdo, StartDevice, kMaxSubdevices,
                            PORT_CLASS_DEVICE_EXTENSION_SIZE + sizeof(HushDeviceContext));
}

// Every IRP but IRP_MJ_PNP: the back door's (control device) or PortCls's (the FDO).
// PASSIVE_LEVEL for create/close/cleanup/ioctl; power IRPs may arrive at DISPATCH_LEVEL
// and go straight to PcDispatchIrp.
NTSTATUS Dispatch(PDEVICE_OBJECT device, PIRP irp) {
  if (IsControlDevice(device)) return DispatchControl(device, irp);
  return PcDispatchIrp(device, irp);
}

// IRP_MJ_PNP: PortCls handles everything; on REMOVE_DEVICE the Hush context is torn down
// first (the control device, the adapter reference). PASSIVE_LEVEL.
NTSTATUS DispatchPnp(PDEVICE_OBJECT device, PIRP irp) {
  if (IsControlDevice(device)) {  // not a PnP device: should never happen
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS_NOT_SUPPORTED;
  }
  if (IoGetCurrentIrpStackLocation(irp)->MinorFunction == IRP_MN_REMOVE_DEVICE) {
    HushDeviceContext* ctx = ContextOf(device);
    DeleteControlDevice(ctx->control);
    ctx->control = nullptr;
    if (ctx->adapter != nullptr) ctx->adapter->Release();
    ctx->adapter = nullptr;
  }
  return PcDispatchIrp(device, irp);
}

}  // namespace

}  // namespace hush::km

// The image entry point (linked with --entry,DriverEntry). PASSIVE_LEVEL.
extern "C" NTSTATUS DriverEntry(PDRIVER_OBJECT driver, PUNICODE_STRING registry_path) {
  const NTSTATUS status = PcInitializeAdapterDriver(driver, registry_path, hush::km::AddDevice);
  if (!NT_SUCCESS(status)) return status;
  // Every major function, not only the four the back door serves: PortCls's handler must
  // never see an IRP for the control device (a ReadFile on \\.\HushControl would reach
  // PcDispatchIrp with a device PortCls does not own). Dispatch sends control-device IRPs
  // to the back door (which refuses what it does not serve) and the rest to PcDispatchIrp.
  for (ULONG major = 0; major <= IRP_MJ_MAXIMUM_FUNCTION; ++major) driver->MajorFunction[major] = hush::km::Dispatch;
  driver->MajorFunction[IRP_MJ_PNP] = hush::km::DispatchPnp;
  return STATUS_SUCCESS;
}
