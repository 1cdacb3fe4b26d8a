// SPDX-License-Identifier: MIT
// The weight-blob loader refuses every damaged or foreign blob whole, and the neural
// suppressor built from a valid one behaves (finite, bypass at strength 0, same result
// with every kernel variant).
#include <gtest/gtest.h>
#include <hush/hush.h>

#include <cmath>
#include <vector>

#include "common/model_blob_writer.h"
#include "common/test_signals.h"
#include "suppressor/neural/model_blob.h"
#include "suppressor/neural/neural_suppressor.h"

namespace hush {
namespace {

using neural::ParseModelBlob;
using test::BlobSpec;
using test::MakeBlob;

TEST(ModelBlob, ValidBlobLoadsWithItsDimensions) {
  const auto blob = MakeBlob();
  const auto result = ParseModelBlob(blob.data(), blob.size());
  ASSERT_EQ(result.status, HUSH_OK) << result.error;
  ASSERT_NE(result.model, nullptr);
  EXPECT_EQ(result.model->embed, 16u);
  EXPECT_EQ(result.model->hidden, 24u);
  EXPECT_EQ(result.model->bands, static_cast<uint32_t>(neural::kNeuralBands));
}

TEST(ModelBlob, EveryTruncationIsRefusedAsCorrupt) {
  const auto blob = MakeBlob();
  for (size_t size = 0; size < blob.size(); size += (size < 200 ? 1 : 997)) {
    const auto result = ParseModelBlob(blob.data(), size);
    EXPECT_EQ(result.status, HUSH_ERROR_CORRUPT_MODEL) << "size " << size;
    EXPECT_EQ(result.model, nullptr);
  }
}

TEST(ModelBlob, DamagedBytesAreCaughtByTheHash) {
  auto blob = MakeBlob();
  for (size_t at : {size_t{64}, size_t{100}, blob.size() / 2, blob.size() - 1}) {
    auto damaged = blob;
    damaged[at] ^= 0x10;
    const auto result = ParseModelBlob(damaged.data(), damaged.size());
    EXPECT_EQ(result.status, HUSH_ERROR_CORRUPT_MODEL) << at;
    EXPECT_NE(result.error.find("hash"), std::string::npos) << result.error;
  }
  auto magic = blob;
  magic[0] = 'X';
  EXPECT_EQ(ParseModelBlob(magic.data(), magic.size()).status, HUSH_ERROR_CORRUPT_MODEL);
}

TEST(ModelBlob, BlobsForAnotherVersionRateHopOrFeatureSetAreMismatched) {
  BlobSpec spec;
  for (int field = 0; field < 6; ++field) {
    BlobSpec s = spec;
    switch (field) {
      case 0: s.format_version = 2; break;
      case 1: s.feature_version = 99; break;
      case 2: s.rate_hz = 44100; break;
      case 3: s.hop = 256; break;
      case 4: s.bands = 22; break;
      case 5: s.latency = 960; break;  // more than the 10 ms this runtime promises
    }
    const auto blob = MakeBlob(s);
    const auto result = ParseModelBlob(blob.data(), blob.size());
    EXPECT_EQ(result.status, HUSH_ERROR_MODEL_MISMATCH) << "field " << field << ": " << result.error;
    EXPECT_EQ(result.model, nullptr);
  }
}

TEST(ModelBlob, ShapesThatDisagreeWithTheHeaderAreCorrupt) {
  auto blob = MakeBlob();
  // Claim a larger embedding than the tensors hold (hash kept valid): the first tensor
  // whose shape depends on it is refused.
  blob[32 + 4] = 17;  // header offset 36: embed size
  const auto result = ParseModelBlob(blob.data(), blob.size());
  EXPECT_EQ(result.status, HUSH_ERROR_CORRUPT_MODEL);
  EXPECT_NE(result.error.find("embed.weight"), std::string::npos) << result.error;

  BlobSpec huge;
  huge.hidden = 5000;  // a hostile header must not make the loader allocate gigabytes
  auto big = MakeBlob(BlobSpec{});
  big[40] = static_cast<uint8_t>(huge.hidden & 0xff);
  big[41] = static_cast<uint8_t>(huge.hidden >> 8);
  EXPECT_EQ(ParseModelBlob(big.data(), big.size()).status, HUSH_ERROR_CORRUPT_MODEL);
}

TEST(ModelBlob, NonFiniteWeightsAreRefused) {
  auto blob = MakeBlob();
  // The last 4 bytes are vad.bias: make it NaN and re-hash so only the value check fails.
  const float nan = std::nanf("");
  std::memcpy(blob.data() + blob.size() - 4, &nan, 4);
  test::RehashBlob(blob);
  const auto result = ParseModelBlob(blob.data(), blob.size());
  EXPECT_EQ(result.status, HUSH_ERROR_CORRUPT_MODEL);
  EXPECT_NE(result.error.find("non-finite"), std::string::npos) << result.error;
}

TEST(ModelBlob, CApiLoadsValidBlobsAndRefusesBrokenOnesWhole) {
  const auto blob = MakeBlob();
  hush_model* model = reinterpret_cast<hush_model*>(0x1);
  ASSERT_EQ(hush_model_create_from_memory(blob.data(), blob.size(), &model), HUSH_OK);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(hush_model_kind(model), HUSH_SUPPRESSOR_NEURAL);
  hush_denoiser_config config;
  hush_denoiser_config_init(&config);
  hush_denoiser* denoiser = nullptr;
  ASSERT_EQ(hush_denoiser_create(model, &config, &denoiser), HUSH_OK);
  std::vector<float> audio = test::WhiteNoise(4000, 0.1f, 3);
  float* channel = audio.data();
  EXPECT_EQ(hush_denoiser_process(denoiser, &channel, &channel, audio.size()), HUSH_OK);
  hush_denoiser_destroy(denoiser);
  hush_model_destroy(model);

  auto damaged = blob;
  damaged[blob.size() / 2] ^= 1;
  model = reinterpret_cast<hush_model*>(0x1);
  EXPECT_EQ(hush_model_create_from_memory(damaged.data(), damaged.size(), &model), HUSH_ERROR_CORRUPT_MODEL);
  EXPECT_EQ(model, nullptr);
  BlobSpec other;
  other.feature_version = 7;
  const auto foreign = MakeBlob(other);
  EXPECT_EQ(hush_model_create_from_memory(foreign.data(), foreign.size(), &model), HUSH_ERROR_MODEL_MISMATCH);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(hush_model_create_from_memory(nullptr, 10, &model), HUSH_ERROR_INVALID_ARGUMENT);
}

std::shared_ptr<const neural::NeuralModel> RandomModel() {
  const auto blob = MakeBlob();
  return ParseModelBlob(blob.data(), blob.size()).model;
}

TEST(NeuralSuppressor, StrengthZeroIsAnExactDelayedBypass) {
  neural::NeuralSuppressor suppressor(RandomModel(), 1);
  SuppressorParams params;
  params.atten_limit_db = 0.0f;
  suppressor.SetParams(params);
  const auto input = test::WhiteNoise(kHopFrames * 50, 0.3f, 5);
  std::vector<float> output(input.size());
  for (size_t h = 0; h < input.size() / kHopFrames; ++h) {
    const float* in = input.data() + h * kHopFrames;
    float* out = output.data() + h * kHopFrames;
    suppressor.ProcessHop(&in, &out);
  }
  for (size_t i = kHopFrames; i < input.size(); ++i) {
    ASSERT_NEAR(output[i], input[i - kHopFrames], 1e-6f) << i;  // STFT round trip only
  }
}

TEST(NeuralSuppressor, EveryKernelVariantGivesTheSameGains) {
  const auto model = RandomModel();
  const auto input = test::WhiteNoise(kHopFrames * 100, 0.1f, 9);
  std::vector<std::vector<float>> gains;
  std::vector<const char*> names;
  for (const char* name : {"scalar", "sse2", "avx2", "neon"}) {
    const nn::KernelTable* table = nn::KernelsByName(name);
    if (table == nullptr) continue;
    neural::NeuralSuppressor suppressor(model, 1, table);
    std::vector<float> all, out(kHopFrames);
    for (size_t h = 0; h < 100; ++h) {
      const float* in = input.data() + h * kHopFrames;
      float* o = out.data();
      const float voice = suppressor.ProcessHop(&in, &o);
      ASSERT_TRUE(std::isfinite(voice) && voice >= 0.0f && voice <= 1.0f);
      all.insert(all.end(), suppressor.LastNetworkGains(), suppressor.LastNetworkGains() + neural::kNeuralBands);
    }
    gains.push_back(all);
    names.push_back(name);
  }
  for (size_t v = 1; v < gains.size(); ++v) {
    for (size_t i = 0; i < gains[0].size(); ++i) {
      // Summation order and FMA differ between variants; through 100 recurrent steps the
      // gains (0..1) still agree far better than 1e-4.
      ASSERT_NEAR(gains[v][i], gains[0][i], 1e-4f) << names[v] << " at " << i;
    }
  }
}

TEST(NeuralSuppressor, StereoChannelsShareOneGain) {
  neural::NeuralSuppressor suppressor(RandomModel(), 2);
  const auto left = test::WhiteNoise(kHopFrames * 20, 0.2f, 1);
  std::vector<float> right(left.size());
  for (size_t i = 0; i < left.size(); ++i) right[i] = 0.5f * left[i];
  std::vector<float> out_left(left.size()), out_right(left.size());
  for (size_t h = 0; h < 20; ++h) {
    const float* in[2] = {left.data() + h * kHopFrames, right.data() + h * kHopFrames};
    float* out[2] = {out_left.data() + h * kHopFrames, out_right.data() + h * kHopFrames};
    suppressor.ProcessHop(in, out);
  }
  for (size_t i = 0; i < left.size(); ++i) ASSERT_NEAR(out_right[i], 0.5f * out_left[i], 1e-6f);
}

}  // namespace
}  // namespace hush
