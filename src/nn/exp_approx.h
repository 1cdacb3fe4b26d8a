// SPDX-License-Identifier: MIT
// Constants of the exp() approximation shared by every kernel variant.
#ifndef HUSH_NN_EXP_APPROX_H
#define HUSH_NN_EXP_APPROX_H

namespace hush::nn::exp_approx {

inline constexpr float kMaxInput = 88.0f;
inline constexpr float kMinInput = -87.0f;
inline constexpr float kLog2e = 1.44269504088896341f;
// ln 2 split in a part exact in float and a remainder (Cody-Waite), so x - n ln2 keeps
// full precision.
inline constexpr float kLn2Hi = 0.693359375f;
inline constexpr float kLn2Lo = -2.12194440e-4f;
// exp(r) ~ 1 + r + r^2 * (p0 + p1 r + ... + p5 r^5) on |r| <= ln2/2 (Cephes expf).
inline constexpr float kP0 = 5.0000001201e-1f;
inline constexpr float kP1 = 1.6666665459e-1f;
inline constexpr float kP2 = 4.1665795894e-2f;
inline constexpr float kP3 = 8.3334519073e-3f;
inline constexpr float kP4 = 1.3981999507e-3f;
inline constexpr float kP5 = 1.9875691500e-4f;

}  // namespace hush::nn::exp_approx

#endif  // HUSH_NN_EXP_APPROX_H
