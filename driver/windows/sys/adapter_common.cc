// SPDX-License-Identifier: MIT
// HushAdapter: rings, endpoint claims, and the back door's cancel-safe wait queue.
#include "adapter_common.h"

namespace hush::km {

namespace {
constexpr driver::HushFormat kDefaultFormat = driver::HushMakeFormat(48000, 2, /*is_float=*/true);

// Bytes of a kRingMs ring for `f` (whole frames, <= kStorageBytes for every advertised
// format: 44.1 kHz needs 1764 frames, 48 kHz 1920).
uint32_t RingBytesFor(const driver::HushFormat& f) {
  return driver::RingBytesForMs(f.sample_rate_hz, f.frame_bytes, driver::kRingMs);
}
}  // namespace

NTSTATUS HushAdapter::Create(PDEVICE_OBJECT fdo, HushAdapter** out) {
  *out = nullptr;
  HushAdapter* a = new (NonPagedPoolNx) HushAdapter();
  if (a == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
  a->fdo_ = fdo;
  KeInitializeSpinLock(&a->wait_lock_);
  InitializeListHead(&a->wait_list_);
  NTSTATUS status = IoCsqInitialize(&a->wait_csq_, CsqInsert, CsqRemove, CsqPeekNext, CsqAcquireLock,
                                    CsqReleaseLock, CsqCompleteCanceled);
  for (int i = 0; NT_SUCCESS(status) && i < 2; ++i) {
    EndpointPath& p = a->paths_[i];
    KeInitializeSpinLock(&p.user_lock);
    p.storage = static_cast<uint8_t*>(ExAllocatePoolWithTag(NonPagedPoolNx, kStorageBytes, kPoolTag));
    if (p.storage == nullptr) {
      status = STATUS_INSUFFICIENT_RESOURCES;
      break;
    }
    RtlZeroMemory(p.storage, kStorageBytes);
    p.format = kDefaultFormat;
    if (!p.ring.Init(p.storage, RingBytesFor(kDefaultFormat), kDefaultFormat.frame_bytes)) {
      status = STATUS_INTERNAL_ERROR;  // cannot happen with the constants above
    }
  }
  if (!NT_SUCCESS(status)) {
    a->Release();
    return status;
  }
  *out = a;
  return STATUS_SUCCESS;
}

HushAdapter::~HushAdapter() {
  for (EndpointPath& p : paths_) {
    if (p.storage != nullptr) ExFreePoolWithTag(p.storage, kPoolTag);
    p.storage = nullptr;
  }
}

STDMETHODIMP_(NTSTATUS) HushAdapter::QueryInterface(REFIID iid, PVOID* out) {
  if (out == nullptr) return STATUS_INVALID_PARAMETER;
  if (SameGuid(iid, IID_IUnknown) || SameGuid(iid, IID_IHushAdapter)) {
    *out = static_cast<IUnknown*>(this);
    AddRef();
    return STATUS_SUCCESS;
  }
  *out = nullptr;
  return STATUS_INVALID_PARAMETER;
}

STDMETHODIMP_(ULONG) HushAdapter::AddRef() { return static_cast<ULONG>(InterlockedIncrement(&refs_)); }

STDMETHODIMP_(ULONG) HushAdapter::Release() {
  const LONG left = InterlockedDecrement(&refs_);
  if (left == 0) delete this;
  return static_cast<ULONG>(left);
}

NTSTATUS HushAdapter::OpenStream(Direction d, const driver::HushFormat& format) {
  EndpointPath& p = Path(d);
  if (InterlockedCompareExchange(&p.stream_open, 1, 0) != 0) return STATUS_DEVICE_BUSY;
  SpinLockGuard guard(&p.user_lock);
  if (!driver::HushFormatEqual(p.format, format)) {
    p.format = format;
    p.ring.Init(p.storage, RingBytesFor(format), format.frame_bytes);
    InterlockedIncrement(&p.format_generation);
  } else {
    p.ring.Reset();
  }
  InterlockedExchange(&p.state, driver::kHushStateStop);
  return STATUS_SUCCESS;
}

void HushAdapter::CloseStream(Direction d) {
  EndpointPath& p = Path(d);
  InterlockedExchange(&p.state, driver::kHushStateStop);
  InterlockedExchange(&p.stream_open, 0);
}

uint32_t HushAdapter::ReadyMask(uint32_t* speaker_fill_bytes, uint32_t* mic_free_bytes) {
  // Each ring is read under its user_lock: OpenStream may be re-initialising one
  // direction's ring (new stream) while the other direction's DPC calls this, and Init's
  // stores (capacity, frame size) must not be seen half done. The locks are taken one at
  // a time (never nested) and only when a wait is pending.
  uint32_t mask = 0;
  {
    EndpointPath& p = Path(Direction::kSpeaker);
    SpinLockGuard guard(&p.user_lock);
    *speaker_fill_bytes = p.ring.FillBytes();
    if (p.ring.ConsumerShouldWake()) mask |= driver::kHushWaitSpeakerData;
  }
  {
    EndpointPath& p = Path(Direction::kMic);
    SpinLockGuard guard(&p.user_lock);
    *mic_free_bytes = p.ring.FreeBytes();
    if (p.ring.ProducerShouldWake()) mask |= driver::kHushWaitMicSpace;
  }
  return mask;
}

// Any IRQL <= DISPATCH_LEVEL; the IRP's system buffer is non-paged (METHOD_BUFFERED).
void HushAdapter::CompleteWait(PIRP irp, uint32_t ready_mask, uint32_t speaker_fill, uint32_t mic_free) {
  driver::HushWaitReply reply{};
  reply.struct_size = sizeof(reply);
  reply.version = driver::kHushStructVersion;
  reply.ready_mask = ready_mask;
  reply.speaker_fill_bytes = speaker_fill;
  reply.mic_free_bytes = mic_free;
  // The output length was validated (>= sizeof reply) before the IRP was queued.
  RtlCopyMemory(irp->AssociatedIrp.SystemBuffer, &reply, sizeof(reply));
  irp->IoStatus.Status = STATUS_SUCCESS;
  irp->IoStatus.Information = sizeof(reply);
  IoCompleteRequest(irp, IO_SOUND_INCREMENT);
}

NTSTATUS HushAdapter::QueueWait(PIRP irp, uint32_t wait_mask) {
  uint32_t speaker_fill = 0;
  uint32_t mic_free = 0;
  const uint32_t ready = ReadyMask(&speaker_fill, &mic_free) & wait_mask;
  if (ready != 0) {
    CompleteWait(irp, ready, speaker_fill, mic_free);
    return STATUS_SUCCESS;
  }
  irp->Tail.Overlay.DriverContext[0] = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(wait_mask));
  InterlockedIncrement(&waiters_);
  IoCsqInsertIrp(&wait_csq_, irp, nullptr);  // marks it pending; cancel-safe from here
  // A position update may have crossed the threshold between the check and the insert:
  // look again so the wait cannot sleep through it.
  NotifyProgress();
  return STATUS_PENDING;
}

void HushAdapter::NotifyProgress() {
  if (InterlockedCompareExchange(&waiters_, 0, 0) == 0) return;
  uint32_t speaker_fill = 0;
  uint32_t mic_free = 0;
  const uint32_t ready = ReadyMask(&speaker_fill, &mic_free);
  if (ready == 0) return;
  WaitPeek peek{nullptr, ready};
  for (;;) {
    PIRP irp = IoCsqRemoveNextIrp(&wait_csq_, &peek);
    if (irp == nullptr) break;
    InterlockedDecrement(&waiters_);
    const uint32_t mask = static_cast<uint32_t>(reinterpret_cast<ULONG_PTR>(irp->Tail.Overlay.DriverContext[0]));
    if (mask & ready & driver::kHushWaitSpeakerData) InterlockedIncrement64(&Path(Direction::kSpeaker).wakes);
    if (mask & ready & driver::kHushWaitMicSpace) InterlockedIncrement64(&Path(Direction::kMic).wakes);
    CompleteWait(irp, mask & ready, speaker_fill, mic_free);
  }
}

void HushAdapter::CancelWaits(PFILE_OBJECT file) {
  WaitPeek peek{file, 0};
  for (;;) {
    PIRP irp = IoCsqRemoveNextIrp(&wait_csq_, &peek);
    if (irp == nullptr) break;
    InterlockedDecrement(&waiters_);
    irp->IoStatus.Status = STATUS_CANCELLED;
    irp->IoStatus.Information = 0;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
  }
}

// ---- IO_CSQ callbacks: called with wait_lock_ held (DISPATCH_LEVEL) except the lock
// callbacks themselves and CsqCompleteCanceled (<= DISPATCH_LEVEL, lock not held). ----

VOID HushAdapter::CsqInsert(PIO_CSQ csq, PIRP irp) {
  HushAdapter* self = CONTAINING_RECORD(csq, HushAdapter, wait_csq_);
  InsertTailList(&self->wait_list_, &irp->Tail.Overlay.ListEntry);
}

VOID HushAdapter::CsqRemove(PIO_CSQ, PIRP irp) { RemoveEntryList(&irp->Tail.Overlay.ListEntry); }

PIRP HushAdapter::CsqPeekNext(PIO_CSQ csq, PIRP irp, PVOID peek_context) {
  HushAdapter* self = CONTAINING_RECORD(csq, HushAdapter, wait_csq_);
  const WaitPeek* peek = static_cast<const WaitPeek*>(peek_context);
  LIST_ENTRY* entry = irp == nullptr ? self->wait_list_.Flink : irp->Tail.Overlay.ListEntry.Flink;
  for (; entry != &self->wait_list_; entry = entry->Flink) {
    PIRP candidate = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
    if (peek == nullptr) return candidate;
    if (peek->file != nullptr && IoGetCurrentIrpStackLocation(candidate)->FileObject == peek->file) return candidate;
    const uint32_t mask =
        static_cast<uint32_t>(reinterpret_cast<ULONG_PTR>(candidate->Tail.Overlay.DriverContext[0]));
    if (peek->ready_mask != 0 && (mask & peek->ready_mask) != 0) return candidate;
  }
  return nullptr;
}

VOID HushAdapter::CsqAcquireLock(PIO_CSQ csq, PKIRQL irql) {
  HushAdapter* self = CONTAINING_RECORD(csq, HushAdapter, wait_csq_);
  KeAcquireSpinLock(&self->wait_lock_, irql);
}

VOID HushAdapter::CsqReleaseLock(PIO_CSQ csq, KIRQL irql) {
  HushAdapter* self = CONTAINING_RECORD(csq, HushAdapter, wait_csq_);
  KeReleaseSpinLock(&self->wait_lock_, irql);
}

VOID HushAdapter::CsqCompleteCanceled(PIO_CSQ csq, PIRP irp) {
  HushAdapter* self = CONTAINING_RECORD(csq, HushAdapter, wait_csq_);
  InterlockedDecrement(&self->waiters_);
  irp->IoStatus.Status = STATUS_CANCELLED;
  irp->IoStatus.Information = 0;
  IoCompleteRequest(irp, IO_NO_INCREMENT);
}

}  // namespace hush::km
