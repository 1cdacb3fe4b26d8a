// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "common/test_signals.h"
#include "engine/sample_format.h"

namespace hush::engine {
namespace {

// Every representable value of the format, in float, for the exact round trips.
std::vector<float> Grid(SampleFormat f, size_t n) {
  std::vector<float> v(n);
  const double scale = f == SampleFormat::kS16 ? 32768.0 : 8388608.0;
  for (size_t i = 0; i < n; ++i) {
    const long q = static_cast<long>(i * 7919 % static_cast<size_t>(2 * scale)) - static_cast<long>(scale);
    v[i] = static_cast<float>(q / scale);
  }
  return v;
}

TEST(SampleFormat, ExactRoundTripsInterleavedAndPlanar) {
  for (SampleFormat f : {SampleFormat::kS16, SampleFormat::kS24, SampleFormat::kS24In32, SampleFormat::kF32}) {
    for (bool interleaved : {true, false}) {
      const int channels = 3;
      const size_t frames = 5000;
      std::vector<std::vector<float>> in(channels), back(channels, std::vector<float>(frames));
      for (int c = 0; c < channels; ++c) in[c] = f == SampleFormat::kF32 ? test::WhiteNoise(frames, 0.3f, c + 1) : Grid(f, frames);
      const BufferLayout layout{f, channels, interleaved};
      const size_t bytes = BytesPerSample(f);
      std::vector<std::vector<uint8_t>> device(interleaved ? 1 : channels,
                                               std::vector<uint8_t>(bytes * frames * (interleaved ? channels : 1)));
      std::vector<void*> dst;
      std::vector<const void*> src;
      for (auto& d : device) {
        dst.push_back(d.data());
        src.push_back(d.data());
      }
      const float* ip[3] = {in[0].data(), in[1].data(), in[2].data()};
      float* bp[3] = {back[0].data(), back[1].data(), back[2].data()};
      FromFloatPlanar(layout, ip, frames, dst.data());
      ToFloatPlanar(layout, src.data(), frames, bp);
      for (int c = 0; c < channels; ++c) ASSERT_EQ(back[c], in[c]) << static_cast<int>(f) << " interleaved " << interleaved;
    }
  }
}

TEST(SampleFormat, S32AndF64KeepFloatPrecisionAndIntegersClip) {
  const std::vector<float> x = test::WhiteNoise(1000, 0.3f, 9);
  for (SampleFormat f : {SampleFormat::kS32, SampleFormat::kF64}) {
    std::vector<uint8_t> device(BytesPerSample(f) * x.size());
    std::vector<float> back(x.size());
    const float* ip[1] = {x.data()};
    void* dp[1] = {device.data()};
    const void* sp[1] = {device.data()};
    float* bp[1] = {back.data()};
    FromFloatPlanar({f, 1, true}, ip, x.size(), dp);
    ToFloatPlanar({f, 1, true}, sp, x.size(), bp);
    // s32 has more bits than float's 24-bit mantissa: float round-off only.
    for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(back[i], x[i], 6e-8f);
  }
  // Out-of-range floats clip to full scale, never wrap.
  const float loud[3] = {1.5f, -1.5f, 1.0f};
  int16_t s16[3];
  const float* ip[1] = {loud};
  void* dp[1] = {s16};
  FromFloatPlanar({SampleFormat::kS16, 1, true}, ip, 3, dp);
  EXPECT_EQ(s16[0], 32767);
  EXPECT_EQ(s16[1], -32768);
  EXPECT_EQ(s16[2], 32767);
}

TEST(SampleFormat, MixingGains) {
  const float l[4] = {1, 2, 3, 4}, r[4] = {3, 2, 1, 0};
  const float* stereo[2] = {l, r};
  float mono[4];
  float* mp[1] = {mono};
  MixChannels(stereo, 2, mp, 1, 4);
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(mono[i], 0.5f * (l[i] + r[i]));  // mean
  float a[4], b[4];
  float* up[2] = {a, b};
  const float* mono_in[1] = {l};
  MixChannels(mono_in, 1, up, 2, 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(a[i], l[i]);  // mono on every channel at unity gain
    EXPECT_EQ(b[i], l[i]);
  }
  float c0[4], c1[4], c2[4];
  float* three[3] = {c0, c1, c2};
  MixChannels(stereo, 2, three, 3, 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(c0[i], l[i]);
    EXPECT_EQ(c1[i], r[i]);
    EXPECT_EQ(c2[i], 0.0f);  // no guessing: the extra channel is silent
  }
}

}  // namespace
}  // namespace hush::engine
