// SPDX-License-Identifier: MIT
// Short-time objective intelligibility: STOI (C. H. Taal, R. C. Hendriks, R. Heusdens,
// J. Jensen, "An algorithm for intelligibility prediction of time-frequency weighted
// noisy speech", IEEE TASLP 19(7), 2011) and extended STOI (J. Jensen, C. H. Taal,
// "An algorithm for predicting the intelligibility of speech masked by modulated noise
// maskers", IEEE/ACM TASLP 24(11), 2016), with the parameters of the authors' reference
// code: 10 kHz, 256-sample Hann frames at 50 % overlap, 512-point FFT, 15 one-third
// octave bands from 150 Hz, 40 dB silent-frame removal, 384 ms segments (N = 30),
// clipping at beta = -15 dB (STOI only). How the values were checked: docs/METRICS.md.
// Evaluation code: allocates, not real time; thread-safe (no shared state).
#ifndef HUSH_EVAL_STOI_H
#define HUSH_EVAL_STOI_H

#include <cstddef>
#include <optional>
#include <vector>

namespace hush {

// Both signals mono, time-aligned, `frames` long at sample_rate_hz (any rate; they are
// resampled to 10 kHz). The result is finite and in [-1, 1] (1 = processed equals clean
// up to a gain).
// Returns std::nullopt when the measure is undefined: fewer than 30 non-silent 10 kHz
// frames (about 0.4 s of speech) remain after silent-frame removal, which includes an
// all-zero clean signal and frames == 0. (The MATLAB reference returns NaN there.)
// Throws std::invalid_argument for a null pointer (with frames > 0), sample_rate_hz <= 0
// or a non-finite sample.
std::optional<double> Stoi(const float* clean, const float* processed, size_t frames, int sample_rate_hz);
std::optional<double> Estoi(const float* clean, const float* processed, size_t frames, int sample_rate_hz);

// The resampler in front of STOI, exposed for tests: MATLAB's resample(x, p, q) with its
// default filter (a Kaiser-windowed sinc, beta = 5, 10 periods of the lower rate either
// side of the centre, cut off at the lower Nyquist rate), zero phase, output length
// ceil(frames * out_rate_hz / in_rate_hz). Throws std::invalid_argument for rates <= 0.
std::vector<double> ResampleKaiserSinc(const float* x, size_t frames, int in_rate_hz, int out_rate_hz);

}  // namespace hush

#endif  // HUSH_EVAL_STOI_H
