// SPDX-License-Identifier: MIT
#include "minwavert.h"

#include "descriptors.h"
#include "formats.h"

namespace hush::km {

namespace {
// The timer period: 1 ms, in the units KeSetTimerEx takes (due time in 100 ns, negative
// = relative; period in ms).
constexpr LONG kTimerPeriodMs = 1;
constexpr LONGLONG kTimerDue100ns = -10000LL * kTimerPeriodMs;
// ExSetTimerResolution's unit is 100 ns: ask for 1 ms while a stream runs (the default
// 15.6 ms tick would make every position update 15 frames of jitter wide and a chunk
// 15.6 ms long, more than a 40 ms ring's margin allows).
constexpr ULONG kTimerResolution100ns = 10000;
}  // namespace

// ================================ miniport ================================

NTSTATUS HushWaveMiniport::Create(Direction direction, IUnknown** out) {
  *out = nullptr;
  HushWaveMiniport* m = new (NonPagedPoolNx) HushWaveMiniport(direction);
  if (m == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
  *out = static_cast<IMiniportWaveRT*>(m);
  return STATUS_SUCCESS;
}

HushWaveMiniport::~HushWaveMiniport() {
  if (port_ != nullptr) port_->Release();
  if (adapter_ != nullptr) adapter_->Release();
}

STDMETHODIMP_(NTSTATUS) HushWaveMiniport::QueryInterface(REFIID iid, PVOID* out) {
  if (out == nullptr) return STATUS_INVALID_PARAMETER;
  if (SameGuid(iid, IID_IUnknown) || SameGuid(iid, IID_IMiniport) || SameGuid(iid, IID_IMiniportWaveRT)) {
    *out = static_cast<IMiniportWaveRT*>(this);
    AddRef();
    return STATUS_SUCCESS;
  }
  *out = nullptr;
  return STATUS_INVALID_PARAMETER;
}

STDMETHODIMP_(ULONG) HushWaveMiniport::AddRef() { return static_cast<ULONG>(InterlockedIncrement(&refs_)); }

STDMETHODIMP_(ULONG) HushWaveMiniport::Release() {
  const LONG left = InterlockedDecrement(&refs_);
  if (left == 0) delete this;
  return static_cast<ULONG>(left);
}

STDMETHODIMP_(NTSTATUS) HushWaveMiniport::GetDescription(PPCFILTER_DESCRIPTOR* description) {
  if (description == nullptr) return STATUS_INVALID_PARAMETER;
  // PortCls only reads the descriptor; the cast drops the const its prototype lacks.
  *description = const_cast<PPCFILTER_DESCRIPTOR>(direction_ == Direction::kSpeaker ? &kWaveSpeakerFilter
                                                                                     : &kWaveMicFilter);
  return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) HushWaveMiniport::DataRangeIntersection(ULONG pin_id, PKSDATARANGE data_range,
                                                                PKSDATARANGE matching_data_range,
                                                                ULONG output_buffer_length, PVOID resultant_format,
                                                                PULONG resultant_format_length) {
  // Bridge pins carry no audio format: let PortCls's default handler answer.
  if (pin_id != kWaveStreamPin) return STATUS_NOT_IMPLEMENTED;
  return IntersectDataRange(data_range, matching_data_range, output_buffer_length, resultant_format,
                            resultant_format_length);
}

STDMETHODIMP_(NTSTATUS) HushWaveMiniport::Init(PUNKNOWN unknown_adapter, PRESOURCELIST, PPORTWAVERT port) {
  if (unknown_adapter == nullptr || port == nullptr) return STATUS_INVALID_PARAMETER;
  PVOID adapter = nullptr;
  const NTSTATUS status = unknown_adapter->QueryInterface(IID_IHushAdapter, &adapter);
  if (!NT_SUCCESS(status) || adapter == nullptr) return STATUS_INVALID_PARAMETER;
  adapter_ = static_cast<HushAdapter*>(static_cast<IUnknown*>(adapter));
  port_ = port;
  port_->AddRef();
  return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) HushWaveMiniport::NewStream(PMINIPORTWAVERTSTREAM* stream, PPORTWAVERTSTREAM port_stream,
                                                    ULONG pin, BOOLEAN capture, PKSDATAFORMAT data_format) {
  if (stream == nullptr || port_stream == nullptr || data_format == nullptr || adapter_ == nullptr) {
    return STATUS_INVALID_PARAMETER;
  }
  *stream = nullptr;
  if (pin != kWaveStreamPin) return STATUS_INVALID_PARAMETER;
  const bool want_capture = direction_ == Direction::kMic;
  if ((capture != FALSE) != want_capture) return STATUS_INVALID_PARAMETER;
  driver::HushFormat format{};
  // PortCls has validated that FormatSize bytes are present behind data_format.
  NTSTATUS status = ParseDataFormat(data_format, data_format->FormatSize, &format);
  if (!NT_SUCCESS(status)) return status;
  status = adapter_->OpenStream(direction_, format);
  if (!NT_SUCCESS(status)) return STATUS_INSUFFICIENT_RESOURCES;  // the pin's instance limit, as KS reports it
  HushWaveStream* s = nullptr;
  status = HushWaveStream::Create(this, adapter_, direction_, port_stream, format, &s);
  if (!NT_SUCCESS(status)) {
    adapter_->CloseStream(direction_);
    return status;
  }
  *stream = static_cast<PMINIPORTWAVERTSTREAM>(s);
  return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) HushWaveMiniport::GetDeviceDescription(PDEVICE_DESCRIPTION description) {
  if (description == nullptr) return STATUS_INVALID_PARAMETER;
  RtlZeroMemory(description, sizeof(*description));
  description->Master = TRUE;
  description->ScatterGather = TRUE;
  description->Dma32BitAddresses = TRUE;
  description->InterfaceType = PCIBus;
  description->MaximumLength = 0xFFFFFFFFu;
  return STATUS_SUCCESS;
}

// ================================ stream ================================

NTSTATUS HushWaveStream::Create(HushWaveMiniport* miniport, HushAdapter* adapter, Direction direction,
                                PPORTWAVERTSTREAM port_stream, const driver::HushFormat& format,
                                HushWaveStream** out) {
  *out = nullptr;
  HushWaveStream* s = new (NonPagedPoolNx) HushWaveStream();
  if (s == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
  s->miniport_ = miniport;
  miniport->AddRef();
  s->adapter_ = adapter;
  adapter->AddRef();
  s->port_stream_ = port_stream;
  port_stream->AddRef();
  s->direction_ = direction;
  s->format_ = format;
  KeInitializeSpinLock(&s->lock_);
  KeInitializeTimerEx(&s->timer_, NotificationTimer);
  KeInitializeDpc(&s->dpc_, TimerDpc, s);
  LARGE_INTEGER frequency;
  KeQueryPerformanceCounter(&frequency);
  const uint64_t ticks_per_second = frequency.QuadPart > 0 ? static_cast<uint64_t>(frequency.QuadPart) : 10000000u;
  s->core_.Configure(direction == Direction::kSpeaker, format.sample_rate_hz, format.frame_bytes, ticks_per_second);
  *out = s;
  return STATUS_SUCCESS;
}

HushWaveStream::~HushWaveStream() {
  StopTimer();
  if (buffer_mdl_ != nullptr) FreeAudioBuffer(buffer_mdl_, core_.BufferBytes());
  adapter_->CloseStream(direction_);
  port_stream_->Release();
  adapter_->Release();
  miniport_->Release();
}

STDMETHODIMP_(NTSTATUS) HushWaveStream::QueryInterface(REFIID iid, PVOID* out) {
  if (out == nullptr) return STATUS_INVALID_PARAMETER;
  if (SameGuid(iid, IID_IUnknown) || SameGuid(iid, IID_IMiniportWaveRTStream) ||
      SameGuid(iid, IID_IMiniportWaveRTStreamNotification)) {
    *out = static_cast<IMiniportWaveRTStreamNotification*>(this);
    AddRef();
    return STATUS_SUCCESS;
  }
  *out = nullptr;
  return STATUS_INVALID_PARAMETER;
}

STDMETHODIMP_(ULONG) HushWaveStream::AddRef() { return static_cast<ULONG>(InterlockedIncrement(&refs_)); }

STDMETHODIMP_(ULONG) HushWaveStream::Release() {
  const LONG left = InterlockedDecrement(&refs_);
  if (left == 0) delete this;
  return static_cast<ULONG>(left);
}

STDMETHODIMP_(NTSTATUS) HushWaveStream::SetFormat(PKSDATAFORMAT data_format) {
  if (data_format == nullptr) return STATUS_INVALID_PARAMETER;
  driver::HushFormat f{};
  const NTSTATUS status = ParseDataFormat(data_format, data_format->FormatSize, &f);
  if (!NT_SUCCESS(status)) return status;
  return driver::HushFormatEqual(f, format_) ? STATUS_SUCCESS : STATUS_NOT_SUPPORTED;
}

void HushWaveStream::StopTimer() {
  if (!timer_running_) return;
  KeCancelTimer(&timer_);
  // A DPC already queued or running on another processor finishes before this returns,
  // so nothing touches the buffer or ring after the stream leaves RUN.
  KeFlushQueuedDpcs();
  ExSetTimerResolution(kTimerResolution100ns, FALSE);
  timer_running_ = false;
}

STDMETHODIMP_(NTSTATUS) HushWaveStream::SetState(KSSTATE state) {
  LARGE_INTEGER now = KeQueryPerformanceCounter(nullptr);
  if (state == KSSTATE_RUN) {
    {
      SpinLockGuard guard(&lock_);
      if (state_ == KSSTATE_RUN) return STATUS_SUCCESS;
      last_ticks_ = now.QuadPart;  // no time passes while paused
      state_ = KSSTATE_RUN;
    }
    adapter_->SetStreamState(direction_, state);
    if (!timer_running_) {
      ExSetTimerResolution(kTimerResolution100ns, TRUE);
      LARGE_INTEGER due;
      due.QuadPart = kTimerDue100ns;
      KeSetTimerEx(&timer_, due, kTimerPeriodMs, &dpc_);
      timer_running_ = true;
    }
    return STATUS_SUCCESS;
  }
  bool moved = false;
  {
    SpinLockGuard guard(&lock_);
    if (state_ == KSSTATE_RUN) moved = AdvanceLocked(now.QuadPart);  // account for the last partial ms
    state_ = state;
  }
  StopTimer();
  if (state == KSSTATE_STOP) {
    SpinLockGuard guard(&lock_);
    core_.Rewind();
  }
  adapter_->SetStreamState(direction_, state);
  if (moved) adapter_->NotifyProgress();
  return STATUS_SUCCESS;
}

VOID HushWaveStream::TimerDpc(PKDPC, PVOID context, PVOID, PVOID) {
  HushWaveStream* self = static_cast<HushWaveStream*>(context);
  const LARGE_INTEGER now = KeQueryPerformanceCounter(nullptr);
  bool moved = false;
  {
    SpinLockGuard guard(&self->lock_);
    moved = self->AdvanceLocked(now.QuadPart);
  }
  if (moved) self->adapter_->NotifyProgress();
}

bool HushWaveStream::AdvanceLocked(LONGLONG now_ticks) {
  if (state_ != KSSTATE_RUN || !core_.HasBuffer()) {
    last_ticks_ = now_ticks;  // time outside RUN does not count
    return false;
  }
  if (now_ticks <= last_ticks_) return false;  // two updates in the same tick
  const uint64_t elapsed_ticks = static_cast<uint64_t>(now_ticks - last_ticks_);
  last_ticks_ = now_ticks;
  const StreamStep step = core_.Advance(elapsed_ticks, &adapter_->Path(direction_).ring);
  late_frames_ += step.late_frames;
  if (step.notify && notification_event_ != nullptr) KeSetEvent(notification_event_, IO_NO_INCREMENT, FALSE);
  return step.frames != 0;
}

STDMETHODIMP_(NTSTATUS) HushWaveStream::GetPosition(PKSAUDIO_POSITION position) {
  if (position == nullptr) return STATUS_INVALID_PARAMETER;
  const LARGE_INTEGER now = KeQueryPerformanceCounter(nullptr);
  bool moved = false;
  ULONGLONG offset = 0;
  {
    SpinLockGuard guard(&lock_);
    moved = AdvanceLocked(now.QuadPart);
    offset = core_.OffsetBytes();
  }
  position->PlayOffset = offset;
  position->WriteOffset = offset;
  if (moved) adapter_->NotifyProgress();
  return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) HushWaveStream::AllocateAudioBuffer(ULONG requested_size, PMDL* audio_buffer_mdl,
                                                            ULONG* actual_size, ULONG* offset_from_first_page,
                                                            MEMORY_CACHING_TYPE* cache_type) {
  if (audio_buffer_mdl == nullptr || actual_size == nullptr || offset_from_first_page == nullptr ||
      cache_type == nullptr) {
    return STATUS_INVALID_PARAMETER;
  }
  if (buffer_mdl_ != nullptr) return STATUS_UNSUCCESSFUL;  // one buffer per stream
  const ULONG bytes = StreamCore::GrantedBufferBytes(requested_size, format_.frame_bytes, format_.sample_rate_hz);
  if (bytes == 0) return STATUS_INVALID_PARAMETER;

  PHYSICAL_ADDRESS highest;
  highest.QuadPart = -1;  // anywhere: nothing but the CPU touches these pages
  PMDL mdl = port_stream_->AllocatePagesForMdl(highest, bytes);
  if (mdl == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
  UCHAR* va = static_cast<UCHAR*>(port_stream_->MapAllocatedPages(mdl, MmCached));
  if (va == nullptr) {
    port_stream_->FreePagesFromMdl(mdl);
    return STATUS_INSUFFICIENT_RESOURCES;
  }
  RtlZeroMemory(va, bytes);  // silence: zero is silence for PCM16 and float32
  {
    SpinLockGuard guard(&lock_);
    buffer_mdl_ = mdl;
    core_.Attach(va, bytes, 0);  // cannot fail: bytes is a non-zero multiple of the frame
  }
  *audio_buffer_mdl = mdl;
  *actual_size = bytes;
  *offset_from_first_page = 0;
  *cache_type = MmCached;
  return STATUS_SUCCESS;
}

STDMETHODIMP_(VOID) HushWaveStream::FreeAudioBuffer(PMDL audio_buffer_mdl, ULONG) {
  if (audio_buffer_mdl == nullptr || audio_buffer_mdl != buffer_mdl_) return;
  UCHAR* va = nullptr;
  {
    SpinLockGuard guard(&lock_);  // the DPC uses the buffer only under this lock
    va = core_.Buffer();
    core_.Detach();
    buffer_mdl_ = nullptr;
  }
  port_stream_->UnmapAllocatedPages(va, audio_buffer_mdl);
  port_stream_->FreePagesFromMdl(audio_buffer_mdl);
}

STDMETHODIMP_(VOID) HushWaveStream::GetHWLatency(KSRTAUDIO_HWLATENCY* latency) {
  if (latency == nullptr) return;
  latency->FifoSize = 0;
  latency->ChipsetDelay = 0;
  latency->CodecDelay = 0;
}

STDMETHODIMP_(NTSTATUS) HushWaveStream::GetPositionRegister(KSRTAUDIO_HWREGISTER*) { return STATUS_NOT_SUPPORTED; }
STDMETHODIMP_(NTSTATUS) HushWaveStream::GetClockRegister(KSRTAUDIO_HWREGISTER*) { return STATUS_NOT_SUPPORTED; }

STDMETHODIMP_(NTSTATUS) HushWaveStream::AllocateBufferWithNotification(ULONG notification_count, ULONG requested_size,
                                                                       PMDL* audio_buffer_mdl, ULONG* actual_size,
                                                                       ULONG* offset_from_first_page,
                                                                       MEMORY_CACHING_TYPE* cache_type) {
  if (notification_count != 1 && notification_count != 2) return STATUS_INVALID_PARAMETER;
  const NTSTATUS status =
      AllocateAudioBuffer(requested_size, audio_buffer_mdl, actual_size, offset_from_first_page, cache_type);
  if (NT_SUCCESS(status)) {
    SpinLockGuard guard(&lock_);
    core_.SetNotificationCount(notification_count);
  }
  return status;
}

STDMETHODIMP_(VOID) HushWaveStream::FreeBufferWithNotification(PMDL audio_buffer_mdl, ULONG buffer_size) {
  FreeAudioBuffer(audio_buffer_mdl, buffer_size);
}

STDMETHODIMP_(NTSTATUS) HushWaveStream::RegisterNotificationEvent(PKEVENT notification_event) {
  if (notification_event == nullptr) return STATUS_INVALID_PARAMETER;
  SpinLockGuard guard(&lock_);
  if (notification_event_ != nullptr) return STATUS_UNSUCCESSFUL;
  notification_event_ = notification_event;
  return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) HushWaveStream::UnregisterNotificationEvent(PKEVENT notification_event) {
  SpinLockGuard guard(&lock_);
  if (notification_event == nullptr || notification_event != notification_event_) return STATUS_INVALID_PARAMETER;
  notification_event_ = nullptr;
  return STATUS_SUCCESS;
}

}  // namespace hush::km
