// SPDX-License-Identifier: MIT
// Simulates how the Windows audio engine and a SYSVAD-style WaveRT miniport move data
// through Hush's private ring and the back door, much faster than real time (simulated
// nanoseconds, no sleeping: an hour takes about a second).
//
// The model, one direction at a time:
//  - The miniport's position advances in whole milliseconds of frames, computed from the
//    elapsed whole milliseconds (so at 44.1 kHz an update moves 44 or 45 frames and the
//    fraction is carried), at its 1 ms timer DPC (which now and then fires late, so one
//    update moves several ms) and at every position query in between (the audio engine's
//    passes and extra GetPosition calls). At each update it copies the frames the position
//    passed between the WaveRT cyclic buffer and the ring (WriteBytes for render,
//    ReadBytes for capture), then signals user mode when the design's threshold holds.
//  - The audio engine runs a pass every 10 ms: render: it writes the app's audio into the
//    cyclic buffer 20 ms ahead of the position; capture: it reads what the position passed.
//  - A user-mode engine thread wakes on the signal after a random delay (usually under
//    1 ms, sometimes 5-15 ms) and, render: reads everything in the ring; capture: writes
//    everything the real microphone produced since its last wake (what does not fit is
//    dropped). In capture it first primes the ring with silence up to the threshold.
//  - The audio is a counter: frame f carries f + 1 (and its complement), so any gap,
//    repeat, overwrite, torn frame or inserted silence is detected exactly.
//
// Designs: the seed's naive recipes (a huge ring; a signal only when the ring is full,
// with a ring that overwrites; a ring too small for the jitter) and Hush's (FrameRing of
// driver/windows/shared/hush_driver/ring.h sized kRingMs = 40 ms, half-fill signal, never
// overwrite, silence on starvation). docs/windows/ring-and-simulator.md has the measured
// table (tools/wavert_sim prints it).
//
// Threads: RunWaveRtSim is a pure function of its options (deterministic for a seed),
// callable from any thread; it allocates (it is a test and measurement tool, not RT).
#ifndef HUSH_BACKENDS_SIM_WAVERT_SIM_H
#define HUSH_BACKENDS_SIM_WAVERT_SIM_H

#include <cstdint>
#include <string>

namespace hush::sim {

enum class WaveRtDesign {
  kHush,                // FrameRing, 40 ms, signal at half fill, never overwrite
  kSeedHugeRing,        // (a) the same rules with a 1 MiB ring: seconds of latency
  kSeedSignalWhenFull,  // (b) 40 ms ring that overwrites, signalled only when full (empty for capture)
  kSeedTinyRing,        // (c) Hush's rules with a 2 ms ring: drops data under jitter
};
enum class WaveRtDirection {
  kRender,   // app -> audio engine -> miniport -> speaker ring -> user mode
  kCapture,  // user mode -> mic ring -> miniport -> audio engine -> app
};

// Static, never-null names ("hush", "seed-1MiB", "seed-full-signal", "seed-2ms";
// "render", "capture").
const char* WaveRtDesignName(WaveRtDesign design);
const char* WaveRtDirectionName(WaveRtDirection direction);

struct WaveRtSimOptions {
  WaveRtDesign design = WaveRtDesign::kHush;
  WaveRtDirection direction = WaveRtDirection::kRender;
  uint32_t sample_rate_hz = 48000;  // 8000..192000
  uint32_t frame_bytes = 8;         // 4..64, a multiple of 4 (8 = stereo float32)
  double seconds = 60.0;            // simulated
  // The miniport's timer DPC.
  double timer_period_ms = 1.0;
  double timer_late_probability = 0.002;  // per tick
  double timer_late_max_ms = 3.0;         // a late tick fires up to this much late
  // The audio engine.
  double engine_period_ms = 10.0;
  double engine_lead_ms = 20.0;            // render: how far ahead of the position it writes
  double position_queries_per_ms = 0.3;    // extra GetPosition calls (Poisson)
  // The user-mode thread's wake-up delay after the signal.
  double wake_delay_max_ms = 1.0;          // usual: uniform in [0.05, this]
  double long_delay_probability = 0.003;   // per wake
  double long_delay_min_ms = 5.0;
  double long_delay_max_ms = 15.0;
  uint64_t seed = 1;
  // The ring's size in ms instead of the design's own (0 = the design's: 40 ms, 1 MiB,
  // 40 ms, 2 ms); for the sweep that shows why 40 ms.
  uint32_t ring_ms = 0;
};

struct WaveRtSimResult {
  double simulated_seconds = 0;
  uint32_t ring_bytes = 0;
  double ring_ms = 0;
  uint64_t frames_delivered = 0;     // real (non-silent) frames the consumer received
  uint64_t discontinuities = 0;      // jumps, repeats, torn frames, silence runs mid-stream
  uint64_t overwritten_bytes = 0;    // the naive ring's indices crossed: unread data
                                     // overwritten (render) or stale data re-read (capture)
  uint64_t dropped_bytes = 0;        // refused by a full ring (its overflow count)
  uint64_t silence_bytes = 0;        // silence the consumer got after the stream started
  double latency_mean_ms = 0;        // age of the oldest frame of each handover
  double latency_max_ms = 0;
  double max_fill_ms = 0;            // highest ring fill after a producer step
  double min_fill_ms = 0;            // lowest ring fill before a consumer step, once started
  uint64_t user_wakes = 0;
  uint64_t long_delays = 0;          // wakes that drew a long delay
  uint64_t late_ticks = 0;           // timer DPCs that fired late
  uint64_t max_update_frames = 0;    // the largest single position update
  uint64_t engine_glitches = 0;      // model self-check: the engine outran the cyclic buffer (must be 0)
};

// Runs one simulation. Invalid options (rates, frame_bytes, non-positive times) throw
// std::invalid_argument.
WaveRtSimResult RunWaveRtSim(const WaveRtSimOptions& options);

// How close the run came to losing data, in ms: render: the ring's free space at its
// fullest (ring_ms - max_fill_ms); capture: the ring's fill at its emptiest (min_fill_ms).
double WaveRtHeadroomMs(const WaveRtSimOptions& options, const WaveRtSimResult& result);

// The comparison table's header and one row (design, rate, direction, ring size, latency
// mean and max, headroom, discontinuities, overwritten, dropped and silence bytes).
std::string WaveRtTableHeader();
std::string WaveRtTableRow(const WaveRtSimOptions& options, const WaveRtSimResult& result);

}  // namespace hush::sim

#endif  // HUSH_BACKENDS_SIM_WAVERT_SIM_H
