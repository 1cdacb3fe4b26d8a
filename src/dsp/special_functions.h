// SPDX-License-Identifier: MIT
// Special functions needed by the statistical gain rules.
#ifndef HUSH_DSP_SPECIAL_FUNCTIONS_H
#define HUSH_DSP_SPECIAL_FUNCTIONS_H

namespace hush::dsp {

// The exponential integral E1(x) = integral from x to infinity of exp(-t)/t dt, x > 0,
// to about 1e-12 relative accuracy (power series below 1, continued fraction above).
double ExponentialIntegralE1(double x);

// exp(0.5 * E1(v)): the factor of the log-spectral-amplitude gain (Ephraim & Malah
// 1985). [RT-safe] A table over log(v) with linear interpolation, relative error below
// 1e-4 (checked by tests/unit/test_special_functions.cc); exact limits outside it.
float ExpHalfE1(float v);

}  // namespace hush::dsp

#endif  // HUSH_DSP_SPECIAL_FUNCTIONS_H
