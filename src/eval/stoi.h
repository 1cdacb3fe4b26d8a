// SPDX-License-Identifier: MIT
// Short-time objective intelligibility: STOI (C. H. Taal, R. C. Hendriks, R. Heusdens,
// J. Jensen, "An algorithm for intelligibility prediction of time-frequency weighted
// noisy speech", IEEE TASLP 19(7), 2011) and extended STOI (J. Jensen, C. H. Taal,
// "An algorithm for predicting the intelligibility of speech masked by modulated noise
// maskers", IEEE/ACM TASLP 24(11), 2016), with the parameters of the authors' reference
// code: 10 kHz, 256-sample Hann frames at 50 % overlap, 512-point FFT, 15 one-third
// octave bands from 150 Hz, 40 dB silent-frame removal, 384 ms segments (N = 30),
// clipping at beta = -15 dB (STOI only). Evaluation code: allocates, not real time.
#ifndef HUSH_EVAL_STOI_H
#define HUSH_EVAL_STOI_H

#include <cstddef>
#include <optional>

namespace hush {

// Both signals mono, time-aligned, `frames` long at sample_rate_hz (any rate; they are
// resampled to 10 kHz). Returns std::nullopt when fewer than 30 non-silent frames
// (~0.4 s of speech) remain: the measure is undefined there.
std::optional<double> Stoi(const float* clean, const float* processed, size_t frames, int sample_rate_hz);
std::optional<double> Estoi(const float* clean, const float* processed, size_t frames, int sample_rate_hz);

}  // namespace hush

#endif  // HUSH_EVAL_STOI_H
