// SPDX-License-Identifier: MIT
// Static KS descriptors, constant-initialised (addresses and brace-list GUIDs only), so
// they exist before DriverEntry without any constructor. Non-paged data (.rdata).
#include "descriptors.h"

#include "formats.h"

namespace hush::km {

namespace {

// KSPIN_DESCRIPTOR: interfaces/mediums left empty mean the standard streaming interface
// and the standard device-I/O medium.
#define HUSH_PIN(RANGES, COUNT, FLOW, COMM, CATEGORY, NAME) \
  {0, nullptr, 0, nullptr, COUNT, RANGES, FLOW, COMM, CATEGORY, NAME, {0}}

// One stream at a time per endpoint (global and per filter): the adapter has one ring per
// direction, so a second stream would have nowhere to go.
const PCPIN_DESCRIPTOR kWaveSpeakerPins[] = {
    {1, 1, 0, nullptr,
     HUSH_PIN(kStreamDataRanges, kStreamRangeCount, KSPIN_DATAFLOW_IN, KSPIN_COMMUNICATION_SINK, &KSCATEGORY_AUDIO,
              nullptr)},
    {0, 0, 0, nullptr,
     HUSH_PIN(kBridgeDataRanges, 1, KSPIN_DATAFLOW_OUT, KSPIN_COMMUNICATION_NONE, &KSCATEGORY_AUDIO, nullptr)},
};
const PCPIN_DESCRIPTOR kWaveMicPins[] = {
    {1, 1, 0, nullptr,
     HUSH_PIN(kStreamDataRanges, kStreamRangeCount, KSPIN_DATAFLOW_OUT, KSPIN_COMMUNICATION_SINK,
              &PINNAME_VIDEO_CAPTURE /* = PINNAME_CAPTURE */, nullptr)},
    {0, 0, 0, nullptr,
     HUSH_PIN(kBridgeDataRanges, 1, KSPIN_DATAFLOW_IN, KSPIN_COMMUNICATION_NONE, &KSCATEGORY_AUDIO, nullptr)},
};
// The endpoint pins carry the form factor (KSNODETYPE_SPEAKER / _MICROPHONE) as their
// category and the Hush name GUIDs, which the INF maps to "Hush speaker" / "Hush
// microphone" under MediaCategories: that is the name Sound settings shows.
const PCPIN_DESCRIPTOR kTopoSpeakerPins[] = {
    {0, 0, 0, nullptr,
     HUSH_PIN(kBridgeDataRanges, 1, KSPIN_DATAFLOW_IN, KSPIN_COMMUNICATION_NONE, &KSCATEGORY_AUDIO, nullptr)},
    {0, 0, 0, nullptr,
     HUSH_PIN(kBridgeDataRanges, 1, KSPIN_DATAFLOW_OUT, KSPIN_COMMUNICATION_NONE, &KSNODETYPE_SPEAKER,
              &HUSH_PINNAME_SPEAKER)},
};
const PCPIN_DESCRIPTOR kTopoMicPins[] = {
    {0, 0, 0, nullptr,
     HUSH_PIN(kBridgeDataRanges, 1, KSPIN_DATAFLOW_IN, KSPIN_COMMUNICATION_NONE, &KSNODETYPE_MICROPHONE,
              &HUSH_PINNAME_MICROPHONE)},
    {0, 0, 0, nullptr,
     HUSH_PIN(kBridgeDataRanges, 1, KSPIN_DATAFLOW_OUT, KSPIN_COMMUNICATION_NONE, &KSCATEGORY_AUDIO, nullptr)},
};
#undef HUSH_PIN

const PCCONNECTION_DESCRIPTOR kWaveSpeakerConnections[] = {
    {PCFILTER_NODE, kWaveStreamPin, PCFILTER_NODE, kWaveBridgePin}};
const PCCONNECTION_DESCRIPTOR kWaveMicConnections[] = {
    {PCFILTER_NODE, kWaveBridgePin, PCFILTER_NODE, kWaveStreamPin}};
const PCCONNECTION_DESCRIPTOR kTopoSpeakerConnections[] = {
    {PCFILTER_NODE, kTopoWavePin, PCFILTER_NODE, kTopoSpeakerPin}};
const PCCONNECTION_DESCRIPTOR kTopoMicConnections[] = {
    {PCFILTER_NODE, kTopoMicPin, PCFILTER_NODE, kTopoToWavePin}};

// KSCATEGORY_REALTIME marks a WaveRT filter; the audio engine looks for it.
const GUID kWaveSpeakerCategories[] = {{STATICGUIDOF(KSCATEGORY_AUDIO)},
                                       {STATICGUIDOF(KSCATEGORY_RENDER)},
                                       {STATICGUIDOF(KSCATEGORY_REALTIME)}};
const GUID kWaveMicCategories[] = {{STATICGUIDOF(KSCATEGORY_AUDIO)},
                                   {STATICGUIDOF(KSCATEGORY_CAPTURE)},
                                   {STATICGUIDOF(KSCATEGORY_REALTIME)}};
const GUID kTopoCategories[] = {{STATICGUIDOF(KSCATEGORY_AUDIO)}, {STATICGUIDOF(KSCATEGORY_TOPOLOGY)}};

template <typename T, ULONG N>
constexpr ULONG CountOf(const T (&)[N]) {
  return N;
}

}  // namespace

#define HUSH_FILTER(PINS, CONNECTIONS, CATEGORIES)                                                        \
  {0, nullptr, sizeof(PCPIN_DESCRIPTOR), CountOf(PINS), PINS, sizeof(PCNODE_DESCRIPTOR), 0, nullptr,      \
   CountOf(CONNECTIONS), CONNECTIONS, CountOf(CATEGORIES), CATEGORIES}

const PCFILTER_DESCRIPTOR kWaveSpeakerFilter = HUSH_FILTER(kWaveSpeakerPins, kWaveSpeakerConnections, kWaveSpeakerCategories);
const PCFILTER_DESCRIPTOR kWaveMicFilter = HUSH_FILTER(kWaveMicPins, kWaveMicConnections, kWaveMicCategories);
const PCFILTER_DESCRIPTOR kTopoSpeakerFilter = HUSH_FILTER(kTopoSpeakerPins, kTopoSpeakerConnections, kTopoCategories);
const PCFILTER_DESCRIPTOR kTopoMicFilter = HUSH_FILTER(kTopoMicPins, kTopoMicConnections, kTopoCategories);
#undef HUSH_FILTER

}  // namespace hush::km
