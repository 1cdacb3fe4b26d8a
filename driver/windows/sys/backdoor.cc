// SPDX-License-Identifier: MIT
#define HUSH_KM_WANT_NTIFS 1  // ObOpenObjectByPointer, ZwSetSecurityObject, Rtl*Sid, Rtl*Acl
#include "backdoor.h"

namespace hush::km {

namespace {

constexpr ULONG kControlMagic = 0x4C544348u;  // "HCTL"

struct ControlExtension {
  ULONG magic;
  HushAdapter* adapter;
  // References on `adapter` held by this device: 1 while the device exists, +1 while a
  // handle is open; the adapter is released when it reaches 0.
  volatile LONG refs;
  volatile LONG open;          // 0 or 1: the single-opener claim
  volatile LONG removed;       // set by DeleteControlDevice
  PFILE_OBJECT owner;          // the file object of the one open handle
  UNICODE_STRING link_name;    // points at the constant below
};

// ---- The service SID, parsed at compile time from the protocol's SDDL string, so the
// DACL built below and the documented string cannot drift apart. ----
constexpr wchar_t kSddlPrefix[] = L"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;S-1-5-80-";

constexpr bool SddlHasPrefix() {
  for (size_t i = 0; kSddlPrefix[i] != 0; ++i) {
    if (driver::kHushControlSddl[i] != kSddlPrefix[i]) return false;
  }
  return true;
}
static_assert(SddlHasPrefix(), "the DACL code below builds exactly SY, BA and one service SID");

struct ServiceRids {
  ULONG rid[5];
  bool ok;
};
constexpr ServiceRids ParseServiceRids() {
  ServiceRids r{{0, 0, 0, 0, 0}, false};
  size_t i = sizeof(kSddlPrefix) / sizeof(wchar_t) - 1;
  for (int n = 0; n < 5; ++n) {
    unsigned long long v = 0;
    size_t digits = 0;
    while (driver::kHushControlSddl[i] >= L'0' && driver::kHushControlSddl[i] <= L'9') {
      v = v * 10 + static_cast<unsigned long long>(driver::kHushControlSddl[i] - L'0');
      ++i;
      ++digits;
    }
    if (digits == 0 || v > 0xFFFFFFFFull) return r;
    r.rid[n] = static_cast<ULONG>(v);
    const wchar_t sep = driver::kHushControlSddl[i++];
    if (n < 4 ? sep != L'-' : sep != L')') return r;
  }
  r.ok = driver::kHushControlSddl[i] == 0;
  return r;
}
constexpr ServiceRids kServiceRids = ParseServiceRids();
static_assert(kServiceRids.ok, "kHushControlSddl must end with one S-1-5-80-a-b-c-d-e service SID");

constexpr ULONG SidBytes(ULONG sub_authorities) { return 8 + 4 * sub_authorities; }  // RtlLengthRequiredSid

// The security descriptor and its parts, in one non-paged block while it is applied.
struct DaclBlock {
  SECURITY_DESCRIPTOR sd;
  alignas(8) UCHAR system_sid[SidBytes(1)];
  alignas(8) UCHAR admins_sid[SidBytes(2)];
  alignas(8) UCHAR service_sid[SidBytes(6)];
  alignas(8) UCHAR acl[sizeof(ACL) + 3 * (sizeof(ACCESS_ALLOWED_ACE) - sizeof(ULONG)) + SidBytes(1) + SidBytes(2) +
                      SidBytes(6)];
};

// Builds the protected DACL {SYSTEM, Administrators, NT SERVICE\Hush: FILE_ALL_ACCESS}
// (GA maps to FILE_ALL_ACCESS for devices) and sets it on `device`. IoCreateDeviceSecure
// would do this from the SDDL string, but it lives in the WDK's static wdmsec.lib, which
// mingw-w64 does not have; these calls are all ntoskrnl exports. PASSIVE_LEVEL.
NTSTATUS ApplyControlDacl(PDEVICE_OBJECT device) {
  DaclBlock* b = static_cast<DaclBlock*>(ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(DaclBlock), kPoolTag));
  if (b == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
  RtlZeroMemory(b, sizeof(*b));
  SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
  PSID system = b->system_sid;
  PSID admins = b->admins_sid;
  PSID service = b->service_sid;
  NTSTATUS status = RtlInitializeSid(system, &nt, 1);
  if (NT_SUCCESS(status)) {
    *RtlSubAuthoritySid(system, 0) = SECURITY_LOCAL_SYSTEM_RID;  // S-1-5-18
    status = RtlInitializeSid(admins, &nt, 2);
  }
  if (NT_SUCCESS(status)) {
    *RtlSubAuthoritySid(admins, 0) = SECURITY_BUILTIN_DOMAIN_RID;  // S-1-5-32-544
    *RtlSubAuthoritySid(admins, 1) = DOMAIN_ALIAS_RID_ADMINS;
    status = RtlInitializeSid(service, &nt, 6);
  }
  if (NT_SUCCESS(status)) {
    *RtlSubAuthoritySid(service, 0) = 80;  // SECURITY_SERVICE_ID_BASE_RID: S-1-5-80-...
    for (ULONG i = 0; i < 5; ++i) *RtlSubAuthoritySid(service, i + 1) = kServiceRids.rid[i];
    status = RtlCreateAcl(reinterpret_cast<PACL>(b->acl), sizeof(b->acl), ACL_REVISION);
  }
  PSID sids[3] = {system, admins, service};
  for (PSID sid : sids) {
    if (NT_SUCCESS(status)) {
      status = RtlAddAccessAllowedAce(reinterpret_cast<PACL>(b->acl), ACL_REVISION, FILE_ALL_ACCESS, sid);
    }
  }
  if (NT_SUCCESS(status)) status = RtlCreateSecurityDescriptor(&b->sd, SECURITY_DESCRIPTOR_REVISION);
  if (NT_SUCCESS(status)) status = RtlSetDaclSecurityDescriptor(&b->sd, TRUE, reinterpret_cast<PACL>(b->acl), FALSE);
  HANDLE handle = nullptr;
  if (NT_SUCCESS(status)) {
    status = ObOpenObjectByPointer(device, OBJ_KERNEL_HANDLE, nullptr, WRITE_DAC, nullptr, KernelMode, &handle);
  }
  if (NT_SUCCESS(status)) {
    // PROTECTED_DACL_SECURITY_INFORMATION is the SDDL's "P": no ACE is inherited from
    // the \Device directory.
    status = ZwSetSecurityObject(handle, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, &b->sd);
    ZwClose(handle);
  }
  ExFreePoolWithTag(b, kPoolTag);
  return status;
}

ControlExtension* ExtensionOf(PDEVICE_OBJECT device) { return static_cast<ControlExtension*>(device->DeviceExtension); }

void DropReference(ControlExtension* ext) {
  if (InterlockedDecrement(&ext->refs) == 0 && ext->adapter != nullptr) {
    HushAdapter* adapter = ext->adapter;
    ext->adapter = nullptr;
    adapter->Release();
  }
}

// ioctl_protocol.h's status -> the NTSTATUS user mode sees (GetLastError in brackets).
NTSTATUS ToNtStatus(driver::HushStatus s) {
  switch (s) {
    case driver::kHushOk: return STATUS_SUCCESS;
    case driver::kHushErrOutputTooSmall: return STATUS_BUFFER_TOO_SMALL;  // [ERROR_INSUFFICIENT_BUFFER]
    case driver::kHushErrInputTooLarge:
    case driver::kHushErrTooManyFrames: return STATUS_INVALID_BUFFER_SIZE;  // [ERROR_INVALID_USER_BUFFER]
    case driver::kHushErrBadStructSize:
    case driver::kHushErrBadVersion: return STATUS_REVISION_MISMATCH;  // [ERROR_REVISION_MISMATCH]
    case driver::kHushErrFormatMismatch: return STATUS_INVALID_DEVICE_STATE;  // [ERROR_BAD_COMMAND]: re-query GET_INFO
    default: return STATUS_INVALID_PARAMETER;  // [ERROR_INVALID_PARAMETER]
  }
}

NTSTATUS Complete(PIRP irp, NTSTATUS status, ULONG_PTR information) {
  irp->IoStatus.Status = status;
  irp->IoStatus.Information = NT_SUCCESS(status) ? information : 0;
  IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
}

// The endpoint's format as the back door sees it (under user_lock: OpenStream changes it).
driver::HushEndpointInfo EndpointInfo(EndpointPath& p) {
  driver::HushEndpointInfo info{};
  SpinLockGuard guard(&p.user_lock);
  info.format = p.format;
  info.ring_bytes = p.ring.CapacityBytes();
  info.format_generation = static_cast<uint32_t>(p.format_generation);
  info.state = static_cast<uint32_t>(p.state);
  return info;
}

NTSTATUS DeviceControl(ControlExtension* ext, PIRP irp, PIO_STACK_LOCATION stack) {
  HushAdapter* adapter = ext->adapter;
  if (adapter == nullptr || ext->removed != 0) return Complete(irp, STATUS_DEVICE_REMOVED, 0);
  if (stack->FileObject != ext->owner) return Complete(irp, STATUS_ACCESS_DENIED, 0);
  const ULONG code = stack->Parameters.DeviceIoControl.IoControlCode;
  const ULONG in_len = stack->Parameters.DeviceIoControl.InputBufferLength;
  const ULONG out_len = stack->Parameters.DeviceIoControl.OutputBufferLength;
  // METHOD_BUFFERED: one non-paged system buffer of max(in_len, out_len) bytes holds the
  // input on entry and the output on completion; null when both lengths are 0.
  UCHAR* buf = static_cast<UCHAR*>(irp->AssociatedIrp.SystemBuffer);

  switch (code) {
    case driver::kIoctlHushGetInfo: {
      driver::HushStatus s = driver::HushValidateQuery(in_len, out_len, sizeof(driver::HushInfo));
      if (s == driver::kHushOk && buf == nullptr) s = driver::kHushErrNullBuffer;
      if (s != driver::kHushOk) return Complete(irp, ToNtStatus(s), 0);
      driver::HushInfo info{};
      info.struct_size = sizeof(info);
      info.version = driver::kHushStructVersion;
      info.protocol_version = driver::kHushProtocolVersion;
      info.driver_version = kDriverVersion;
      info.speaker = EndpointInfo(adapter->Path(Direction::kSpeaker));
      info.mic = EndpointInfo(adapter->Path(Direction::kMic));
      RtlCopyMemory(buf, &info, sizeof(info));
      return Complete(irp, STATUS_SUCCESS, sizeof(info));
    }
    case driver::kIoctlHushGetStats: {
      driver::HushStatus s = driver::HushValidateQuery(in_len, out_len, sizeof(driver::HushStats));
      if (s == driver::kHushOk && buf == nullptr) s = driver::kHushErrNullBuffer;
      if (s != driver::kHushOk) return Complete(irp, ToNtStatus(s), 0);
      driver::HushStats stats{};
      stats.struct_size = sizeof(stats);
      stats.version = driver::kHushStructVersion;
      EndpointPath& speaker = adapter->Path(Direction::kSpeaker);
      EndpointPath& mic = adapter->Path(Direction::kMic);
      {
        SpinLockGuard guard(&speaker.user_lock);  // the ring is not re-initialised meanwhile
        stats.speaker = driver::HushMakeDirectionStats(speaker.ring, static_cast<uint64_t>(speaker.wakes));
      }
      {
        SpinLockGuard guard(&mic.user_lock);
        stats.mic = driver::HushMakeDirectionStats(mic.ring, static_cast<uint64_t>(mic.wakes));
      }
      RtlCopyMemory(buf, &stats, sizeof(stats));
      return Complete(irp, STATUS_SUCCESS, sizeof(stats));
    }
    case driver::kIoctlHushReadSpeaker: {
      EndpointPath& p = adapter->Path(Direction::kSpeaker);
      SpinLockGuard guard(&p.user_lock);  // one reader at a time; no re-Init meanwhile
      driver::HushReadSpeakerView view{};
      driver::HushStatus s = driver::HushValidateReadSpeaker(in_len, out_len, p.format, &view);
      if (s == driver::kHushOk && buf == nullptr) s = driver::kHushErrNullBuffer;
      if (s != driver::kHushOk) return Complete(irp, ToNtStatus(s), 0);
      const uint64_t first_frame = p.ring.Counters().read_bytes / p.format.frame_bytes;
      // view.max_payload_bytes + header <= out_len (validated): the copy stays inside.
      const uint32_t got = p.ring.Read(buf + sizeof(driver::HushAudioHeader), view.max_payload_bytes);
      const driver::HushAudioHeader header =
          driver::HushMakeAudioHeader(p.format, got / p.format.frame_bytes, first_frame);
      RtlCopyMemory(buf, &header, sizeof(header));
      return Complete(irp, STATUS_SUCCESS, sizeof(header) + got);
    }
    case driver::kIoctlHushWriteMic: {
      EndpointPath& p = adapter->Path(Direction::kMic);
      SpinLockGuard guard(&p.user_lock);  // one writer at a time; no re-Init meanwhile
      driver::HushWriteMicView view{};
      driver::HushStatus s = driver::HushValidateWriteMicOutput(out_len);
      if (s == driver::kHushOk) {
        s = buf == nullptr ? driver::kHushErrNullBuffer : driver::HushValidateWriteMic(buf, in_len, p.format, &view);
      }
      if (s != driver::kHushOk) return Complete(irp, ToNtStatus(s), 0);
      // The input is consumed (copied into the ring) before the reply overwrites it.
      const uint32_t written = p.ring.Write(view.samples, view.payload_bytes);
      driver::HushWriteMicReply reply{};
      reply.struct_size = sizeof(reply);
      reply.version = driver::kHushStructVersion;
      reply.frames_written = written / p.format.frame_bytes;
      reply.frames_dropped = (view.payload_bytes - written) / p.format.frame_bytes;
      reply.free_bytes = p.ring.FreeBytes();
      if (out_len == 0) return Complete(irp, STATUS_SUCCESS, 0);
      RtlCopyMemory(buf, &reply, sizeof(reply));
      return Complete(irp, STATUS_SUCCESS, sizeof(reply));
    }
    case driver::kIoctlHushWait: {
      driver::HushWaitView view{};
      const driver::HushStatus s = driver::HushValidateWait(buf, in_len, out_len, &view);
      if (s != driver::kHushOk) return Complete(irp, ToNtStatus(s), 0);
      return adapter->QueueWait(irp, view.wait_mask);  // completes or pends the IRP itself
    }
    default:
      return Complete(irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  }
}

}  // namespace

NTSTATUS CreateControlDevice(PDRIVER_OBJECT driver, HushAdapter* adapter, PDEVICE_OBJECT* out) {
  *out = nullptr;
  UNICODE_STRING name;
  RtlInitUnicodeString(&name, driver::kHushControlDeviceName);
  PDEVICE_OBJECT device = nullptr;
  NTSTATUS status = IoCreateDevice(driver, sizeof(ControlExtension), &name, FILE_DEVICE_UNKNOWN,
                                   FILE_DEVICE_SECURE_OPEN, /*Exclusive=*/FALSE, &device);
  if (!NT_SUCCESS(status)) return status;
  // Until DO_DEVICE_INITIALIZING is cleared below, the I/O manager refuses every open,
  // so nobody can slip in before the DACL is in place.
  status = ApplyControlDacl(device);
  if (!NT_SUCCESS(status)) {
    IoDeleteDevice(device);
    return status;
  }
  ControlExtension* ext = ExtensionOf(device);  // zeroed by IoCreateDevice
  ext->magic = kControlMagic;
  ext->adapter = adapter;
  adapter->AddRef();
  ext->refs = 1;
  RtlInitUnicodeString(&ext->link_name, driver::kHushControlSymbolicLink);
  status = IoCreateSymbolicLink(&ext->link_name, &name);
  if (!NT_SUCCESS(status)) {
    DropReference(ext);
    IoDeleteDevice(device);
    return status;
  }
  device->Flags &= ~DO_DEVICE_INITIALIZING;
  *out = device;
  return STATUS_SUCCESS;
}

void DeleteControlDevice(PDEVICE_OBJECT control) {
  if (control == nullptr) return;
  ControlExtension* ext = ExtensionOf(control);
  InterlockedExchange(&ext->removed, 1);
  IoDeleteSymbolicLink(&ext->link_name);
  DropReference(ext);
  IoDeleteDevice(control);  // the object lives on until its last handle closes
}

bool IsControlDevice(PDEVICE_OBJECT device) {
  return device != nullptr && device->DeviceType == FILE_DEVICE_UNKNOWN && device->DeviceExtension != nullptr &&
         ExtensionOf(device)->magic == kControlMagic;
}

NTSTATUS DispatchControl(PDEVICE_OBJECT control, PIRP irp) {
  ControlExtension* ext = ExtensionOf(control);
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
  switch (stack->MajorFunction) {
    case IRP_MJ_CREATE: {
      // No namespace below the device: \\.\HushControl\anything is refused.
      if (stack->FileObject != nullptr && stack->FileObject->FileName.Length != 0) {
        return Complete(irp, STATUS_OBJECT_NAME_NOT_FOUND, 0);
      }
      if (ext->removed != 0 || ext->adapter == nullptr) return Complete(irp, STATUS_DELETE_PENDING, 0);
      if (InterlockedCompareExchange(&ext->open, 1, 0) != 0) return Complete(irp, STATUS_SHARING_VIOLATION, 0);
      InterlockedIncrement(&ext->refs);
      ext->owner = stack->FileObject;
      return Complete(irp, STATUS_SUCCESS, 0);
    }
    case IRP_MJ_CLEANUP:
      // The last handle is gone: no thread can issue more IOCTLs on it; end its waits.
      if (ext->adapter != nullptr && stack->FileObject == ext->owner) ext->adapter->CancelWaits(stack->FileObject);
      return Complete(irp, STATUS_SUCCESS, 0);
    case IRP_MJ_CLOSE:
      if (stack->FileObject == ext->owner && ext->open != 0) {
        ext->owner = nullptr;
        InterlockedExchange(&ext->open, 0);
        DropReference(ext);
      }
      return Complete(irp, STATUS_SUCCESS, 0);
    case IRP_MJ_DEVICE_CONTROL:
      return DeviceControl(ext, irp, stack);
    default:
      return Complete(irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  }
}

}  // namespace hush::km
