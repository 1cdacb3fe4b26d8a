// SPDX-License-Identifier: MIT
// Robustness measures beyond STOI and SI-SDR, computed on 10 ms frames at 48 kHz:
//
// Onset loss (dB): how much more a suppressor attenuates the first 50 ms of a word than
//   the body of the same word (100..300 ms after its start), each measured as output vs
//   input energy (so the unprocessed input scores exactly 0). Speech onsets are frames where
//   the clean signal rises above -25 dB (re its loudest frame) after at least 50 ms below
//   -35 dB. 0 dB = starts of words kept as well as their bodies; a suppressor that needs
//   a few frames to "hear" speech chops onsets and scores several dB.
// Pumping (dB): in pauses (clean below -50 dB re its loudest frame), the standard
//   deviation of the frame-by-frame attenuation (output vs input level). A steady
//   suppressor lowers the noise by a constant amount; one that breathes with the speech
//   makes the residual noise rise and fall.
#ifndef HUSH_BENCH_EVAL_ROBUSTNESS_H
#define HUSH_BENCH_EVAL_ROBUSTNESS_H

#include <cstddef>
#include <vector>

namespace hush::bench {

struct Accumulator {
  double sum = 0.0;
  double sum_squares = 0.0;
  size_t count = 0;
  void Add(double v) {
    sum += v;
    sum_squares += v * v;
    ++count;
  }
  double Mean() const { return count ? sum / static_cast<double>(count) : 0.0; }
};

// Adds one value per onset found in `clean`; input is what the system was given, out its
// output aligned to it (n frames each).
void AddOnsetLosses(const float* clean, const float* input, const float* out, size_t n, Accumulator& losses_db);
// Adds the pumping (std of attenuation in pauses, dB) of one item, if it has >= 20 pause frames.
void AddPumping(const float* clean, const float* noisy, const float* out, size_t n, Accumulator& pumping_db);

}  // namespace hush::bench

#endif  // HUSH_BENCH_EVAL_ROBUSTNESS_H
