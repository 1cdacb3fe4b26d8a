// SPDX-License-Identifier: MIT
// Simulates two device clocks around an engine::Bridge, much faster than real time.
//
// Each side calls back at its own actual rate (nominal x (1 + ppm)), with blocks of a
// fixed size or WaveRT-style chunks (a 1 ms timer moving whole milliseconds of frames:
// 44 or 45 at 44.1 kHz), and with uniform jitter of its callback times. Scripted events:
// a step of the drift, a stall of one side (its callbacks stop, then catch up), and an
// underrun storm (the producer loses every other block for a while).
//
// Two modes share the same clocks and the same Bridge code:
//  - control (carry_audio = false): the ring accounting and the loop filter run, no
//    samples move. Hours of simulated time take seconds; this is where xruns, latency
//    error and the drift estimate are measured.
//  - audio (carry_audio = true): a 1 kHz sine goes through the real ring and resampler;
//    this measures THD+N and the largest sample-to-sample step (pops).
#ifndef HUSH_BACKENDS_SIM_DRIFT_SIM_H
#define HUSH_BACKENDS_SIM_DRIFT_SIM_H

#include <cstdint>
#include <string>

namespace hush::sim {

struct ClockSide {
  int rate_hz = 48000;
  double ppm = 0.0;         // actual rate = nominal * (1 + ppm * 1e-6)
  int block_frames = 480;   // 0 = WaveRT-style 1 ms chunks
  double jitter_ms = 0.0;   // callback time jitter, uniform +-
};

struct DriftSimOptions {
  ClockSide producer;
  ClockSide consumer{48000, 0.0, 1024, 0.0};
  double seconds = 60.0;
  bool carry_audio = false;
  double target_latency_ms = 30.0;
  double sine_hz = 1000.0;
  // Scripted events (times in simulated seconds; < 0 = none).
  double step_at_s = -1.0;
  double step_ppm = 0.0;            // added to the producer's ppm at step_at_s
  double stall_at_s = -1.0;
  double stall_ms = 0.0;
  bool stall_producer = true;
  double storm_at_s = -1.0;
  double storm_seconds = 0.0;
  uint64_t seed = 1;
};

struct DriftSimResult {
  double simulated_seconds = 0;
  double lock_time_s = -1;           // first time the bridge reported lock
  uint64_t xruns_after_lock = 0;     // underruns + overruns after the first lock
  uint64_t underruns = 0, overruns = 0, recentres = 0;
  double max_latency_error_ms = 0;   // after lock, smoothed latency vs target
  double final_latency_error_ms = 0;
  double drift_estimate_ppm = 0;
  double true_drift_ppm = 0;         // at the end of the run
  double ppm_error = 0;
  double thdn_db = 0;                // audio mode: residual after the fitted sine
  double max_step_ratio = 0;         // audio mode: largest |y[n]-y[n-1]| / sine's max slope
  double max_step_ratio_steady = 0;  // the same, outside scripted events' fades
};

DriftSimResult RunDriftSim(const DriftSimOptions& options);

// One line: what the issue asks the command to print.
std::string FormatSummary(const DriftSimOptions& options, const DriftSimResult& result);

}  // namespace hush::sim

#endif  // HUSH_BACKENDS_SIM_DRIFT_SIM_H
