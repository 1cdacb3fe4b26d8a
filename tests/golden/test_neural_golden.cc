// SPDX-License-Identifier: MIT
// The C++ runtime against PyTorch: tests/golden/data/neural_golden.bin holds a noisy
// mixture, the features the training pipeline computed for it (through the runtime's
// own C++ via ctypes) and the gains and voice probabilities PyTorch computed from them
// with the exported model. Written by training/export.py together with the blob.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "suppressor/neural/features.h"
#include "suppressor/neural/model_blob.h"
#include "suppressor/neural/neural_suppressor.h"

namespace hush {
namespace {

struct Golden {
  uint32_t hops = 0, features = 0, bands = 0;
  uint64_t model_hash = 0;
  std::vector<float> audio, feature_values, gains, vad;
};

// HUSH_GOLDEN_FILE / HUSH_GOLDEN_BLOB: check another export (the training smoke test
// exports a freshly trained model and runs this test on it).
std::filesystem::path GoldenPath() {
  if (const char* path = std::getenv("HUSH_GOLDEN_FILE")) return path;
  const std::filesystem::path dir(HUSH_TEST_DATA_DIR);
  // HUSH_TEST_DATA_DIR is tests/data (shared by the folders); the file lives in golden/data.
  return dir.parent_path() / "golden" / "data" / "neural_golden.bin";
}

bool Load(Golden& g) {
  std::ifstream file(GoldenPath(), std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() < 28 || std::memcmp(bytes.data(), "HUSHGLD\0", 8) != 0) return false;
  std::memcpy(&g.hops, bytes.data() + 8, 4);
  std::memcpy(&g.features, bytes.data() + 12, 4);
  std::memcpy(&g.bands, bytes.data() + 16, 4);
  std::memcpy(&g.model_hash, bytes.data() + 20, 8);
  const size_t samples = static_cast<size_t>(g.hops) * kHopFrames;
  const size_t expected = 28 + samples * 2 + 4 * static_cast<size_t>(g.hops) * (g.features + g.bands + 1);
  if (bytes.size() != expected) return false;
  const char* p = bytes.data() + 28;
  g.audio.resize(samples);
  for (size_t i = 0; i < samples; ++i, p += 2) {
    int16_t s;
    std::memcpy(&s, p, 2);
    g.audio[i] = static_cast<float>(s) / 32768.0f;
  }
  auto floats = [&](std::vector<float>& out, size_t n) {
    out.resize(n);
    std::memcpy(out.data(), p, n * 4);
    p += n * 4;
  };
  floats(g.feature_values, static_cast<size_t>(g.hops) * g.features);
  floats(g.gains, static_cast<size_t>(g.hops) * g.bands);
  floats(g.vad, g.hops);
  return true;
}

std::shared_ptr<const neural::NeuralModel> ModelUnderTest() {
  const char* path = std::getenv("HUSH_GOLDEN_BLOB");
  if (path == nullptr) return neural::EmbeddedModel();
  std::ifstream file(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto result = neural::ParseModelBlob(bytes.data(), bytes.size());
  EXPECT_EQ(result.status, HUSH_OK) << path << ": " << result.error;
  return result.model;
}

TEST(NeuralGolden, RuntimeMatchesPyTorchForTheEmbeddedModel) {
  const auto model = ModelUnderTest();
  ASSERT_NE(model, nullptr) << "no model: this build embeds none (models/hush-default.hnn), or HUSH_GOLDEN_BLOB failed";
  Golden g;
  ASSERT_TRUE(Load(g)) << "cannot read " << GoldenPath();
  ASSERT_EQ(g.model_hash, model->hash)
      << "the golden vectors belong to another model: re-run training/export.py, which writes both";
  ASSERT_EQ(g.features, static_cast<uint32_t>(neural::kNeuralFeatures));
  ASSERT_EQ(g.bands, static_cast<uint32_t>(neural::kNeuralBands));

  for (const char* name : {"scalar", "sse2", "avx2", "neon"}) {
    const nn::KernelTable* kernels = nn::KernelsByName(name);
    if (kernels == nullptr) continue;
    SCOPED_TRACE(name);
    neural::NeuralSuppressor suppressor(model, 1, kernels);
    std::vector<float> out(kHopFrames);
    double worst_feature = 0.0, worst_gain = 0.0, worst_vad = 0.0;
    for (uint32_t h = 0; h < g.hops; ++h) {
      const float* in = g.audio.data() + static_cast<size_t>(h) * kHopFrames;
      float* o = out.data();
      const float vad = suppressor.ProcessHop(&in, &o);
      for (uint32_t i = 0; i < g.features; ++i) {
        worst_feature = std::max(worst_feature, static_cast<double>(std::abs(suppressor.LastFeatures()[i] - g.feature_values[h * g.features + i])));
      }
      for (uint32_t b = 0; b < g.bands; ++b) {
        worst_gain = std::max(worst_gain, static_cast<double>(std::abs(suppressor.LastNetworkGains()[b] - g.gains[h * g.bands + b])));
      }
      worst_vad = std::max(worst_vad, static_cast<double>(std::abs(vad - g.vad[h])));
    }
    // Features: the same C++ code produced the stored values, so only compiler flags
    // (sanitizer builds) can move them, by float rounding of log10 values (< 1e-5).
    EXPECT_LT(worst_feature, 1e-5) << "features differ from the training pipeline's";
    // Gains and voice probability: PyTorch sums products in another order and uses an
    // exact exp() (ours is within 2e-7); measured differences are ~2e-7 over 150 hops.
    // 1e-5 leaves 50x room for other compilers and still catches any real error (a
    // swapped gate or a transposed matrix moves gains by more than 1e-2).
    EXPECT_LT(worst_gain, 1e-5) << "band gains differ from PyTorch";
    EXPECT_LT(worst_vad, 1e-5) << "voice probability differs from PyTorch";
    std::printf("[ %s ] max |diff| vs PyTorch over %u hops: features %.2e, gains %.2e, vad %.2e\n", name, g.hops,
                worst_feature, worst_gain, worst_vad);
  }
}

}  // namespace
}  // namespace hush
