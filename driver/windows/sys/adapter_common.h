// SPDX-License-Identifier: MIT
// HushAdapter: the adapter-level common object. One per device (Root\HushAudio); it owns
// the two private rings (speaker = render side, mic = capture side) in non-paged pool,
// each endpoint's current format and stream state, and the back door's wake-up queue.
// The WaveRT streams reach it through the IUnknown PortCls hands their miniport's Init
// (QueryInterface IID_IHushAdapter); the back door through the device context placed
// after PortCls's device extension.
//
// Who touches a ring, and how they are kept apart:
//  - Speaker ring: producer = the render stream's position update (its DPC or
//    GetPosition, serialised by the stream's lock); consumer = IOCTL_HUSH_READ_SPEAKER
//    (serialised by the path's user_lock).
//  - Mic ring: producer = IOCTL_HUSH_WRITE_MIC (user_lock); consumer = the capture
//    stream's position update.
//  - Reconfiguration (Init/Reset on a stream's new format) happens only while the stream
//    is stopped (its timer cancelled and DPCs flushed) and under user_lock, so neither
//    side runs: FrameRing's Init/Reset rule holds. The stream's data path (the copy)
//    takes no lock shared with user mode; only the wake-up check after it does
//    (ReadyMask, and only while a back-door wait is pending).
#ifndef HUSH_DRIVER_SYS_ADAPTER_COMMON_H
#define HUSH_DRIVER_SYS_ADAPTER_COMMON_H

#include "hush_km.h"

namespace hush::km {

enum class Direction : int { kSpeaker = 0, kMic = 1 };

// One direction's state. Lives inside HushAdapter (non-paged).
struct EndpointPath {
  driver::FrameRing ring;
  uint8_t* storage = nullptr;   // kStorageBytes of non-paged pool, owned by HushAdapter
  driver::HushFormat format{};  // the ring's frame format (the stream's, or the default)
  volatile LONG format_generation = 0;
  volatile LONG state = 0;      // HushStreamState of the endpoint's stream
  volatile LONG stream_open = 0;
  volatile LONG64 wakes = 0;    // wait requests completed because of this direction
  KSPIN_LOCK user_lock;         // the back door's side of the ring + reconfiguration
};

class HushAdapter final : public IUnknown {
 public:
  // The largest ring any advertised format needs: kRingMs at 48 kHz x 2 ch x 4 bytes
  // (15360 bytes). Smaller formats use a prefix of it, still kRingMs long.
  static constexpr uint32_t kStorageBytes = driver::RingBytesForMs(48000, 8, driver::kRingMs);
  static_assert(kStorageBytes == 15360, "40 ms of 48 kHz stereo float");

  // Allocates the adapter (refcount 1, owned by the caller) and both rings, each
  // initialised to the default format (48 kHz stereo float32). PASSIVE_LEVEL.
  // STATUS_INSUFFICIENT_RESOURCES when pool is short; nothing leaks on failure.
  static NTSTATUS Create(PDEVICE_OBJECT fdo, HushAdapter** out);

  // IUnknown. QueryInterface answers IID_IUnknown and IID_IHushAdapter. Any IRQL <=
  // DISPATCH_LEVEL; the final Release frees the rings (PASSIVE_LEVEL in practice:
  // PortCls and the back door release at PASSIVE).
  STDMETHODIMP_(NTSTATUS) QueryInterface(REFIID iid, PVOID* out) override;
  STDMETHODIMP_(ULONG) AddRef() override;
  STDMETHODIMP_(ULONG) Release() override;

  EndpointPath& Path(Direction d) { return paths_[static_cast<int>(d)]; }

  // Claims the endpoint for a new stream (one stream per endpoint) and reconfigures its
  // ring for `format` (already validated): re-Init when the frame format differs, Reset
  // otherwise, so a new stream never sees the previous stream's audio. Takes user_lock:
  // the back door may not be mid-copy. PASSIVE_LEVEL. STATUS_DEVICE_BUSY when a stream
  // already owns the endpoint.
  NTSTATUS OpenStream(Direction d, const driver::HushFormat& format);
  // Releases the endpoint; the ring keeps its format (the back door may keep polling).
  void CloseStream(Direction d);
  // Records the stream's KSSTATE for GET_INFO. Any IRQL.
  void SetStreamState(Direction d, KSSTATE state) { InterlockedExchange(&Path(d).state, static_cast<LONG>(state)); }

  // Called by a stream after each position update that moved audio (DISPATCH_LEVEL, from
  // its DPC, or PASSIVE from GetPosition): completes pending IOCTL_HUSH_WAIT requests
  // whose condition now holds. Cheap when nothing waits (one interlocked read).
  void NotifyProgress();

  // ---- the back door's wait queue (backdoor.cc) ----
  // Queues a validated wait IRP or completes it at once when its condition holds.
  // Returns the status to return from the dispatch routine (STATUS_PENDING when queued).
  // PASSIVE_LEVEL (dispatch routine).
  NTSTATUS QueueWait(PIRP irp, uint32_t wait_mask);
  // Cancels every queued wait of `file` (IRP_MJ_CLEANUP). PASSIVE_LEVEL.
  void CancelWaits(PFILE_OBJECT file);
  // The conditions that hold now (HushWaitMask bits) and the fill/free figures. Takes
  // each path's user_lock in turn (not nested). IRQL <= DISPATCH_LEVEL.
  uint32_t ReadyMask(uint32_t* speaker_fill_bytes, uint32_t* mic_free_bytes);

  PDEVICE_OBJECT Fdo() const { return fdo_; }

 private:
  HushAdapter() = default;
  ~HushAdapter();
  void CompleteWait(PIRP irp, uint32_t ready_mask, uint32_t speaker_fill, uint32_t mic_free);

  // IO_CSQ callbacks (static: the CSQ passes the IO_CSQ*, found via CONTAINING_RECORD).
  static VOID CsqInsert(PIO_CSQ csq, PIRP irp);
  static VOID CsqRemove(PIO_CSQ csq, PIRP irp);
  static PIRP CsqPeekNext(PIO_CSQ csq, PIRP irp, PVOID peek_context);
  static VOID CsqAcquireLock(PIO_CSQ csq, PKIRQL irql);
  static VOID CsqReleaseLock(PIO_CSQ csq, KIRQL irql);
  static VOID CsqCompleteCanceled(PIO_CSQ csq, PIRP irp);

  volatile LONG refs_ = 1;
  PDEVICE_OBJECT fdo_ = nullptr;
  EndpointPath paths_[2];
  // Pending IOCTL_HUSH_WAIT IRPs.
  IO_CSQ wait_csq_;
  LIST_ENTRY wait_list_;
  KSPIN_LOCK wait_lock_;
  volatile LONG waiters_ = 0;  // queued waits, read without the lock by NotifyProgress
};

// Peek contexts for CsqPeekNext: match by file object (cleanup) or by ready mask
// (completion). Allocated on the caller's stack.
struct WaitPeek {
  PFILE_OBJECT file;     // non-null: match IRPs of this file
  uint32_t ready_mask;   // non-zero: match IRPs whose wait mask intersects it
};

}  // namespace hush::km

#endif  // HUSH_DRIVER_SYS_ADAPTER_COMMON_H
