// SPDX-License-Identifier: MIT
// Runs hush.sys's own object code in user mode, under Wine, against a fake kernel: every
// ntoskrnl.exe and portcls.sys import the driver makes (the __imp_ pointers its calls go
// through) is bound here to a small user-mode stand-in that records what the driver did.
// Then DriverEntry -> AddDevice -> StartDevice -> the back door's IRPs -> a render and a
// capture stream driven by hand-fired timer DPCs -> PnP removal, checking at each step what
// a real kernel could only show on Windows: the IRP routing, the subdevices and physical
// connections, the control device's DACL (SIDs, access, protection), the single-opener
// rule, every IOCTL's length validation and replies, the pended wait and its cancellation,
// data through both rings, notification events, timer-resolution balance, spin locks
// never taken recursively, and no pool leaked at the end.
//
// What this does NOT show: the real PortCls, KS, audio engine, loader or IRQL rules. The
// stand-ins are single-threaded models of the documented behaviour, not Windows.
// Exit code 0 when every check passed; each failure is printed with its line.
#define HUSH_KM_WANT_NTIFS 1
#include "hush_km.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "adapter_common.h"
#include "backdoor.h"
#include "descriptors.h"
#include "formats.h"
#include "minwavert.h"

extern "C" NTSTATUS DriverEntry(PDRIVER_OBJECT driver, PUNICODE_STRING registry_path);
// imagehlp.dll (Wine's implementation): an independent check of the PE checksum that
// scripts/build-driver.sh writes. Declared here: <imagehlp.h> is user-mode windows.h,
// which does not mix with the DDK headers.
extern "C" __declspec(dllimport) ULONG __stdcall MapFileAndCheckSumA(const char* file, ULONG* header_sum,
                                                                      ULONG* computed_sum);

namespace {

int g_failures = 0;
int g_checks = 0;
#define CHECK(cond)                                                       \
  do {                                                                    \
    ++g_checks;                                                           \
    if (!(cond)) {                                                        \
      ++g_failures;                                                       \
      std::printf("FAILED line %d: %s\n", __LINE__, #cond);               \
    }                                                                     \
  } while (0)
#define CHECK_EQ_HEX(a, b)                                                                        \
  do {                                                                                            \
    ++g_checks;                                                                                   \
    const unsigned long long va = static_cast<unsigned long long>(a), vb = static_cast<unsigned long long>(b); \
    if (va != vb) {                                                                               \
      ++g_failures;                                                                               \
      std::printf("FAILED line %d: %s == %s (0x%llx vs 0x%llx)\n", __LINE__, #a, #b, va, vb);     \
    }                                                                                             \
  } while (0)

// ---------------- the fake kernel's state ----------------
long g_pool_outstanding = 0;
long g_pool_bad_tag = 0;
int g_timer_resolution_balance = 0;
int g_spin_recursion = 0;
LONGLONG g_qpc = 1000000;  // the performance counter, 10 MHz
constexpr LONGLONG kQpcHz = 10000000;
int g_pc_dispatch_calls = 0;
int g_completions = 0;
PDRIVER_ADD_DEVICE g_add_device = nullptr;
PCPFNSTARTDEVICE g_start_device = nullptr;
PDEVICE_OBJECT g_fdo = nullptr;
ULONG g_fdo_extension_bytes = 0;
wchar_t g_subdevice_names[8][64];
IUnknown* g_subdevice_ports[8];
int g_subdevices = 0;
struct Connection { IUnknown* from; ULONG from_pin; IUnknown* to; ULONG to_pin; } g_connections[4];
int g_connection_count = 0;
wchar_t g_device_name[64];
wchar_t g_link_name[64];
bool g_link_exists = false;
int g_devices_deleted = 0;
unsigned char g_dacl[512];
SECURITY_INFORMATION g_security_info = 0;
USHORT g_sd_control = 0;
int g_event_signals = 0;
PKTIMER g_timer = nullptr;  // the one armed timer (one stream at a time runs here)
bool g_timer_armed = false;

void CopyWide(wchar_t* dst, const wchar_t* src, size_t cap) {
  size_t i = 0;
  for (; src[i] != 0 && i + 1 < cap; ++i) dst[i] = src[i];
  dst[i] = 0;
}
bool WideEq(const wchar_t* a, const wchar_t* b) {
  for (; *a && *a == *b; ++a, ++b) {}
  return *a == *b;
}

// ---------------- ntoskrnl stand-ins ----------------
ULONG __cdecl K_DbgPrintEx(ULONG, ULONG, PCSTR format, ...) {
  va_list ap;
  va_start(ap, format);
  std::printf("  [driver] ");
  std::vprintf(format, ap);
  va_end(ap);
  return 0;
}
PVOID NTAPI K_ExAllocatePoolWithTag(POOL_TYPE, SIZE_T bytes, ULONG tag) {
  if (tag != hush::km::kPoolTag) ++g_pool_bad_tag;
  ++g_pool_outstanding;
  return std::malloc(bytes);  // not zeroed, as in the kernel: the driver must zero
}
VOID NTAPI K_ExFreePoolWithTag(PVOID p, ULONG tag) {
  if (tag != hush::km::kPoolTag) ++g_pool_bad_tag;
  --g_pool_outstanding;
  std::free(p);
}
ULONG NTAPI K_ExSetTimerResolution(ULONG, BOOLEAN set) {
  g_timer_resolution_balance += set ? 1 : -1;
  return 10000;
}
NTSTATUS NTAPI K_IoCreateDevice(PDRIVER_OBJECT driver, ULONG extension_bytes, PUNICODE_STRING name, DEVICE_TYPE type,
                                ULONG characteristics, BOOLEAN, PDEVICE_OBJECT* out) {
  auto* d = static_cast<DEVICE_OBJECT*>(std::calloc(1, sizeof(DEVICE_OBJECT)));
  d->DeviceExtension = extension_bytes ? std::calloc(1, extension_bytes) : nullptr;
  d->DeviceType = type;
  d->Characteristics = characteristics;
  d->Flags = DO_DEVICE_INITIALIZING;
  d->DriverObject = driver;
  if (name != nullptr) CopyWide(g_device_name, name->Buffer, 64);
  *out = d;
  return STATUS_SUCCESS;
}
VOID NTAPI K_IoDeleteDevice(PDEVICE_OBJECT d) {
  ++g_devices_deleted;
  std::free(d->DeviceExtension);
  std::free(d);
}
NTSTATUS NTAPI K_IoCreateSymbolicLink(PUNICODE_STRING link, PUNICODE_STRING) {
  CopyWide(g_link_name, link->Buffer, 64);
  g_link_exists = true;
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_IoDeleteSymbolicLink(PUNICODE_STRING) {
  g_link_exists = false;
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_IoCsqInitialize(PIO_CSQ csq, PIO_CSQ_INSERT_IRP insert, PIO_CSQ_REMOVE_IRP remove,
                                 PIO_CSQ_PEEK_NEXT_IRP peek, PIO_CSQ_ACQUIRE_LOCK acquire, PIO_CSQ_RELEASE_LOCK release,
                                 PIO_CSQ_COMPLETE_CANCELED_IRP complete) {
  csq->Type = 0;
  csq->CsqInsertIrp = insert;
  csq->CsqRemoveIrp = remove;
  csq->CsqPeekNextIrp = peek;
  csq->CsqAcquireLock = acquire;
  csq->CsqReleaseLock = release;
  csq->CsqCompleteCanceledIrp = complete;
  return STATUS_SUCCESS;
}
VOID NTAPI K_IoCsqInsertIrp(PIO_CSQ csq, PIRP irp, PIO_CSQ_IRP_CONTEXT) {
  KIRQL irql;
  csq->CsqAcquireLock(csq, &irql);
  irp->Tail.Overlay.DriverContext[3] = csq;
  IoMarkIrpPending(irp);
  csq->CsqInsertIrp(csq, irp);
  csq->CsqReleaseLock(csq, irql);
}
PIRP NTAPI K_IoCsqRemoveNextIrp(PIO_CSQ csq, PVOID peek_context) {
  KIRQL irql;
  csq->CsqAcquireLock(csq, &irql);
  PIRP irp = csq->CsqPeekNextIrp(csq, nullptr, peek_context);
  if (irp != nullptr) csq->CsqRemoveIrp(csq, irp);
  csq->CsqReleaseLock(csq, irql);
  return irp;
}
// What the I/O manager's cancel does for a CSQ-queued IRP (CancelIoEx in user mode).
void CancelQueuedIrp(PIRP irp) {
  auto* csq = static_cast<PIO_CSQ>(irp->Tail.Overlay.DriverContext[3]);
  KIRQL irql;
  csq->CsqAcquireLock(csq, &irql);
  csq->CsqRemoveIrp(csq, irp);
  csq->CsqReleaseLock(csq, irql);
  csq->CsqCompleteCanceledIrp(csq, irp);
}
VOID FASTCALL K_IofCompleteRequest(PIRP irp, CCHAR) {
  ++g_completions;
  irp->Tail.Overlay.DriverContext[2] = reinterpret_cast<PVOID>(1);  // "completed" marker for the tests
}
KIRQL NTAPI K_KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK lock) {
  if (*lock != 0) ++g_spin_recursion;  // single-threaded: a held lock means a self-deadlock
  *lock = 1;
  return PASSIVE_LEVEL;
}
VOID NTAPI K_KeReleaseSpinLock(PKSPIN_LOCK lock, KIRQL) { *lock = 0; }
VOID NTAPI K_KeBugCheckEx(ULONG code, ULONG_PTR a, ULONG_PTR, ULONG_PTR, ULONG_PTR) {
  std::printf("BUG CHECK 0x%lx (%llu)\n", static_cast<unsigned long>(code), static_cast<unsigned long long>(a));
  std::exit(2);
}
BOOLEAN NTAPI K_KeCancelTimer(PKTIMER timer) {
  const bool was = g_timer_armed && g_timer == timer;
  if (g_timer == timer) g_timer_armed = false;
  return was;
}
VOID NTAPI K_KeFlushQueuedDpcs() {}
VOID NTAPI K_KeInitializeDpc(PRKDPC dpc, PKDEFERRED_ROUTINE routine, PVOID context) {
  std::memset(dpc, 0, sizeof(*dpc));
  dpc->DeferredRoutine = routine;
  dpc->DeferredContext = context;
}
VOID NTAPI K_KeInitializeTimerEx(PKTIMER timer, TIMER_TYPE) { std::memset(timer, 0, sizeof(*timer)); }
BOOLEAN NTAPI K_KeSetTimerEx(PKTIMER timer, LARGE_INTEGER due, LONG period_ms, PKDPC dpc) {
  CHECK(due.QuadPart == -10000);  // 1 ms, relative
  CHECK(period_ms == 1);
  timer->Dpc = dpc;
  g_timer = timer;
  g_timer_armed = true;
  return FALSE;
}
LARGE_INTEGER NTAPI K_KeQueryPerformanceCounter(PLARGE_INTEGER frequency) {
  if (frequency != nullptr) frequency->QuadPart = kQpcHz;
  LARGE_INTEGER now;
  now.QuadPart = g_qpc;
  return now;
}
LONG NTAPI K_KeSetEvent(PRKEVENT, KPRIORITY, BOOLEAN) {
  ++g_event_signals;
  return 0;
}
NTSTATUS NTAPI K_ObOpenObjectByPointer(PVOID object, ULONG, PACCESS_STATE, ACCESS_MASK access, POBJECT_TYPE,
                                       KPROCESSOR_MODE mode, PHANDLE handle) {
  CHECK(access == WRITE_DAC);
  CHECK(mode == KernelMode);
  CHECK((static_cast<PDEVICE_OBJECT>(object)->Flags & DO_DEVICE_INITIALIZING) != 0);  // not yet openable
  *handle = object;
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_ZwSetSecurityObject(HANDLE, SECURITY_INFORMATION info, PSECURITY_DESCRIPTOR sd) {
  auto* s = static_cast<SECURITY_DESCRIPTOR*>(sd);
  g_security_info = info;
  g_sd_control = s->Control;
  if (s->Dacl != nullptr && s->Dacl->AclSize <= sizeof(g_dacl)) std::memcpy(g_dacl, s->Dacl, s->Dacl->AclSize);
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_ZwClose(HANDLE) { return STATUS_SUCCESS; }
NTSTATUS NTAPI K_RtlCreateAcl(PACL acl, ULONG bytes, ULONG revision) {
  if (bytes < sizeof(ACL)) return STATUS_BUFFER_TOO_SMALL;
  std::memset(acl, 0, sizeof(ACL));
  acl->AclRevision = static_cast<UCHAR>(revision);
  acl->AclSize = static_cast<USHORT>(bytes);
  return STATUS_SUCCESS;
}
ULONG SidBytes(const SID* sid) { return 8 + 4u * sid->SubAuthorityCount; }
NTSTATUS NTAPI K_RtlAddAccessAllowedAce(PACL acl, ULONG, ACCESS_MASK mask, PSID psid) {
  auto* sid = static_cast<SID*>(psid);
  unsigned char* p = reinterpret_cast<unsigned char*>(acl) + sizeof(ACL);
  for (int i = 0; i < acl->AceCount; ++i) p += reinterpret_cast<ACE_HEADER*>(p)->AceSize;
  const ULONG ace_bytes = sizeof(ACCESS_ALLOWED_ACE) - sizeof(ULONG) + SidBytes(sid);
  if (p + ace_bytes > reinterpret_cast<unsigned char*>(acl) + acl->AclSize) return STATUS_ALLOTTED_SPACE_EXCEEDED;
  auto* ace = reinterpret_cast<ACCESS_ALLOWED_ACE*>(p);
  ace->Header.AceType = ACCESS_ALLOWED_ACE_TYPE;
  ace->Header.AceFlags = 0;
  ace->Header.AceSize = static_cast<USHORT>(ace_bytes);
  ace->Mask = mask;
  std::memcpy(&ace->SidStart, sid, SidBytes(sid));
  ++acl->AceCount;
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_RtlCreateSecurityDescriptor(PSECURITY_DESCRIPTOR psd, ULONG revision) {
  auto* sd = static_cast<SECURITY_DESCRIPTOR*>(psd);
  std::memset(sd, 0, sizeof(*sd));
  sd->Revision = static_cast<UCHAR>(revision);
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_RtlSetDaclSecurityDescriptor(PSECURITY_DESCRIPTOR psd, BOOLEAN present, PACL dacl, BOOLEAN) {
  auto* sd = static_cast<SECURITY_DESCRIPTOR*>(psd);
  if (present) sd->Control |= SE_DACL_PRESENT;
  sd->Dacl = dacl;
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_RtlInitializeSid(PSID psid, PSID_IDENTIFIER_AUTHORITY authority, UCHAR count) {
  auto* sid = static_cast<SID*>(psid);
  sid->Revision = SID_REVISION;
  sid->SubAuthorityCount = count;
  sid->IdentifierAuthority = *authority;
  return STATUS_SUCCESS;
}
PULONG NTAPI K_RtlSubAuthoritySid(PSID psid, ULONG i) { return &static_cast<SID*>(psid)->SubAuthority[i]; }
VOID NTAPI K_RtlInitUnicodeString(PUNICODE_STRING dst, PCWSTR src) {
  size_t n = 0;
  while (src[n] != 0) ++n;
  dst->Buffer = const_cast<PWSTR>(src);
  dst->Length = static_cast<USHORT>(n * 2);
  dst->MaximumLength = static_cast<USHORT>(n * 2 + 2);
}

// ---------------- portcls stand-ins ----------------
NTSTATUS NTAPI K_PcDispatchIrp(PDEVICE_OBJECT, PIRP irp) {
  ++g_pc_dispatch_calls;
  irp->IoStatus.Status = STATUS_SUCCESS;
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_PcInitializeAdapterDriver(PDRIVER_OBJECT driver, PUNICODE_STRING, PDRIVER_ADD_DEVICE add_device) {
  for (auto& f : driver->MajorFunction) f = reinterpret_cast<PDRIVER_DISPATCH>(K_PcDispatchIrp);
  g_add_device = add_device;
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_PcAddAdapterDevice(PDRIVER_OBJECT driver, PDEVICE_OBJECT, PCPFNSTARTDEVICE start, ULONG max_objects,
                                    ULONG extension_bytes) {
  CHECK(max_objects == 4);
  g_fdo_extension_bytes = extension_bytes;
  auto* d = static_cast<DEVICE_OBJECT*>(std::calloc(1, sizeof(DEVICE_OBJECT)));
  d->DeviceExtension = std::calloc(1, extension_bytes);
  d->DeviceType = FILE_DEVICE_KS;
  d->DriverObject = driver;
  g_fdo = d;
  g_start_device = start;
  return STATUS_SUCCESS;
}

// A port: binds the miniport (QueryInterface + Init), as PortCls's does.
class FakePort final : public IPortWaveRT {
 public:
  explicit FakePort(bool wave) : wave_(wave) {}
  STDMETHODIMP_(NTSTATUS) QueryInterface(REFIID, PVOID* out) override { *out = nullptr; return STATUS_NOT_IMPLEMENTED; }
  STDMETHODIMP_(ULONG) AddRef() override { return static_cast<ULONG>(++refs_); }
  STDMETHODIMP_(ULONG) Release() override {
    const long left = --refs_;
    if (left == 0) {
      if (miniport_ != nullptr) miniport_->Release();
      delete this;
    }
    return static_cast<ULONG>(left);
  }
  STDMETHODIMP_(NTSTATUS) Init(PDEVICE_OBJECT, PIRP, PUNKNOWN miniport, PUNKNOWN adapter, PRESOURCELIST resources) override {
    PVOID m = nullptr;
    const NTSTATUS s = miniport->QueryInterface(wave_ ? IID_IMiniportWaveRT : IID_IMiniportTopology, &m);
    if (!NT_SUCCESS(s)) return s;
    miniport_ = static_cast<IMiniport*>(m);
    if (wave_) return static_cast<IMiniportWaveRT*>(miniport_)->Init(adapter, resources, this);
    return static_cast<IMiniportTopology*>(miniport_)->Init(adapter, resources, reinterpret_cast<PPORTTOPOLOGY>(this));
  }
  STDMETHODIMP_(NTSTATUS) GetDeviceProperty(DEVICE_REGISTRY_PROPERTY, ULONG, PVOID, PULONG) override { return STATUS_NOT_IMPLEMENTED; }
  STDMETHODIMP_(NTSTATUS) NewRegistryKey(PREGISTRYKEY*, PUNKNOWN, ULONG, ACCESS_MASK, POBJECT_ATTRIBUTES, ULONG, PULONG) override {
    return STATUS_NOT_IMPLEMENTED;
  }
  // PortCls destroying a subdevice: the port releases its miniport first, which breaks
  // the port <-> miniport reference cycle (a WaveRT miniport keeps its port referenced).
  void ReleaseChildren() {
    if (miniport_ != nullptr) miniport_->Release();
    miniport_ = nullptr;
  }
  IMiniport* miniport_ = nullptr;

 private:
  bool wave_;
  long refs_ = 1;
};

NTSTATUS NTAPI K_PcNewPort(PPORT* out, REFCLSID clsid) {
  const bool wave = hush::km::SameGuid(clsid, CLSID_PortWaveRT);
  if (!wave && !hush::km::SameGuid(clsid, CLSID_PortTopology)) return STATUS_INVALID_PARAMETER;
  *out = new (NonPagedPoolNx) FakePort(wave);  // counted like the driver's objects
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_PcRegisterSubdevice(PDEVICE_OBJECT, PWCHAR name, PUNKNOWN port) {
  CopyWide(g_subdevice_names[g_subdevices], name, 64);
  port->AddRef();  // PortCls keeps the subdevice
  g_subdevice_ports[g_subdevices++] = port;
  return STATUS_SUCCESS;
}
NTSTATUS NTAPI K_PcRegisterPhysicalConnection(PDEVICE_OBJECT, PUNKNOWN from, ULONG from_pin, PUNKNOWN to, ULONG to_pin) {
  g_connections[g_connection_count++] = {from, from_pin, to, to_pin};
  return STATUS_SUCCESS;
}

// The port stream: PortCls's page allocator for the cyclic buffer.
int g_pages_outstanding = 0;
class FakePortStream final : public IPortWaveRTStream {
 public:
  STDMETHODIMP_(NTSTATUS) QueryInterface(REFIID, PVOID* out) override { *out = nullptr; return STATUS_NOT_IMPLEMENTED; }
  STDMETHODIMP_(ULONG) AddRef() override { return static_cast<ULONG>(++refs_); }
  STDMETHODIMP_(ULONG) Release() override { return static_cast<ULONG>(--refs_); }  // lives in main()
  STDMETHODIMP_(PMDL) AllocatePagesForMdl(PHYSICAL_ADDRESS, SIZE_T bytes) override {
    ++g_pages_outstanding;
    last_bytes = bytes;
    return static_cast<PMDL>(std::calloc(1, sizeof(MDL) + bytes));
  }
  STDMETHODIMP_(PMDL) AllocateContiguousPagesForMdl(PHYSICAL_ADDRESS, PHYSICAL_ADDRESS, SIZE_T) override { return nullptr; }
  STDMETHODIMP_(PVOID) MapAllocatedPages(PMDL mdl, MEMORY_CACHING_TYPE) override {
    mapped = reinterpret_cast<unsigned char*>(mdl) + sizeof(MDL);
    return mapped;
  }
  STDMETHODIMP_(VOID) UnmapAllocatedPages(PVOID, PMDL) override { mapped = nullptr; }
  STDMETHODIMP_(VOID) FreePagesFromMdl(PMDL mdl) override {
    --g_pages_outstanding;
    std::free(mdl);
  }
  STDMETHODIMP_(ULONG) GetPhysicalPagesCount(PMDL) override { return 0; }
  STDMETHODIMP_(PHYSICAL_ADDRESS) GetPhysicalPageAddress(PMDL, ULONG) override { PHYSICAL_ADDRESS a; a.QuadPart = 0; return a; }
  long refs_ = 1;
  SIZE_T last_bytes = 0;
  unsigned char* mapped = nullptr;
};

}  // namespace

// The import table the driver's objects call through: each __imp_X points at K_X.
#define HUSH_BIND(name) extern "C" { decltype(&K_##name) __imp_##name = &K_##name; }
HUSH_BIND(DbgPrintEx)
HUSH_BIND(ExAllocatePoolWithTag)
HUSH_BIND(ExFreePoolWithTag)
HUSH_BIND(ExSetTimerResolution)
HUSH_BIND(IoCreateDevice)
HUSH_BIND(IoCreateSymbolicLink)
HUSH_BIND(IoCsqInitialize)
HUSH_BIND(IoCsqInsertIrp)
HUSH_BIND(IoCsqRemoveNextIrp)
HUSH_BIND(IoDeleteDevice)
HUSH_BIND(IoDeleteSymbolicLink)
HUSH_BIND(IofCompleteRequest)
HUSH_BIND(KeAcquireSpinLockRaiseToDpc)
HUSH_BIND(KeBugCheckEx)
HUSH_BIND(KeCancelTimer)
HUSH_BIND(KeFlushQueuedDpcs)
HUSH_BIND(KeInitializeDpc)
HUSH_BIND(KeInitializeTimerEx)
HUSH_BIND(KeQueryPerformanceCounter)
HUSH_BIND(KeReleaseSpinLock)
HUSH_BIND(KeSetEvent)
HUSH_BIND(KeSetTimerEx)
HUSH_BIND(ObOpenObjectByPointer)
HUSH_BIND(RtlAddAccessAllowedAce)
HUSH_BIND(RtlCreateAcl)
HUSH_BIND(RtlCreateSecurityDescriptor)
HUSH_BIND(RtlInitUnicodeString)
HUSH_BIND(RtlInitializeSid)
HUSH_BIND(RtlSetDaclSecurityDescriptor)
HUSH_BIND(RtlSubAuthoritySid)
HUSH_BIND(ZwClose)
HUSH_BIND(ZwSetSecurityObject)
HUSH_BIND(PcAddAdapterDevice)
HUSH_BIND(PcDispatchIrp)
HUSH_BIND(PcInitializeAdapterDriver)
HUSH_BIND(PcNewPort)
HUSH_BIND(PcRegisterPhysicalConnection)
HUSH_BIND(PcRegisterSubdevice)
#undef HUSH_BIND

namespace {

namespace drv = hush::driver;

// An IRP with one stack location and a METHOD_BUFFERED system buffer.
struct TestIrp {
  IRP irp;
  IO_STACK_LOCATION stack;
  alignas(16) unsigned char buffer[4096 + 64];
};
TestIrp* NewIrp(UCHAR major, PFILE_OBJECT file) {
  auto* t = static_cast<TestIrp*>(std::calloc(1, sizeof(TestIrp)));
  t->irp.Tail.Overlay.CurrentStackLocation = &t->stack;
  t->stack.MajorFunction = major;
  t->stack.FileObject = file;
  t->irp.AssociatedIrp.SystemBuffer = t->buffer;
  return t;
}
bool Completed(TestIrp* t) { return t->irp.Tail.Overlay.DriverContext[2] != nullptr; }

PDRIVER_OBJECT g_driver = nullptr;
PDEVICE_OBJECT g_control = nullptr;

NTSTATUS Send(PDEVICE_OBJECT device, TestIrp* t) {
  return g_driver->MajorFunction[t->stack.MajorFunction](device, &t->irp);
}
// One IOCTL; `in` copied into the system buffer first (METHOD_BUFFERED).
NTSTATUS Ioctl(PFILE_OBJECT file, ULONG code, const void* in, ULONG in_len, ULONG out_len, TestIrp** keep = nullptr,
               ULONG_PTR* information = nullptr, void* out = nullptr) {
  TestIrp* t = NewIrp(IRP_MJ_DEVICE_CONTROL, file);
  t->stack.Parameters.DeviceIoControl.IoControlCode = code;
  t->stack.Parameters.DeviceIoControl.InputBufferLength = in_len;
  t->stack.Parameters.DeviceIoControl.OutputBufferLength = out_len;
  if (in_len != 0) std::memcpy(t->buffer, in, in_len);
  const NTSTATUS s = Send(g_control, t);
  if (information != nullptr) *information = t->irp.IoStatus.Information;
  if (out != nullptr && NT_SUCCESS(s)) std::memcpy(out, t->buffer, t->irp.IoStatus.Information);
  if (keep != nullptr) {
    *keep = t;
  } else {
    CHECK(Completed(t));
    std::free(t);
  }
  return s;
}

void FillFrame(unsigned char* dst, uint32_t frame_bytes, uint64_t k) {
  const uint32_t tag = static_cast<uint32_t>(k + 1);
  std::memcpy(dst, &tag, 4);
  for (uint32_t i = 4; i < frame_bytes; ++i) dst[i] = static_cast<unsigned char>(k * 31 + i);
}
bool FrameIs(const unsigned char* src, uint32_t frame_bytes, uint64_t k) {
  unsigned char want[64];
  FillFrame(want, frame_bytes, k);
  return std::memcmp(src, want, frame_bytes) == 0;
}

void FireDpc() {
  CHECK(g_timer_armed);
  if (!g_timer_armed) return;
  PKDPC dpc = g_timer->Dpc;
  dpc->DeferredRoutine(dpc, dpc->DeferredContext, nullptr, nullptr);
}
void AdvanceMs(int ms) {
  for (int i = 0; i < ms; ++i) {
    g_qpc += kQpcHz / 1000;
    FireDpc();
  }
}

// KSDATAFORMAT_WAVEFORMATEXTENSIBLE for a test format.
KSDATAFORMAT_WAVEFORMATEXTENSIBLE Format(uint32_t rate, uint16_t channels, bool is_float) {
  KSDATAFORMAT_WAVEFORMATEXTENSIBLE f;
  hush::km::BuildExtensibleFormat(drv::HushMakeFormat(rate, channels, is_float), &f);
  return f;
}

// "S-1-5-..." of the i-th ACE of the captured DACL.
void AceSid(int index, char* out, size_t cap, ACCESS_MASK* mask) {
  unsigned char* p = g_dacl + sizeof(ACL);
  for (int i = 0; i < index; ++i) p += reinterpret_cast<ACE_HEADER*>(p)->AceSize;
  auto* ace = reinterpret_cast<ACCESS_ALLOWED_ACE*>(p);
  *mask = ace->Mask;
  auto* sid = reinterpret_cast<SID*>(&ace->SidStart);
  int n = std::snprintf(out, cap, "S-%u-%u", sid->Revision, sid->IdentifierAuthority.Value[5]);
  for (int i = 0; i < sid->SubAuthorityCount; ++i) {
    n += std::snprintf(out + n, cap - static_cast<size_t>(n), "-%lu", static_cast<unsigned long>(sid->SubAuthority[i]));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("hush.sys under a fake kernel (Wine): driver objects with recorded ntoskrnl/portcls stand-ins\n");
  if (argc > 1) {  // the image's checksum, recomputed by imagehlp
    ULONG header_sum = 0, computed_sum = 0;
    CHECK(MapFileAndCheckSumA(argv[1], &header_sum, &computed_sum) == 0);  // CHECKSUM_SUCCESS
    std::printf("  %s: header checksum 0x%lx, imagehlp computes 0x%lx\n", argv[1],
                static_cast<unsigned long>(header_sum), static_cast<unsigned long>(computed_sum));
    CHECK(header_sum != 0 && header_sum == computed_sum);
  }
  // ---- DriverEntry, AddDevice, StartDevice ----
  static DRIVER_OBJECT driver;
  g_driver = &driver;
  UNICODE_STRING reg;
  K_RtlInitUnicodeString(&reg, L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\HushAudio");
  CHECK(DriverEntry(&driver, &reg) == STATUS_SUCCESS);
  const auto pc = reinterpret_cast<PDRIVER_DISPATCH>(K_PcDispatchIrp);
  CHECK(driver.MajorFunction[IRP_MJ_CREATE] != pc);          // the back door's routing
  CHECK(driver.MajorFunction[IRP_MJ_DEVICE_CONTROL] != pc);
  CHECK(driver.MajorFunction[IRP_MJ_PNP] != pc);
  CHECK(driver.MajorFunction[IRP_MJ_POWER] != pc);  // every IRP is screened for the control
  CHECK(driver.MajorFunction[IRP_MJ_READ] != pc);   // device first (see the READ checks below)
  CHECK(g_add_device != nullptr);
  static DEVICE_OBJECT pdo;
  CHECK(g_add_device(&driver, &pdo) == STATUS_SUCCESS);
  CHECK(g_fdo_extension_bytes > PORT_CLASS_DEVICE_EXTENSION_SIZE);  // the Hush context after PortCls's part
  TestIrp* start_irp = NewIrp(IRP_MJ_PNP, nullptr);
  CHECK(g_start_device(g_fdo, &start_irp->irp, nullptr) == STATUS_SUCCESS);
  std::free(start_irp);
  // PortCls's part of the extension is untouched by the driver (all zero here).
  bool pc_part_zero = true;
  for (ULONG i = 0; i < PORT_CLASS_DEVICE_EXTENSION_SIZE; ++i) {
    pc_part_zero &= static_cast<unsigned char*>(g_fdo->DeviceExtension)[i] == 0;
  }
  CHECK(pc_part_zero);

  // Subdevices and physical connections.
  CHECK(g_subdevices == 4);
  CHECK(WideEq(g_subdevice_names[0], L"WaveSpeaker") && WideEq(g_subdevice_names[1], L"TopologySpeaker"));
  CHECK(WideEq(g_subdevice_names[2], L"WaveMicrophone") && WideEq(g_subdevice_names[3], L"TopologyMicrophone"));
  CHECK(g_connection_count == 2);
  CHECK(g_connections[0].from == g_subdevice_ports[0] && g_connections[0].from_pin == 1 &&
        g_connections[0].to == g_subdevice_ports[1] && g_connections[0].to_pin == 0);
  CHECK(g_connections[1].from == g_subdevice_ports[3] && g_connections[1].from_pin == 1 &&
        g_connections[1].to == g_subdevice_ports[2] && g_connections[1].to_pin == 1);
  auto* speaker_miniport = static_cast<IMiniportWaveRT*>(static_cast<FakePort*>(g_subdevice_ports[0])->miniport_);
  auto* mic_miniport = static_cast<IMiniportWaveRT*>(static_cast<FakePort*>(g_subdevice_ports[2])->miniport_);
  PPCFILTER_DESCRIPTOR desc = nullptr;
  CHECK(speaker_miniport->GetDescription(&desc) == STATUS_SUCCESS && desc->PinCount == 2 && desc->CategoryCount == 3);
  CHECK(desc->Pins[0].KsPinDescriptor.DataRangesCount == 4 && desc->Pins[0].KsPinDescriptor.DataFlow == KSPIN_DATAFLOW_IN);
  CHECK(mic_miniport->GetDescription(&desc) == STATUS_SUCCESS && desc->Pins[0].KsPinDescriptor.DataFlow == KSPIN_DATAFLOW_OUT);

  // ---- formats: the intersection handler and the parser ----
  {
    using hush::km::IntersectDataRange;
    using hush::km::kStreamDataRanges;
    using hush::km::ParseDataFormat;
    KSDATARANGE_AUDIO client{};
    client.DataRange.FormatSize = sizeof(client);
    client.DataRange.MajorFormat = KSDATAFORMAT_TYPE_AUDIO;  // SubFormat left as the wildcard
    client.DataRange.Specifier = KSDATAFORMAT_SPECIFIER_WAVEFORMATEX;
    client.MaximumChannels = 2;
    client.MinimumBitsPerSample = 16;
    client.MaximumBitsPerSample = 32;
    client.MinimumSampleFrequency = 8000;
    client.MaximumSampleFrequency = 96000;
    KSDATAFORMAT_WAVEFORMATEXTENSIBLE result{};
    ULONG result_bytes = 0;
    auto* c = reinterpret_cast<PKSDATARANGE>(&client);
    CHECK_EQ_HEX(IntersectDataRange(c, kStreamDataRanges[0], 0, nullptr, &result_bytes), STATUS_BUFFER_OVERFLOW);
    CHECK(result_bytes == sizeof(result));
    CHECK_EQ_HEX(IntersectDataRange(c, kStreamDataRanges[0], 50, &result, &result_bytes), STATUS_BUFFER_TOO_SMALL);
    CHECK(IntersectDataRange(c, kStreamDataRanges[0], sizeof(result), &result, &result_bytes) == STATUS_SUCCESS);
    drv::HushFormat f{};
    CHECK(ParseDataFormat(&result.DataFormat, sizeof(result), &f) == STATUS_SUCCESS);
    CHECK(drv::HushFormatEqual(f, drv::HushMakeFormat(48000, 2, true)));
    CHECK(result.WaveFormatExt.Format.wFormatTag == WAVE_FORMAT_EXTENSIBLE && result.WaveFormatExt.Format.cbSize == 22);
    CHECK(result.WaveFormatExt.dwChannelMask == KSAUDIO_SPEAKER_STEREO);
    CHECK(hush::km::SameGuid(result.WaveFormatExt.SubFormat, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT));
    CHECK(IntersectDataRange(c, kStreamDataRanges[3], sizeof(result), &result, &result_bytes) == STATUS_SUCCESS);
    CHECK(ParseDataFormat(&result.DataFormat, sizeof(result), &f) == STATUS_SUCCESS);
    CHECK(drv::HushFormatEqual(f, drv::HushMakeFormat(44100, 2, false)));
    client.MaximumChannels = 1;  // a mono client gets mono
    CHECK(IntersectDataRange(c, kStreamDataRanges[0], sizeof(result), &result, &result_bytes) == STATUS_SUCCESS);
    CHECK(result.WaveFormatExt.Format.nChannels == 1 && result.WaveFormatExt.dwChannelMask == KSAUDIO_SPEAKER_MONO);
    client.MaximumSampleFrequency = 22050;  // no advertised rate in the client's range
    CHECK_EQ_HEX(IntersectDataRange(c, kStreamDataRanges[0], sizeof(result), &result, &result_bytes), STATUS_NO_MATCH);
    client.MaximumSampleFrequency = 96000;
    client.DataRange.SubFormat = KSDATAFORMAT_SUBTYPE_PCM;  // PCM client vs the float range
    CHECK_EQ_HEX(IntersectDataRange(c, kStreamDataRanges[0], sizeof(result), &result, &result_bytes), STATUS_NO_MATCH);
    client.DataRange.FormatSize = sizeof(KSDATARANGE);  // claims an audio range, is too short for one
    CHECK_EQ_HEX(IntersectDataRange(c, kStreamDataRanges[3], sizeof(result), &result, &result_bytes),
                 STATUS_INVALID_PARAMETER);
    client.DataRange.FormatSize = 8;
    CHECK_EQ_HEX(IntersectDataRange(c, kStreamDataRanges[3], sizeof(result), &result, &result_bytes),
                 STATUS_INVALID_PARAMETER);
    client.DataRange.FormatSize = sizeof(client);
    CHECK_EQ_HEX(IntersectDataRange(c, c, sizeof(result), &result, &result_bytes), STATUS_NO_MATCH);  // not ours
    CHECK_EQ_HEX(speaker_miniport->DataRangeIntersection(1, c, kStreamDataRanges[0], sizeof(result), &result,
                                                         &result_bytes),
                 STATUS_NOT_IMPLEMENTED);  // bridge pin: PortCls's default handler

    auto good = Format(44100, 2, false);
    CHECK(ParseDataFormat(&good.DataFormat, sizeof(good), &f) == STATUS_SUCCESS);
    CHECK_EQ_HEX(ParseDataFormat(&good.DataFormat, sizeof(KSDATAFORMAT) + 10, &f), STATUS_INVALID_PARAMETER);
    CHECK_EQ_HEX(ParseDataFormat(&good.DataFormat, sizeof(KSDATAFORMAT) + sizeof(WAVEFORMATEX), &f),
                 STATUS_INVALID_PARAMETER);  // extensible tag, but the buffer ends after WAVEFORMATEX
    auto t1 = good;
    t1.WaveFormatExt.Format.nBlockAlign = 3;
    CHECK_EQ_HEX(ParseDataFormat(&t1.DataFormat, sizeof(t1), &f), STATUS_NO_MATCH);
    t1 = good;
    t1.WaveFormatExt.Format.cbSize = 0;
    CHECK_EQ_HEX(ParseDataFormat(&t1.DataFormat, sizeof(t1), &f), STATUS_INVALID_PARAMETER);
    t1 = good;
    t1.WaveFormatExt.Samples.wValidBitsPerSample = 12;
    CHECK_EQ_HEX(ParseDataFormat(&t1.DataFormat, sizeof(t1), &f), STATUS_NO_MATCH);
    t1 = good;
    t1.DataFormat.SubFormat = KSDATAFORMAT_SUBTYPE_IEEE_FLOAT;  // KS header disagrees with the wave format
    CHECK_EQ_HEX(ParseDataFormat(&t1.DataFormat, sizeof(t1), &f), STATUS_NO_MATCH);
    t1 = good;
    t1.WaveFormatExt.Format.nSamplesPerSec = 32000;
    t1.WaveFormatExt.Format.nAvgBytesPerSec = 32000 * 4;
    CHECK_EQ_HEX(ParseDataFormat(&t1.DataFormat, sizeof(t1), &f), STATUS_NO_MATCH);
    t1 = good;  // plain WAVE_FORMAT_PCM (no extensible part) is accepted too
    t1.WaveFormatExt.Format.wFormatTag = WAVE_FORMAT_PCM;
    t1.WaveFormatExt.Format.cbSize = 0;
    t1.DataFormat.FormatSize = sizeof(KSDATAFORMAT) + sizeof(WAVEFORMATEX);
    CHECK(ParseDataFormat(&t1.DataFormat, sizeof(t1), &f) == STATUS_SUCCESS);
    CHECK(drv::HushFormatEqual(f, drv::HushMakeFormat(44100, 2, false)));
  }

  // The control device and its DACL.
  CHECK(WideEq(g_device_name, L"\\Device\\HushControl"));
  CHECK(WideEq(g_link_name, L"\\DosDevices\\HushControl") && g_link_exists);
  // Find the control device through the FDO's Hush context (after PortCls's extension).
  g_control = *reinterpret_cast<PDEVICE_OBJECT*>(static_cast<unsigned char*>(g_fdo->DeviceExtension) +
                                                  PORT_CLASS_DEVICE_EXTENSION_SIZE + sizeof(void*));
  CHECK(g_control != nullptr && hush::km::IsControlDevice(g_control));
  CHECK(!hush::km::IsControlDevice(g_fdo));
  if (g_control == nullptr) return 1;
  CHECK((g_control->Flags & DO_DEVICE_INITIALIZING) == 0);
  CHECK((g_control->Characteristics & FILE_DEVICE_SECURE_OPEN) != 0);
  CHECK((g_security_info & DACL_SECURITY_INFORMATION) && (g_security_info & PROTECTED_DACL_SECURITY_INFORMATION));
  CHECK(g_sd_control & SE_DACL_PRESENT);
  const ACL* acl = reinterpret_cast<const ACL*>(g_dacl);
  CHECK(acl->AceCount == 3);
  const char* want_sids[3] = {"S-1-5-18", "S-1-5-32-544", "S-1-5-80-912699616-764370377-1678543060-3460021998-3062607667"};
  for (int i = 0; i < 3 && acl->AceCount == 3; ++i) {
    char sid[128];
    ACCESS_MASK mask = 0;
    AceSid(i, sid, sizeof(sid), &mask);
    std::printf("  DACL ACE %d: %s mask 0x%lx\n", i, sid, static_cast<unsigned long>(mask));
    CHECK(std::strcmp(sid, want_sids[i]) == 0);
    CHECK_EQ_HEX(mask, FILE_ALL_ACCESS);
  }

  // ---- the back door: opens ----
  static FILE_OBJECT file_a, file_b, file_named;
  TestIrp* t = NewIrp(IRP_MJ_CREATE, &file_a);
  CHECK(Send(g_control, t) == STATUS_SUCCESS);
  std::free(t);
  t = NewIrp(IRP_MJ_CREATE, &file_b);
  CHECK_EQ_HEX(Send(g_control, t), STATUS_SHARING_VIOLATION);
  std::free(t);
  wchar_t sub[] = L"\\x";
  file_named.FileName.Buffer = sub;
  file_named.FileName.Length = 4;
  t = NewIrp(IRP_MJ_CREATE, &file_named);
  CHECK_EQ_HEX(Send(g_control, t), STATUS_OBJECT_NAME_NOT_FOUND);
  std::free(t);
  CHECK_EQ_HEX(Ioctl(&file_b, drv::kIoctlHushGetInfo, nullptr, 0, sizeof(drv::HushInfo)), STATUS_ACCESS_DENIED);

  // ---- GET_INFO / GET_STATS validation ----
  uint32_t junk = 0;
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushGetInfo, &junk, 4, sizeof(drv::HushInfo)), STATUS_INVALID_PARAMETER);
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushGetInfo, nullptr, 0, sizeof(drv::HushInfo) - 1), STATUS_BUFFER_TOO_SMALL);
  CHECK_EQ_HEX(Ioctl(&file_a, 0x00222FFF, nullptr, 0, 64), STATUS_INVALID_DEVICE_REQUEST);
  drv::HushInfo info{};
  ULONG_PTR n = 0;
  CHECK(Ioctl(&file_a, drv::kIoctlHushGetInfo, nullptr, 0, sizeof(info), nullptr, &n, &info) == STATUS_SUCCESS);
  CHECK(n == sizeof(info) && info.struct_size == sizeof(info) && info.protocol_version == drv::kHushProtocolVersion);
  CHECK(drv::HushFormatEqual(info.speaker.format, drv::HushMakeFormat(48000, 2, true)));
  CHECK(info.speaker.ring_bytes == 15360);
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushGetStats, nullptr, 0, 100), STATUS_BUFFER_TOO_SMALL);

  // ---- a render stream: 48 kHz stereo float ----
  FakePortStream port_stream;
  auto fmt = Format(48000, 2, true);
  PMINIPORTWAVERTSTREAM stream = nullptr;
  CHECK_EQ_HEX(speaker_miniport->NewStream(&stream, &port_stream, 1, FALSE, &fmt.DataFormat), STATUS_INVALID_PARAMETER);
  CHECK_EQ_HEX(speaker_miniport->NewStream(&stream, &port_stream, 0, TRUE, &fmt.DataFormat), STATUS_INVALID_PARAMETER);
  auto bad = Format(96000, 2, true);
  CHECK_EQ_HEX(speaker_miniport->NewStream(&stream, &port_stream, 0, FALSE, &bad.DataFormat), STATUS_NO_MATCH);
  CHECK(speaker_miniport->NewStream(&stream, &port_stream, 0, FALSE, &fmt.DataFormat) == STATUS_SUCCESS);
  PMINIPORTWAVERTSTREAM second = nullptr;
  CHECK(speaker_miniport->NewStream(&second, &port_stream, 0, FALSE, &fmt.DataFormat) != STATUS_SUCCESS);
  PVOID nq = nullptr;
  CHECK(stream->QueryInterface(IID_IMiniportWaveRTStreamNotification, &nq) == STATUS_SUCCESS);
  auto* notif = static_cast<IMiniportWaveRTStreamNotification*>(nq);
  PMDL mdl = nullptr;
  ULONG actual = 0, offset = 0;
  MEMORY_CACHING_TYPE cache;
  CHECK(notif->AllocateBufferWithNotification(2, 3843, &mdl, &actual, &offset, &cache) == STATUS_SUCCESS);
  CHECK(actual == 3840 && offset == 0 && cache == MmCached);  // 10 ms, rounded down to whole frames
  static KEVENT engine_event;
  CHECK(notif->RegisterNotificationEvent(&engine_event) == STATUS_SUCCESS);
  unsigned char* cyclic = port_stream.mapped;
  for (uint64_t k = 0; k < 480; ++k) FillFrame(cyclic + k * 8, 8, k);
  CHECK(stream->SetState(KSSTATE_ACQUIRE) == STATUS_SUCCESS);
  CHECK(stream->SetState(KSSTATE_PAUSE) == STATUS_SUCCESS);
  CHECK(stream->SetState(KSSTATE_RUN) == STATUS_SUCCESS);
  CHECK(g_timer_resolution_balance == 1);

  // A wait for speaker data pends (ring empty), then completes once it is half full.
  TestIrp* wait = nullptr;
  const drv::HushWaitRequest req = drv::HushMakeWaitRequest(drv::kHushWaitSpeakerData);
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushWait, &req, sizeof(req), sizeof(drv::HushWaitReply), &wait), STATUS_PENDING);
  CHECK(!Completed(wait));
  drv::HushWaitRequest bad_req = req;
  bad_req.wait_mask = 8;
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushWait, &bad_req, sizeof(bad_req), sizeof(drv::HushWaitReply)),
               STATUS_INVALID_PARAMETER);
  // The engine keeps the buffer filled ahead; each ms the DPC moves 48 frames.
  uint64_t written = 480;
  int completed_after_ms = -1;
  for (int ms = 1; ms <= 25; ++ms) {
    g_qpc += kQpcHz / 1000;
    FireDpc();
    KSAUDIO_POSITION pos;
    stream->GetPosition(&pos);
    const uint64_t position_frames = static_cast<uint64_t>(ms) * 48;
    CHECK(pos.PlayOffset == (position_frames % 480) * 8);
    for (; written < position_frames + 480; ++written) FillFrame(cyclic + (written % 480) * 8, 8, written);
    if (completed_after_ms < 0 && Completed(wait)) completed_after_ms = ms;
  }
  CHECK(completed_after_ms == 20);  // 960 frames = half of the 40 ms ring
  auto* wait_reply = reinterpret_cast<drv::HushWaitReply*>(wait->buffer);
  CHECK(wait->irp.IoStatus.Status == STATUS_SUCCESS && wait_reply->ready_mask == drv::kHushWaitSpeakerData);
  std::free(wait);
  CHECK(g_event_signals == 5);  // 25 ms = 2.5 buffers of 10 ms: a half crossed every 5 ms

  // READ_SPEAKER: lengths first, then the audio in order.
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushReadSpeaker, nullptr, 0, 31), STATUS_BUFFER_TOO_SMALL);
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushReadSpeaker, &junk, 4, 4096), STATUS_INVALID_PARAMETER);
  static unsigned char out[4096 + 64];
  CHECK(Ioctl(&file_a, drv::kIoctlHushReadSpeaker, nullptr, 0, 4096, nullptr, &n, out) == STATUS_SUCCESS);
  drv::HushAudioView view{};
  CHECK(drv::HushValidateAudioPacket(out, static_cast<uint32_t>(n), &view) == drv::kHushOk);
  CHECK(view.frame_count == (4096 - 32) / 8 && view.position_frames == 0);
  bool in_order = true;
  for (uint32_t k = 0; k < view.frame_count; ++k) in_order &= FrameIs(view.samples + k * 8, 8, k);
  CHECK(in_order);

  // Nobody reads for 100 ms: the ring fills, the newest audio is dropped and counted, the
  // unread audio is kept.
  for (int ms = 0; ms < 100; ++ms) {
    g_qpc += kQpcHz / 1000;
    FireDpc();
    const uint64_t position_frames = (25 + static_cast<uint64_t>(ms) + 1) * 48;
    for (; written < position_frames + 480; ++written) FillFrame(cyclic + (written % 480) * 8, 8, written);
  }
  drv::HushStats stats{};
  CHECK(Ioctl(&file_a, drv::kIoctlHushGetStats, nullptr, 0, sizeof(stats), nullptr, &n, &stats) == STATUS_SUCCESS);
  CHECK(stats.speaker.fill_bytes == 15360 && stats.speaker.overflow_bytes > 0);
  CHECK(Ioctl(&file_a, drv::kIoctlHushReadSpeaker, nullptr, 0, 4096, nullptr, &n, out) == STATUS_SUCCESS);
  CHECK(drv::HushValidateAudioPacket(out, static_cast<uint32_t>(n), &view) == drv::kHushOk);
  CHECK(view.position_frames == (4096 - 32) / 8 && FrameIs(view.samples, 8, view.position_frames));

  CHECK(stream->SetState(KSSTATE_PAUSE) == STATUS_SUCCESS);
  CHECK(!g_timer_armed && g_timer_resolution_balance == 0);
  CHECK(stream->SetState(KSSTATE_STOP) == STATUS_SUCCESS);
  CHECK(notif->UnregisterNotificationEvent(&engine_event) == STATUS_SUCCESS);
  notif->FreeBufferWithNotification(mdl, actual);
  CHECK(g_pages_outstanding == 0);
  notif->Release();
  stream->Release();  // the endpoint is free again
  CHECK(speaker_miniport->NewStream(&stream, &port_stream, 0, FALSE, &fmt.DataFormat) == STATUS_SUCCESS);
  stream->Release();

  // ---- a capture stream: 44.1 kHz mono PCM16 ----
  auto mic_fmt = Format(44100, 1, false);
  PMINIPORTWAVERTSTREAM mic_stream = nullptr;
  CHECK(mic_miniport->NewStream(&mic_stream, &port_stream, 0, TRUE, &mic_fmt.DataFormat) == STATUS_SUCCESS);
  CHECK(Ioctl(&file_a, drv::kIoctlHushGetInfo, nullptr, 0, sizeof(info), nullptr, &n, &info) == STATUS_SUCCESS);
  CHECK(drv::HushFormatEqual(info.mic.format, drv::HushMakeFormat(44100, 1, false)));
  CHECK(info.mic.format_generation == 1 && info.mic.ring_bytes == 1764 * 2);
  // WRITE_MIC: wrong format, wrong length, then 441 frames (10 ms).
  static unsigned char packet[32 + 441 * 4];
  auto header = drv::HushMakeAudioHeader(drv::HushMakeFormat(48000, 1, false), 441, 0);
  std::memcpy(packet, &header, 32);
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushWriteMic, packet, 32 + 441 * 2, 24), STATUS_INVALID_DEVICE_STATE);
  header = drv::HushMakeAudioHeader(drv::HushMakeFormat(44100, 1, false), 441, 0);
  std::memcpy(packet, &header, 32);
  for (uint64_t k = 0; k < 441; ++k) FillFrame(packet + 32 + k * 2, 2, k);  // 2-byte frames: tag only partly
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushWriteMic, packet, 32 + 441 * 2 - 1, 24), STATUS_INVALID_PARAMETER);
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushWriteMic, packet, 32 + 441 * 2, 10), STATUS_BUFFER_TOO_SMALL);
  drv::HushWriteMicReply wreply{};
  CHECK(Ioctl(&file_a, drv::kIoctlHushWriteMic, packet, 32 + 441 * 2, 24, nullptr, &n, &wreply) == STATUS_SUCCESS);
  CHECK(wreply.frames_written == 441 && wreply.frames_dropped == 0);
  PMINIPORTWAVERTSTREAM mic_q = nullptr;
  CHECK(mic_stream->QueryInterface(IID_IMiniportWaveRTStream, reinterpret_cast<PVOID*>(&mic_q)) == STATUS_SUCCESS);
  mic_q->Release();
  CHECK(mic_stream->AllocateAudioBuffer(4410 * 2, &mdl, &actual, &offset, &cache) == STATUS_SUCCESS);
  unsigned char* mic_cyclic = port_stream.mapped;
  std::memset(mic_cyclic, 0xAB, actual);  // stale garbage: must become audio or silence
  CHECK(mic_stream->SetState(KSSTATE_RUN) == STATUS_SUCCESS);
  AdvanceMs(15);  // 661 frames due at 44.1 kHz (661.5): 441 real, 220 silence
  KSAUDIO_POSITION pos;
  mic_stream->GetPosition(&pos);
  CHECK(pos.WriteOffset == 661 * 2);
  bool mic_ok = true;
  for (uint64_t k = 0; k < 441; ++k) mic_ok &= std::memcmp(mic_cyclic + k * 2, packet + 32 + k * 2, 2) == 0;
  for (uint64_t k = 441; k < 661; ++k) mic_ok &= mic_cyclic[k * 2] == 0 && mic_cyclic[k * 2 + 1] == 0;
  CHECK(mic_ok);
  CHECK(mic_cyclic[661 * 2] == 0xAB);
  CHECK(Ioctl(&file_a, drv::kIoctlHushGetStats, nullptr, 0, sizeof(stats), nullptr, &n, &stats) == STATUS_SUCCESS);
  CHECK(stats.mic.underflow_bytes == 220 * 2);
  CHECK(mic_stream->SetState(KSSTATE_STOP) == STATUS_SUCCESS);
  mic_stream->FreeAudioBuffer(mdl, actual);
  mic_stream->Release();

  // ---- a pended wait dies with its handle; the next opener gets in ----
  const drv::HushWaitRequest mic_req = drv::HushMakeWaitRequest(drv::kHushWaitSpeakerData);
  CHECK(Ioctl(&file_a, drv::kIoctlHushReadSpeaker, nullptr, 0, 4096) == STATUS_SUCCESS);  // drain a bit
  TestIrp* w1 = nullptr;
  TestIrp* w2 = nullptr;
  // Drain completely so the speaker condition does not hold.
  for (int i = 0; i < 8; ++i) Ioctl(&file_a, drv::kIoctlHushReadSpeaker, nullptr, 0, 4096);
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushWait, &mic_req, sizeof(mic_req), 24, &w1), STATUS_PENDING);
  CHECK_EQ_HEX(Ioctl(&file_a, drv::kIoctlHushWait, &mic_req, sizeof(mic_req), 24, &w2), STATUS_PENDING);
  CancelQueuedIrp(&w1->irp);  // CancelIoEx
  CHECK(Completed(w1) && w1->irp.IoStatus.Status == STATUS_CANCELLED);
  t = NewIrp(IRP_MJ_CLEANUP, &file_a);
  CHECK(Send(g_control, t) == STATUS_SUCCESS);
  std::free(t);
  CHECK(Completed(w2) && w2->irp.IoStatus.Status == STATUS_CANCELLED);
  std::free(w1);
  std::free(w2);
  t = NewIrp(IRP_MJ_CLOSE, &file_a);
  CHECK(Send(g_control, t) == STATUS_SUCCESS);
  std::free(t);
  t = NewIrp(IRP_MJ_CREATE, &file_b);
  CHECK(Send(g_control, t) == STATUS_SUCCESS);
  std::free(t);
  t = NewIrp(IRP_MJ_CLEANUP, &file_b);
  Send(g_control, t);
  std::free(t);
  t = NewIrp(IRP_MJ_CLOSE, &file_b);
  Send(g_control, t);
  std::free(t);

  // ---- other IRPs go to PortCls; removal tears the back door down ----
  const int pc_before = g_pc_dispatch_calls;
  t = NewIrp(IRP_MJ_READ, &file_b);  // ReadFile on \\.\HushControl: refused, never PortCls's
  CHECK_EQ_HEX(Send(g_control, t), STATUS_INVALID_DEVICE_REQUEST);
  std::free(t);
  t = NewIrp(IRP_MJ_FLUSH_BUFFERS, &file_b);
  CHECK_EQ_HEX(Send(g_control, t), STATUS_INVALID_DEVICE_REQUEST);
  std::free(t);
  CHECK(g_pc_dispatch_calls == pc_before);
  t = NewIrp(IRP_MJ_CREATE, &file_a);
  Send(g_fdo, t);  // a KS filter open: PortCls's
  std::free(t);
  t = NewIrp(IRP_MJ_POWER, nullptr);
  Send(g_fdo, t);
  std::free(t);
  CHECK(g_pc_dispatch_calls == pc_before + 2);
  t = NewIrp(IRP_MJ_PNP, nullptr);
  t->stack.MinorFunction = IRP_MN_REMOVE_DEVICE;
  Send(g_fdo, t);
  std::free(t);
  CHECK(g_pc_dispatch_calls == pc_before + 3);
  CHECK(!g_link_exists && g_devices_deleted == 1);
  // PortCls releases its subdevices; the miniports release the adapter: nothing may leak.
  for (int i = 0; i < g_subdevices; ++i) {
    static_cast<FakePort*>(g_subdevice_ports[i])->ReleaseChildren();
    g_subdevice_ports[i]->Release();
  }
  CHECK_EQ_HEX(g_pool_outstanding, 0);
  CHECK(g_pool_bad_tag == 0);
  CHECK(g_spin_recursion == 0);
  CHECK(g_pages_outstanding == 0);
  std::free(g_fdo->DeviceExtension);
  std::free(g_fdo);

  std::printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
