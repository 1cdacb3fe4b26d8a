// SPDX-License-Identifier: MIT
// The WaveRT miniport (one per endpoint) and its stream.
//
// Position model (the arithmetic and the copy are StreamCore, stream_core.h, tested on
// Linux). The stream has no hardware clock: its position is wall time since RUN,
// measured with KeQueryPerformanceCounter and converted to whole frames with the
// remainder carried (44.1 kHz is 44.1 frames per ms: the carry makes 1000 ms exactly
// 44100 frames, never 44000 or 45000). It advances on every 1 ms timer DPC and on every
// GetPosition, whichever comes first; each advance moves exactly the frames that became
// due between the cyclic buffer and the adapter's ring:
//   render (speaker):  cyclic buffer -> speaker ring (FrameRing::Write; if the back door
//                      is not reading, the frames that do not fit are counted as overflow
//                      and dropped: unread data is never overwritten)
//   capture (mic):     mic ring -> cyclic buffer (FrameRing::ReadOrSilence: silence, not
//                      stale audio, when user mode is late; counted as underflow)
// then completes back-door waits whose threshold was crossed, and signals the audio
// engine's notification event at each buffer half (IMiniportWaveRTStreamNotification).
#ifndef HUSH_DRIVER_SYS_MINWAVERT_H
#define HUSH_DRIVER_SYS_MINWAVERT_H

#include "adapter_common.h"
#include "stream_core.h"

namespace hush::km {

class HushWaveMiniport final : public IMiniportWaveRT {
 public:
  // Creates the miniport for one endpoint (refcount 1, owned by the caller), returned as
  // the IUnknown PcNewPort's port->Init takes. PASSIVE_LEVEL.
  static NTSTATUS Create(Direction direction, IUnknown** out);

  // IUnknown: IID_IUnknown, IID_IMiniport, IID_IMiniportWaveRT. <= DISPATCH_LEVEL.
  STDMETHODIMP_(NTSTATUS) QueryInterface(REFIID iid, PVOID* out) override;
  STDMETHODIMP_(ULONG) AddRef() override;
  STDMETHODIMP_(ULONG) Release() override;

  // IMiniport. PASSIVE_LEVEL.
  STDMETHODIMP_(NTSTATUS) GetDescription(PPCFILTER_DESCRIPTOR* description) override;
  STDMETHODIMP_(NTSTATUS) DataRangeIntersection(ULONG pin_id, PKSDATARANGE data_range,
                                                PKSDATARANGE matching_data_range, ULONG output_buffer_length,
                                                PVOID resultant_format, PULONG resultant_format_length) override;
  // IMiniportWaveRT. PASSIVE_LEVEL.
  // Init: finds the HushAdapter behind `unknown_adapter` (QueryInterface
  // IID_IHushAdapter) and keeps a reference; STATUS_INVALID_PARAMETER without one.
  STDMETHODIMP_(NTSTATUS) Init(PUNKNOWN unknown_adapter, PRESOURCELIST resource_list, PPORTWAVERT port) override;
  // NewStream: only the streaming pin, in this endpoint's direction, with a format that
  // ParseDataFormat accepts; claims the endpoint's ring (one stream at a time).
  STDMETHODIMP_(NTSTATUS) NewStream(PMINIPORTWAVERTSTREAM* stream, PPORTWAVERTSTREAM port_stream, ULONG pin,
                                    BOOLEAN capture, PKSDATAFORMAT data_format) override;
  // A virtual device does no DMA; this describes a bus master with 32-bit addressing so
  // PortCls's defaults are sane if it ever asks.
  STDMETHODIMP_(NTSTATUS) GetDeviceDescription(PDEVICE_DESCRIPTION description) override;

 private:
  explicit HushWaveMiniport(Direction direction) : direction_(direction) {}
  ~HushWaveMiniport();

  volatile LONG refs_ = 1;
  Direction direction_;
  HushAdapter* adapter_ = nullptr;  // referenced from Init to the destructor
  PPORTWAVERT port_ = nullptr;      // referenced likewise
};

class HushWaveStream final : public IMiniportWaveRTStreamNotification {
 public:
  // Refcount 1, owned by the caller; takes references on the miniport, adapter and port
  // stream. The adapter endpoint must already be claimed (OpenStream). PASSIVE_LEVEL.
  static NTSTATUS Create(HushWaveMiniport* miniport, HushAdapter* adapter, Direction direction,
                         PPORTWAVERTSTREAM port_stream, const driver::HushFormat& format, HushWaveStream** out);

  // IUnknown: IID_IUnknown, IID_IMiniportWaveRTStream, IID_IMiniportWaveRTStreamNotification.
  STDMETHODIMP_(NTSTATUS) QueryInterface(REFIID iid, PVOID* out) override;
  STDMETHODIMP_(ULONG) AddRef() override;
  STDMETHODIMP_(ULONG) Release() override;

  // IMiniportWaveRTStream.
  // SetFormat: WaveRT streams keep their format; only the current one is accepted
  // (STATUS_NOT_SUPPORTED otherwise). PASSIVE_LEVEL.
  STDMETHODIMP_(NTSTATUS) SetFormat(PKSDATAFORMAT data_format) override;
  // SetState: RUN starts the 1 ms timer (and asks for 1 ms timer resolution); leaving RUN
  // brings the position up to date, cancels the timer and waits for a running DPC
  // (KeFlushQueuedDpcs); STOP rewinds the position to 0. PASSIVE_LEVEL.
  STDMETHODIMP_(NTSTATUS) SetState(KSSTATE state) override;
  // GetPosition: advances the position to now (moving the due audio) and reports it as a
  // byte offset into the cyclic buffer (PlayOffset = WriteOffset). <= DISPATCH_LEVEL.
  STDMETHODIMP_(NTSTATUS) GetPosition(PKSAUDIO_POSITION position) override;
  // AllocateAudioBuffer: the cyclic buffer, `requested_size` rounded down to whole frames
  // and clamped to [1 frame, 1 s], from PortCls's page allocator, mapped cached. One
  // buffer per stream. PASSIVE_LEVEL.
  STDMETHODIMP_(NTSTATUS) AllocateAudioBuffer(ULONG requested_size, PMDL* audio_buffer_mdl, ULONG* actual_size,
                                              ULONG* offset_from_first_page, MEMORY_CACHING_TYPE* cache_type) override;
  STDMETHODIMP_(VOID) FreeAudioBuffer(PMDL audio_buffer_mdl, ULONG buffer_size) override;
  // No FIFO, no codec: all zero.
  STDMETHODIMP_(VOID) GetHWLatency(KSRTAUDIO_HWLATENCY* latency) override;
  // No hardware registers: STATUS_NOT_SUPPORTED, so the engine uses GetPosition.
  STDMETHODIMP_(NTSTATUS) GetPositionRegister(KSRTAUDIO_HWREGISTER* reg) override;
  STDMETHODIMP_(NTSTATUS) GetClockRegister(KSRTAUDIO_HWREGISTER* reg) override;

  // IMiniportWaveRTStreamNotification. notification_count must be 1 or 2 (the engine
  // asks for 2: one event per buffer half). PASSIVE_LEVEL.
  STDMETHODIMP_(NTSTATUS) AllocateBufferWithNotification(ULONG notification_count, ULONG requested_size,
                                                         PMDL* audio_buffer_mdl, ULONG* actual_size,
                                                         ULONG* offset_from_first_page,
                                                         MEMORY_CACHING_TYPE* cache_type) override;
  STDMETHODIMP_(VOID) FreeBufferWithNotification(PMDL audio_buffer_mdl, ULONG buffer_size) override;
  // One event at a time; STATUS_UNSUCCESSFUL for a second. The event pointer is the
  // engine's (PortCls keeps it alive until Unregister).
  STDMETHODIMP_(NTSTATUS) RegisterNotificationEvent(PKEVENT notification_event) override;
  STDMETHODIMP_(NTSTATUS) UnregisterNotificationEvent(PKEVENT notification_event) override;

 private:
  HushWaveStream() = default;
  ~HushWaveStream();

  // The 1 ms timer's DPC. DISPATCH_LEVEL.
  static VOID TimerDpc(PKDPC dpc, PVOID context, PVOID arg1, PVOID arg2);
  // Advances the position to `now_ticks` and moves the due frames; lock_ held
  // (DISPATCH_LEVEL). Returns true when audio moved (so back-door waits may be ready).
  bool AdvanceLocked(LONGLONG now_ticks);
  void StopTimer();  // PASSIVE_LEVEL

  volatile LONG refs_ = 1;
  HushWaveMiniport* miniport_ = nullptr;
  HushAdapter* adapter_ = nullptr;
  PPORTWAVERTSTREAM port_stream_ = nullptr;
  Direction direction_ = Direction::kSpeaker;
  driver::HushFormat format_{};

  KSPIN_LOCK lock_;       // serialises AdvanceLocked (DPC vs GetPosition) and the fields below
  KSSTATE state_ = KSSTATE_STOP;
  StreamCore core_;       // clock, cyclic buffer (kernel mapping), position, notifications
  PMDL buffer_mdl_ = nullptr;
  PKEVENT notification_event_ = nullptr;
  ULONGLONG late_frames_ = 0;       // frames due while more than a buffer late (not copied)
  LONGLONG last_ticks_ = 0;

  KTIMER timer_;
  KDPC dpc_;
  bool timer_running_ = false;      // PASSIVE-side bookkeeping (SetState only)
};

}  // namespace hush::km

#endif  // HUSH_DRIVER_SYS_MINWAVERT_H
