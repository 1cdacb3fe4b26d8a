// SPDX-License-Identifier: MIT
// Builds weight blobs in the format of src/suppressor/neural/model_blob.h, for tests of
// the loader (valid ones with random weights, and deliberately broken ones).
#ifndef HUSH_TESTS_COMMON_MODEL_BLOB_WRITER_H
#define HUSH_TESTS_COMMON_MODEL_BLOB_WRITER_H

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "suppressor/neural/features.h"
#include "suppressor/neural/model_blob.h"

namespace hush::test {

struct BlobSpec {
  uint32_t format_version = neural::kBlobFormatVersion;
  uint32_t feature_version = neural::kFeatureVersion;
  uint32_t rate_hz = 48000;
  uint32_t hop = 480;
  uint32_t latency = 480;
  uint32_t features = neural::kNeuralFeatures;
  uint32_t bands = neural::kNeuralBands;
  uint32_t embed = 16;
  uint32_t hidden = 24;
  float weight_scale = 0.3f;
  uint32_t seed = 1;
};

inline void PutU32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void PutU64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Rewrites the payload hash after a test has edited the payload on purpose.
inline void RehashBlob(std::vector<uint8_t>& blob) {
  const uint64_t hash = neural::Fnv1a64(blob.data() + neural::kBlobHeaderBytes, blob.size() - neural::kBlobHeaderBytes);
  for (int i = 0; i < 8; ++i) blob[56 + static_cast<size_t>(i)] = static_cast<uint8_t>(hash >> (8 * i));
}

inline std::vector<uint8_t> MakeBlob(const BlobSpec& spec = {}) {
  std::mt19937 rng(spec.seed);
  std::uniform_real_distribution<float> uniform(-spec.weight_scale, spec.weight_scale);
  std::vector<uint8_t> payload;
  uint32_t tensors = 0;
  auto tensor = [&](const std::string& name, uint32_t rows, uint32_t cols, float fixed = NAN) {
    PutU32(payload, static_cast<uint32_t>(name.size()));
    payload.insert(payload.end(), name.begin(), name.end());
    PutU32(payload, rows);
    PutU32(payload, cols);
    for (uint32_t i = 0; i < rows * cols; ++i) {
      const float v = std::isnan(fixed) ? uniform(rng) : fixed;
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      PutU32(payload, bits);
    }
    ++tensors;
  };
  const uint32_t f = spec.features, e = spec.embed, h = spec.hidden, b = spec.bands;
  tensor("input_mean", 1, f, -3.0f);
  tensor("input_scale", 1, f, 0.5f);
  tensor("embed.weight", e, f);
  tensor("embed.bias", 1, e);
  for (const char* g : {"gru1", "gru2"}) {
    const uint32_t in = std::string(g) == "gru1" ? e : h;
    tensor(std::string(g) + ".weight_ih", 3 * h, in);
    tensor(std::string(g) + ".weight_hh", 3 * h, h);
    tensor(std::string(g) + ".bias_ih", 1, 3 * h);
    tensor(std::string(g) + ".bias_hh", 1, 3 * h);
  }
  tensor("gain.weight", b, e + 2 * h);
  tensor("gain.bias", 1, b);
  tensor("vad.weight", 1, h);
  tensor("vad.bias", 1, 1);

  std::vector<uint8_t> blob = {'H', 'U', 'S', 'H', 'N', 'E', 'T', '\0'};
  for (uint32_t v : {spec.format_version, spec.feature_version, spec.rate_hz, spec.hop, spec.latency, spec.features,
                     spec.bands, spec.embed, spec.hidden, tensors}) {
    PutU32(blob, v);
  }
  PutU64(blob, payload.size());
  PutU64(blob, neural::Fnv1a64(payload.data(), payload.size()));
  blob.insert(blob.end(), payload.begin(), payload.end());
  return blob;
}

}  // namespace hush::test

#endif  // HUSH_TESTS_COMMON_MODEL_BLOB_WRITER_H
