// SPDX-License-Identifier: MIT
// hush-wavert-sim: the WaveRT engine simulator's comparison table, design x rate x
// direction (latency, discontinuities, overwritten, dropped, silence), as quoted in
// docs/windows/ring-and-simulator.md.
//
//   hush-wavert-sim [--seconds S] [--seed N] [--frame-bytes B] [--sweep]
//
// Defaults: a simulated hour (about a second per row), seed 1, 8-byte frames (stereo
// float32). --sweep: instead, Hush's rules with rings of 5 to 40 ms (why 40 ms).
// Exit status 0, or 2 on a bad argument.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "backends/sim/wavert_sim.h"

namespace {

bool ParseNumber(const char* text, double* out) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0') return false;
  *out = v;
  return true;
}

int Usage() {
  std::fprintf(stderr, "usage: hush-wavert-sim [--seconds S] [--seed N] [--frame-bytes B] [--sweep]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3600, seed = 1, frame_bytes = 8;
  bool sweep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sweep") == 0) {
      sweep = true;
      continue;
    }
    double* target = nullptr;
    if (std::strcmp(argv[i], "--seconds") == 0) target = &seconds;
    if (std::strcmp(argv[i], "--seed") == 0) target = &seed;
    if (std::strcmp(argv[i], "--frame-bytes") == 0) target = &frame_bytes;
    if (target == nullptr || i + 1 >= argc || !ParseNumber(argv[i + 1], target)) return Usage();
    ++i;
  }
  if (!(seconds > 0) || seed < 0 || frame_bytes < 4 || frame_bytes > 64) return Usage();

  using namespace hush::sim;
  std::printf("# %g simulated seconds per row, seed %g, %g-byte frames; latency = age of the oldest frame "
              "at each handover\n",
              seconds, seed, frame_bytes);
  std::printf("%s\n", WaveRtTableHeader().c_str());
  const auto run = [&](WaveRtSimOptions o) {
    o.frame_bytes = static_cast<uint32_t>(frame_bytes);
    o.seconds = seconds;
    o.seed = static_cast<uint64_t>(seed);
    const WaveRtSimResult r = RunWaveRtSim(o);
    std::printf("%s\n", WaveRtTableRow(o, r).c_str());
    std::fflush(stdout);
  };
  if (sweep) {
    try {
      for (uint32_t ring_ms : {5u, 10u, 15u, 20u, 25u, 30u, 35u, 40u}) {
        for (WaveRtDirection direction : {WaveRtDirection::kRender, WaveRtDirection::kCapture}) {
          WaveRtSimOptions o;
          o.direction = direction;
          o.ring_ms = ring_ms;
          run(o);
        }
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hush-wavert-sim: %s\n", e.what());
      return 2;
    }
    return 0;
  }
  for (WaveRtDesign design : {WaveRtDesign::kHush, WaveRtDesign::kSeedHugeRing, WaveRtDesign::kSeedSignalWhenFull,
                              WaveRtDesign::kSeedTinyRing}) {
    for (unsigned rate : {44100u, 48000u}) {
      for (WaveRtDirection direction : {WaveRtDirection::kRender, WaveRtDirection::kCapture}) {
        WaveRtSimOptions o;
        o.design = design;
        o.direction = direction;
        o.sample_rate_hz = rate;
        try {
          run(o);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "hush-wavert-sim: %s\n", e.what());
          return 2;
        }
      }
    }
  }
  return 0;
}
