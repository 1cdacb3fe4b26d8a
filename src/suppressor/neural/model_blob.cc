// SPDX-License-Identifier: MIT
#include "suppressor/neural/model_blob.h"

#include <cmath>
#include <cstring>
#include <string_view>

#include "suppressor/neural/features.h"
#include "suppressor/suppressor.h"

namespace hush::neural {

namespace {

constexpr char kMagic[8] = {'H', 'U', 'S', 'H', 'N', 'E', 'T', '\0'};

// A bounds-checked little-endian reader: every read says whether it fitted.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool U32(uint32_t* v) { return Bytes(v, 4); }
  bool U64(uint64_t* v) { return Bytes(v, 8); }
  bool Bytes(void* out, size_t n) {
    if (n > size_ - pos_) return false;
    std::memcpy(out, data_ + pos_, n);  // the host is little-endian (x86-64, aarch64)
    pos_ += n;
    return true;
  }
  size_t Remaining() const { return size_ - pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

BlobResult Fail(hush_status status, std::string error) {
  BlobResult result;
  result.status = status;
  result.error = std::move(error);
  return result;
}

// Reads the next tensor, which must be called `name` with shape rows x cols, into
// `out` in row-major order. Returns an error message, empty on success.
std::string ReadTensor(Reader& reader, std::string_view name, uint32_t rows, uint32_t cols,
                       std::vector<float>& out) {
  uint32_t name_length = 0;
  if (!reader.U32(&name_length) || name_length > 64 || name_length > reader.Remaining()) {
    return "truncated tensor header before " + std::string(name);
  }
  std::string got(name_length, '\0');
  reader.Bytes(got.data(), name_length);
  if (got != name) return "expected tensor " + std::string(name) + ", found " + got;
  uint32_t r = 0, c = 0;
  if (!reader.U32(&r) || !reader.U32(&c)) return "truncated shape of " + got;
  if (r != rows || c != cols) {
    return "tensor " + got + " is " + std::to_string(r) + "x" + std::to_string(c) +
           ", expected " + std::to_string(rows) + "x" + std::to_string(cols);
  }
  const size_t count = static_cast<size_t>(rows) * cols;
  if (count > reader.Remaining() / sizeof(float)) return "truncated data of " + got;
  out.resize(count);
  reader.Bytes(out.data(), count * sizeof(float));
  for (float v : out) {
    if (!std::isfinite(v)) return "tensor " + got + " holds a non-finite value";
  }
  return {};
}

// PyTorch's [out][in] -> the kernels' input-major [in][out].
std::vector<float> Transpose(const std::vector<float>& rows_major, uint32_t outputs, uint32_t inputs) {
  std::vector<float> t(rows_major.size());
  for (uint32_t o = 0; o < outputs; ++o) {
    for (uint32_t i = 0; i < inputs; ++i) t[static_cast<size_t>(i) * outputs + o] = rows_major[static_cast<size_t>(o) * inputs + i];
  }
  return t;
}

std::string ReadDense(Reader& reader, const std::string& prefix, uint32_t inputs, uint32_t outputs,
                      DenseWeights& layer) {
  std::vector<float> weight;
  if (auto e = ReadTensor(reader, prefix + ".weight", outputs, inputs, weight); !e.empty()) return e;
  if (auto e = ReadTensor(reader, prefix + ".bias", 1, outputs, layer.bias); !e.empty()) return e;
  layer.inputs = static_cast<int>(inputs);
  layer.outputs = static_cast<int>(outputs);
  layer.weight = Transpose(weight, outputs, inputs);
  return {};
}

std::string ReadGru(Reader& reader, const std::string& prefix, uint32_t inputs, uint32_t hidden,
                    GruWeights& layer) {
  std::vector<float> wih, whh;
  if (auto e = ReadTensor(reader, prefix + ".weight_ih", 3 * hidden, inputs, wih); !e.empty()) return e;
  if (auto e = ReadTensor(reader, prefix + ".weight_hh", 3 * hidden, hidden, whh); !e.empty()) return e;
  if (auto e = ReadTensor(reader, prefix + ".bias_ih", 1, 3 * hidden, layer.input_bias); !e.empty()) return e;
  if (auto e = ReadTensor(reader, prefix + ".bias_hh", 1, 3 * hidden, layer.recurrent_bias); !e.empty()) return e;
  layer.inputs = static_cast<int>(inputs);
  layer.hidden = static_cast<int>(hidden);
  layer.input_weight = Transpose(wih, 3 * hidden, inputs);
  layer.recurrent_weight = Transpose(whh, 3 * hidden, hidden);
  return {};
}

}  // namespace

uint64_t Fnv1a64(const uint8_t* data, size_t size) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

BlobResult ParseModelBlob(const void* bytes, size_t size_bytes) {
  if (bytes == nullptr || size_bytes < kBlobHeaderBytes) {
    return Fail(HUSH_ERROR_CORRUPT_MODEL, "shorter than the 64-byte header");
  }
  const auto* data = static_cast<const uint8_t*>(bytes);
  if (std::memcmp(data, kMagic, sizeof kMagic) != 0) {
    return Fail(HUSH_ERROR_CORRUPT_MODEL, "not a Hush model (bad magic)");
  }
  Reader header(data + 8, kBlobHeaderBytes - 8);
  uint32_t version, feature_version, rate, hop, latency, features, bands, embed, hidden, tensors;
  uint64_t payload_bytes, hash;
  header.U32(&version);
  header.U32(&feature_version);
  header.U32(&rate);
  header.U32(&hop);
  header.U32(&latency);
  header.U32(&features);
  header.U32(&bands);
  header.U32(&embed);
  header.U32(&hidden);
  header.U32(&tensors);
  header.U64(&payload_bytes);
  header.U64(&hash);
  if (version != kBlobFormatVersion) {
    return Fail(HUSH_ERROR_MODEL_MISMATCH, "blob format version " + std::to_string(version) +
                                               ", this library reads " + std::to_string(kBlobFormatVersion));
  }
  if (payload_bytes != size_bytes - kBlobHeaderBytes) {
    return Fail(HUSH_ERROR_CORRUPT_MODEL, "payload size " + std::to_string(payload_bytes) + " but " +
                                              std::to_string(size_bytes - kBlobHeaderBytes) + " bytes follow the header");
  }
  if (Fnv1a64(data + kBlobHeaderBytes, size_bytes - kBlobHeaderBytes) != hash) {
    return Fail(HUSH_ERROR_CORRUPT_MODEL, "payload hash mismatch (damaged file)");
  }
  if (feature_version != static_cast<uint32_t>(kFeatureVersion) || rate != static_cast<uint32_t>(kSuppressorRateHz) ||
      hop != static_cast<uint32_t>(kHopFrames) || features != static_cast<uint32_t>(kNeuralFeatures) ||
      bands != static_cast<uint32_t>(kNeuralBands)) {
    return Fail(HUSH_ERROR_MODEL_MISMATCH,
                "model made for feature version " + std::to_string(feature_version) + ", " + std::to_string(rate) +
                    " Hz, hop " + std::to_string(hop) + ", " + std::to_string(features) + " features, " +
                    std::to_string(bands) + " bands; this library computes feature version " +
                    std::to_string(kFeatureVersion) + ", 48000 Hz, hop 480, " + std::to_string(kNeuralFeatures) +
                    " features, " + std::to_string(kNeuralBands) + " bands");
  }
  if (latency > static_cast<uint32_t>(kHopFrames)) {
    return Fail(HUSH_ERROR_MODEL_MISMATCH, "model latency " + std::to_string(latency) + " frames exceeds one hop");
  }
  if (embed == 0 || hidden == 0 || embed > kMaxLayerSize || hidden > kMaxLayerSize || tensors != 16) {
    return Fail(HUSH_ERROR_CORRUPT_MODEL, "layer sizes or tensor count out of range");
  }

  auto model = std::make_shared<NeuralModel>();
  model->features = features;
  model->bands = bands;
  model->embed = embed;
  model->hidden = hidden;
  model->latency_frames = latency;
  model->hash = hash;
  Reader reader(data + kBlobHeaderBytes, size_bytes - kBlobHeaderBytes);
  std::string error;
  if (error.empty()) error = ReadTensor(reader, "input_mean", 1, features, model->input_mean);
  if (error.empty()) error = ReadTensor(reader, "input_scale", 1, features, model->input_scale);
  if (error.empty()) error = ReadDense(reader, "embed", features, embed, model->embed_layer);
  if (error.empty()) error = ReadGru(reader, "gru1", embed, hidden, model->gru1);
  if (error.empty()) error = ReadGru(reader, "gru2", hidden, hidden, model->gru2);
  if (error.empty()) error = ReadDense(reader, "gain", embed + 2 * hidden, bands, model->gain_layer);
  if (error.empty()) error = ReadDense(reader, "vad", hidden, 1, model->vad_layer);
  if (error.empty() && reader.Remaining() != 0) error = "trailing bytes after the last tensor";
  if (!error.empty()) return Fail(HUSH_ERROR_CORRUPT_MODEL, error);
  BlobResult result;
  result.model = std::move(model);
  return result;
}

}  // namespace hush::neural
