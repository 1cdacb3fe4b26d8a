// SPDX-License-Identifier: MIT
// The C API's contract: argument checks, status codes, ownership, aliasing, reset.
#include <gtest/gtest.h>
#include <hush/hush.h>
#include <hush/hush.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/denoise_helpers.h"
#include "common/test_signals.h"

namespace hush {
namespace {

TEST(CApi, StatusStringsAreDistinctAndNeverNull) {
  std::vector<std::string> seen;
  for (int s = 0; s >= -8; --s) {
    ASSERT_NE(hush_status_string(s), nullptr);
    const std::string text = hush_status_string(s);
    EXPECT_NE(text, "unknown status") << s;
    for (const auto& other : seen) EXPECT_NE(text, other);
    seen.push_back(text);
  }
  EXPECT_STREQ(hush_status_string(-1000), "unknown status");
  EXPECT_STREQ(hush_status_string(7), "unknown status");
}

TEST(CApi, ModelCreationChecksArguments) {
  hush_model* model = reinterpret_cast<hush_model*>(0x1);
  EXPECT_EQ(hush_model_create(HUSH_SUPPRESSOR_STATISTICAL, nullptr), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_model_create(42, &model), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_model_create(-1, &model), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(model, nullptr);  // cleared on failure
  EXPECT_EQ(hush_model_create_from_memory(nullptr, 10, &model), HUSH_ERROR_INVALID_ARGUMENT);
  const char junk[16] = {};
  EXPECT_NE(hush_model_create_from_memory(junk, sizeof junk, &model), HUSH_OK);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(hush_model_kind(nullptr), HUSH_ERROR_INVALID_ARGUMENT);
  hush_model_destroy(nullptr);  // no-op

  ASSERT_EQ(hush_model_create(HUSH_SUPPRESSOR_DEFAULT, &model), HUSH_OK);
  EXPECT_GT(hush_model_kind(model), 0);  // a concrete kind, never DEFAULT
  hush_model_destroy(model);
}

TEST(CApi, DenoiserCreationRejectsEveryOutOfRangeField) {
  Model model(HUSH_SUPPRESSOR_STATISTICAL);
  hush_denoiser* d = nullptr;
  hush_denoiser_config good = DefaultConfig();
  EXPECT_EQ(hush_denoiser_create(nullptr, &good, &d), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_create(model.get(), nullptr, &d), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_create(model.get(), &good, nullptr), HUSH_ERROR_INVALID_ARGUMENT);

  auto expect_rejected = [&](void (*mutate)(hush_denoiser_config&), hush_status expected) {
    hush_denoiser_config c = DefaultConfig();
    mutate(c);
    hush_denoiser* out = reinterpret_cast<hush_denoiser*>(0x1);
    EXPECT_EQ(hush_denoiser_create(model.get(), &c, &out), expected);
    EXPECT_EQ(out, nullptr);
  };
  expect_rejected([](auto& c) { c.struct_size = 0; }, HUSH_ERROR_BAD_STRUCT_SIZE);
  expect_rejected([](auto& c) { c.struct_size = sizeof(c) + 8; }, HUSH_ERROR_BAD_STRUCT_SIZE);
  expect_rejected([](auto& c) { c.sample_rate_hz = 7999; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.sample_rate_hz = 192001; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.channels = 0; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.channels = 9; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.max_block_frames = 0; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.max_block_frames = 65537; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.atten_limit_db = -1.0f; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.atten_limit_db = NAN; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.vad_gate_threshold = 1.5f; }, HUSH_ERROR_INVALID_ARGUMENT);
  expect_rejected([](auto& c) { c.vad_gate_hold_ms = -5.0f; }, HUSH_ERROR_INVALID_ARGUMENT);

  for (uint32_t rate : {8000u, 192000u}) {
    hush_denoiser_config c = DefaultConfig();
    c.sample_rate_hz = rate;
    c.channels = 8;
    ASSERT_EQ(hush_denoiser_create(model.get(), &c, &d), HUSH_OK) << rate;
    hush_denoiser_destroy(d);
  }
  hush_denoiser_destroy(nullptr);  // no-op
}

TEST(CApi, ProcessChecksPointersAndBlockLength) {
  Model model(HUSH_SUPPRESSOR_STATISTICAL);
  Denoiser d(model, test::Config(48000, 2, 30.0f, 256));
  std::vector<float> a(300), b(300);
  const float* in[2] = {a.data(), b.data()};
  float* out[2] = {a.data(), b.data()};
  EXPECT_EQ(hush_denoiser_process(nullptr, in, out, 10), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_process(d.get(), nullptr, out, 10), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_process(d.get(), in, nullptr, 10), HUSH_ERROR_INVALID_ARGUMENT);
  const float* in_hole[2] = {a.data(), nullptr};
  EXPECT_EQ(hush_denoiser_process(d.get(), in_hole, out, 10), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(d.Process(in, out, 257), HUSH_ERROR_BLOCK_TOO_LARGE);
  EXPECT_EQ(d.Process(in, out, 256), HUSH_OK);
  EXPECT_EQ(d.Process(in, out, 0), HUSH_OK);

  uint32_t latency = 0;
  EXPECT_EQ(hush_denoiser_latency_frames(nullptr, &latency), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_latency_frames(d.get(), nullptr), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_set_atten_limit_db(d.get(), 101.0f), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_set_atten_limit_db(d.get(), INFINITY), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_set_atten_limit_db(nullptr, 10.0f), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_set_vad_gate(d.get(), -0.1f, 10.0f), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_set_vad_gate(d.get(), 0.5f, 20000.0f), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_voice_probability(d.get(), nullptr), HUSH_ERROR_INVALID_ARGUMENT);
  size_t count = 0;
  EXPECT_EQ(hush_denoiser_voice_probabilities(d.get(), nullptr, 4, &count), HUSH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hush_denoiser_voice_probabilities(d.get(), nullptr, 0, &count), HUSH_OK);
  EXPECT_EQ(hush_denoiser_reset(nullptr), HUSH_ERROR_INVALID_ARGUMENT);
}

TEST(CApi, ADenoiserOutlivesItsModelHandle) {
  hush_model* model = nullptr;
  ASSERT_EQ(hush_model_create(HUSH_SUPPRESSOR_STATISTICAL, &model), HUSH_OK);
  hush_denoiser_config c = DefaultConfig();
  hush_denoiser* d = nullptr;
  ASSERT_EQ(hush_denoiser_create(model, &c, &d), HUSH_OK);
  hush_model_destroy(model);
  std::vector<float> x = test::WhiteNoise(4096, 0.1f, 1);
  float* p = x.data();
  EXPECT_EQ(hush_denoiser_process(d, &p, &p, x.size()), HUSH_OK);
  hush_denoiser_destroy(d);
}

TEST(CApi, InPlaceProcessingMatchesSeparateBuffers) {
  Model model(HUSH_SUPPRESSOR_STATISTICAL);
  for (uint32_t rate : {48000u, 44100u}) {
    Denoiser separate(model, test::Config(rate, 2));
    Denoiser in_place(model, test::Config(rate, 2));
    test::Planar x = {test::SpeechLike(rate, static_cast<int>(rate), 0.4f, 2), test::WhiteNoise(rate, 0.05f, 3)};
    test::Planar y(2, std::vector<float>(rate));
    const float* in[2] = {x[0].data(), x[1].data()};
    float* out[2] = {y[0].data(), y[1].data()};
    for (size_t pos = 0; pos + 1000 <= rate; pos += 1000) {
      const float* ip[2] = {in[0] + pos, in[1] + pos};
      float* op[2] = {out[0] + pos, out[1] + pos};
      ASSERT_EQ(separate.Process(ip, op, 1000), HUSH_OK);
      float* xp[2] = {x[0].data() + pos, x[1].data() + pos};
      ASSERT_EQ(in_place.Process(xp, xp, 1000), HUSH_OK);
    }
    for (size_t c = 0; c < 2; ++c) {
      for (size_t i = 0; i + 1000 <= rate; ++i) ASSERT_EQ(x[c][i], y[c][i]) << rate << " ch " << c << " at " << i;
    }
  }
}

TEST(CApi, ResetGivesTheSameOutputAsAFreshDenoiser) {
  Model model(HUSH_SUPPRESSOR_STATISTICAL);
  Denoiser used(model, test::Config(44100, 1));
  Denoiser fresh(model, test::Config(44100, 1));
  const test::Planar warmup = {test::WhiteNoise(44100, 0.3f, 4)};
  const test::Planar x = {test::SpeechLike(44100, 44100, 0.4f, 5)};
  test::RunBlocks(used, warmup, 0, [] { return size_t{512}; });
  ASSERT_EQ(used.Reset(), HUSH_OK);
  const test::Planar a = test::RunBlocks(used, x, 0, [] { return size_t{512}; });
  const test::Planar b = test::RunBlocks(fresh, x, 0, [] { return size_t{512}; });
  ASSERT_EQ(a, b);
}

TEST(CApi, ReportsOneVoiceProbabilityPerHop) {
  Model model(HUSH_SUPPRESSOR_STATISTICAL);
  Denoiser d(model, test::Config(48000, 1));
  std::vector<float> x = test::SpeechLike(4800, 48000, 0.5f, 6);
  float* p = x.data();
  std::vector<float> probabilities(16, -1.0f);
  size_t count = 0;
  ASSERT_EQ(d.Process(&p, &p, 1000), HUSH_OK);  // 1000 frames: two whole hops
  ASSERT_EQ(hush_denoiser_voice_probabilities(d.get(), probabilities.data(), probabilities.size(), &count), HUSH_OK);
  EXPECT_EQ(count, 2u);
  for (size_t i = 0; i < count; ++i) {
    EXPECT_GE(probabilities[i], 0.0f);
    EXPECT_LE(probabilities[i], 1.0f);
  }
  ASSERT_EQ(d.Process(&p, &p, 400), HUSH_OK);  // 40 + 400 frames waiting: no hop
  ASSERT_EQ(hush_denoiser_voice_probabilities(d.get(), probabilities.data(), probabilities.size(), &count), HUSH_OK);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(d.VoiceProbability(), probabilities[1]);  // still the last hop's
}

TEST(CApi, NonFiniteInputGivesFiniteOutput) {
  Model model(HUSH_SUPPRESSOR_STATISTICAL);
  Denoiser d(model, test::Config(48000, 1));
  std::vector<float> x = test::WhiteNoise(48000, 0.1f, 7);
  x[100] = NAN;
  x[5000] = INFINITY;
  x[9000] = -INFINITY;
  float* p = x.data();
  for (size_t pos = 0; pos + 480 <= x.size(); pos += 480) {
    float* b = p + pos;
    ASSERT_EQ(d.Process(&b, &b, 480), HUSH_OK);
  }
  for (float v : x) ASSERT_TRUE(std::isfinite(v));
}

// A float file can hold samples up to 3.4e38 (tests/fuzz found one): their power
// spectra overflow float unless the library limits the input (to +-1000).
TEST(CApi, HugeFiniteInputGivesFiniteOutput) {
  for (hush_suppressor_kind kind : {HUSH_SUPPRESSOR_STATISTICAL, HUSH_SUPPRESSOR_NEURAL}) {
    for (uint32_t rate_hz : {48000u, 44100u}) {
      Model model(kind);
      Denoiser d(model, test::Config(rate_hz, 1));
      std::vector<float> x = test::WhiteNoise(rate_hz, 0.1f, 7);
      for (size_t i = 4000; i < 4010; ++i) x[i] = 2.7e38f;
      x[20000] = -3.4e38f;
      float* p = x.data();
      for (size_t pos = 0; pos + 441 <= x.size(); pos += 441) {
        float* b = p + pos;
        ASSERT_EQ(d.Process(&b, &b, 441), HUSH_OK);
      }
      for (float v : x) ASSERT_TRUE(std::isfinite(v)) << "kind " << kind << " at " << rate_hz << " Hz";
    }
  }
}

TEST(CApi, UnsupportedNeuralKindIsReportedNotCrashed) {
  hush_model* model = nullptr;
  const hush_status s = hush_model_create(HUSH_SUPPRESSOR_NEURAL, &model);
  if (s == HUSH_OK) {
    EXPECT_EQ(hush_model_kind(model), HUSH_SUPPRESSOR_NEURAL);
    hush_model_destroy(model);
  } else {
    EXPECT_EQ(s, HUSH_ERROR_UNSUPPORTED);
    EXPECT_EQ(model, nullptr);
  }
}

TEST(CppWrapper, ThrowsWithTheStatusOnBadConfig) {
  Model model(HUSH_SUPPRESSOR_STATISTICAL);
  hush_denoiser_config c = DefaultConfig();
  c.channels = 0;
  try {
    Denoiser d(model, c);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), HUSH_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("hush_denoiser_create"), std::string::npos);
  }
}

}  // namespace
}  // namespace hush
