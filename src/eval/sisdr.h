// SPDX-License-Identifier: MIT
// Scale-invariant SDR and delay estimation, for evaluation and tests (not real time).
#ifndef HUSH_EVAL_SISDR_H
#define HUSH_EVAL_SISDR_H

#include <cstddef>

namespace hush {

// SI-SDR in dB (Le Roux, Wisdom, Erdogan, Hershey, "SDR — half-baked or well done?",
// ICASSP 2019): both signals made zero-mean, the estimate projected onto the reference;
// 10 log10(|target|^2 / |estimate - target|^2). Invariant to any non-zero gain (either
// sign) of either signal and to a DC offset. Returns +inf when the error is exactly zero
// (estimate == reference), -inf when the reference or the estimate is constant (all zero) or
// frames == 0. Throws std::invalid_argument for a null pointer with frames > 0.
double SiSdrDb(const float* reference, const float* estimate, size_t frames);

// The lag in frames (-max_lag_frames..max_lag_frames) that maximises the
// cross-correlation of the two signals: positive when `delayed` lags `reference`.
// Computed with FFTs, so whole minutes of audio take milliseconds. Lags beyond
// frames - 1 are not tested; throws std::invalid_argument for a null pointer with
// frames > 0 or max_lag_frames < 0.
long EstimateDelayFrames(const float* reference, const float* delayed, size_t frames, long max_lag_frames);

}  // namespace hush

#endif  // HUSH_EVAL_SISDR_H
