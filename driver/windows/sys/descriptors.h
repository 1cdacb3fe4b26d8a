// SPDX-License-Identifier: MIT
// The four KS filters the adapter registers, as PortCls filter descriptors:
//
//   "Hush speaker"                             "Hush microphone"
//   WaveSpeaker (WaveRT)  TopologySpeaker      TopologyMicrophone   WaveMicrophone (WaveRT)
//   pin 0 in  ─┐          pin 0 in ─┐          pin 0 in ─┐          pin 1 in (bridge) ─┐
//   (stream)   └─> pin 1 ══> (bridge) └─> pin 1 (mic jack) └─> pin 1 ══>               └─> pin 0 out (stream)
//              (bridge out)      (speaker jack)              (bridge out)
//
// ══> is a physical connection (PcRegisterPhysicalConnection). No nodes: the audio engine
// supplies volume/mute in software, and a virtual device has nothing to put there.
#ifndef HUSH_DRIVER_SYS_DESCRIPTORS_H
#define HUSH_DRIVER_SYS_DESCRIPTORS_H

#include "hush_km.h"

namespace hush::km {

// Pin ids, shared by descriptors and miniports.
inline constexpr ULONG kWaveStreamPin = 0;   // the WaveRT streaming pin (render in / capture out)
inline constexpr ULONG kWaveBridgePin = 1;   // the wave filter's bridge pin
inline constexpr ULONG kTopoWavePin = 0;     // speaker topology: bridge from the wave filter
inline constexpr ULONG kTopoSpeakerPin = 1;  // speaker topology: the endpoint (speaker jack)
inline constexpr ULONG kTopoMicPin = 0;      // mic topology: the endpoint (microphone jack)
inline constexpr ULONG kTopoToWavePin = 1;   // mic topology: bridge to the wave filter

// Subdevice names: PcRegisterSubdevice's names, and the reference strings of the INF's
// AddInterface lines (they must match exactly).
inline constexpr WCHAR kWaveSpeakerName[] = L"WaveSpeaker";
inline constexpr WCHAR kTopoSpeakerName[] = L"TopologySpeaker";
inline constexpr WCHAR kWaveMicName[] = L"WaveMicrophone";
inline constexpr WCHAR kTopoMicName[] = L"TopologyMicrophone";

extern const PCFILTER_DESCRIPTOR kWaveSpeakerFilter;
extern const PCFILTER_DESCRIPTOR kWaveMicFilter;
extern const PCFILTER_DESCRIPTOR kTopoSpeakerFilter;
extern const PCFILTER_DESCRIPTOR kTopoMicFilter;

}  // namespace hush::km

#endif  // HUSH_DRIVER_SYS_DESCRIPTORS_H
