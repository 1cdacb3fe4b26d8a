// SPDX-License-Identifier: MIT
// The extern "C" boundary: checks every argument, converts exceptions to status codes,
// and never lets one escape.
#include <hush/hush.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

#include "capi/denoiser.h"
#include "suppressor/neural/model_blob.h"
#include "suppressor/neural/neural_suppressor.h"
#include "suppressor/registry.h"

struct hush_model {
  std::shared_ptr<const hush::SuppressorFactory> factory;
};

struct hush_denoiser {
  explicit hush_denoiser(std::shared_ptr<const hush::SuppressorFactory> factory,
                         const hush_denoiser_config& config)
      : impl(std::move(factory), config) {}
  hush::Denoiser impl;
};

namespace {

constexpr uint32_t kMinRateHz = 8000;
constexpr uint32_t kMaxRateHz = 192000;
constexpr uint32_t kMaxChannels = 8;
constexpr uint32_t kMaxBlockFrames = 65536;
constexpr float kMaxAttenDb = 100.0f;
constexpr float kMaxHoldMs = 10000.0f;

// The first version of the config struct ends after vad_gate_hold_ms.
constexpr size_t kConfigSizeV1 = offsetof(hush_denoiser_config, vad_gate_hold_ms) + sizeof(float);

template <typename F>
hush_status Guard(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return HUSH_ERROR_OUT_OF_MEMORY;
  } catch (const std::invalid_argument&) {
    return HUSH_ERROR_INVALID_ARGUMENT;
  } catch (...) {
    return HUSH_ERROR_INTERNAL;
  }
}

bool InRange(float value, float low, float high) { return std::isfinite(value) && value >= low && value <= high; }

}  // namespace

extern "C" {

const char* hush_status_string(int status) {
  switch (status) {
    case HUSH_OK: return "ok";
    case HUSH_ERROR_INVALID_ARGUMENT: return "invalid argument (a NULL pointer or a value out of range)";
    case HUSH_ERROR_UNSUPPORTED: return "not supported by this build";
    case HUSH_ERROR_OUT_OF_MEMORY: return "out of memory";
    case HUSH_ERROR_BLOCK_TOO_LARGE: return "block longer than the configured max_block_frames";
    case HUSH_ERROR_CORRUPT_MODEL: return "the model data is corrupt; nothing was loaded";
    case HUSH_ERROR_MODEL_MISMATCH: return "the model data is for another version or format";
    case HUSH_ERROR_BAD_STRUCT_SIZE: return "struct_size is not one this library knows (call *_config_init)";
    case HUSH_ERROR_INTERNAL: return "internal error";
    default: return "unknown status";
  }
}

const char* hush_version_string(void) { return "0.1.0"; }

hush_status hush_model_create(int kind, hush_model** out_model) {
  if (out_model == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  *out_model = nullptr;
  if (kind != HUSH_SUPPRESSOR_DEFAULT && kind != HUSH_SUPPRESSOR_STATISTICAL && kind != HUSH_SUPPRESSOR_NEURAL) {
    return HUSH_ERROR_INVALID_ARGUMENT;
  }
  return Guard([&] {
    auto factory = hush::CreateBuiltinFactory(kind);
    if (!factory) return HUSH_ERROR_UNSUPPORTED;
    *out_model = new hush_model{std::move(factory)};
    return HUSH_OK;
  });
}

hush_status hush_model_create_from_memory(const void* bytes, size_t size_bytes, hush_model** out_model) {
  if (out_model == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  *out_model = nullptr;
  if (bytes == nullptr || size_bytes == 0) return HUSH_ERROR_INVALID_ARGUMENT;
  return Guard([&] {
    hush::neural::BlobResult parsed = hush::neural::ParseModelBlob(bytes, size_bytes);
    if (parsed.status != HUSH_OK) return parsed.status;
    *out_model = new hush_model{std::make_shared<hush::neural::NeuralSuppressorFactory>(std::move(parsed.model))};
    return HUSH_OK;
  });
}

int hush_model_kind(const hush_model* model) {
  if (model == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  return model->factory->Kind();
}

void hush_model_destroy(hush_model* model) { delete model; }

void hush_denoiser_config_init(hush_denoiser_config* config) {
  if (config == nullptr) return;
  std::memset(config, 0, sizeof(*config));
  config->struct_size = sizeof(*config);
  config->sample_rate_hz = 48000;
  config->channels = 1;
  config->max_block_frames = 4096;
  config->atten_limit_db = 30.0f;
  config->vad_gate_threshold = 0.0f;
  config->vad_gate_hold_ms = 200.0f;
}

hush_status hush_denoiser_create(const hush_model* model, const hush_denoiser_config* config,
                                 hush_denoiser** out_denoiser) {
  if (out_denoiser == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  *out_denoiser = nullptr;
  if (model == nullptr || config == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  if (config->struct_size < kConfigSizeV1 || config->struct_size > sizeof(hush_denoiser_config)) {
    return HUSH_ERROR_BAD_STRUCT_SIZE;
  }
  if (config->sample_rate_hz < kMinRateHz || config->sample_rate_hz > kMaxRateHz ||
      config->channels < 1 || config->channels > kMaxChannels || config->max_block_frames < 1 ||
      config->max_block_frames > kMaxBlockFrames || !InRange(config->atten_limit_db, 0.0f, kMaxAttenDb) ||
      !InRange(config->vad_gate_threshold, 0.0f, 1.0f) || !InRange(config->vad_gate_hold_ms, 0.0f, kMaxHoldMs)) {
    return HUSH_ERROR_INVALID_ARGUMENT;
  }
  return Guard([&] {
    *out_denoiser = new hush_denoiser(model->factory, *config);
    return HUSH_OK;
  });
}

void hush_denoiser_destroy(hush_denoiser* denoiser) { delete denoiser; }

hush_status hush_denoiser_process(hush_denoiser* denoiser, const float* const* in, float* const* out,
                                  size_t frames) {
  if (denoiser == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  if (frames == 0) return HUSH_OK;
  if (in == nullptr || out == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  return Guard([&] {
    for (int c = 0; c < denoiser->impl.Channels(); ++c) {
      if (in[c] == nullptr || out[c] == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
    }
    return denoiser->impl.Process(in, out, frames);
  });
}

hush_status hush_denoiser_latency_frames(const hush_denoiser* denoiser, uint32_t* out_latency_frames) {
  if (denoiser == nullptr || out_latency_frames == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  *out_latency_frames = denoiser->impl.LatencyFrames();
  return HUSH_OK;
}

hush_status hush_denoiser_set_atten_limit_db(hush_denoiser* denoiser, float atten_limit_db) {
  if (denoiser == nullptr || !InRange(atten_limit_db, 0.0f, kMaxAttenDb)) return HUSH_ERROR_INVALID_ARGUMENT;
  denoiser->impl.SetAttenLimitDb(atten_limit_db);
  return HUSH_OK;
}

hush_status hush_denoiser_set_vad_gate(hush_denoiser* denoiser, float threshold, float hold_ms) {
  if (denoiser == nullptr || !InRange(threshold, 0.0f, 1.0f) || !InRange(hold_ms, 0.0f, kMaxHoldMs)) {
    return HUSH_ERROR_INVALID_ARGUMENT;
  }
  denoiser->impl.SetVadGate(threshold, hold_ms);
  return HUSH_OK;
}

hush_status hush_denoiser_voice_probability(const hush_denoiser* denoiser, float* out_probability) {
  if (denoiser == nullptr || out_probability == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  *out_probability = denoiser->impl.VoiceProbability();
  return HUSH_OK;
}

hush_status hush_denoiser_voice_probabilities(const hush_denoiser* denoiser, float* probabilities,
                                              size_t capacity, size_t* out_count) {
  if (denoiser == nullptr || out_count == nullptr || (probabilities == nullptr && capacity > 0)) {
    return HUSH_ERROR_INVALID_ARGUMENT;
  }
  *out_count = denoiser->impl.VoiceProbabilities(probabilities, capacity);
  return HUSH_OK;
}

hush_status hush_denoiser_reset(hush_denoiser* denoiser) {
  if (denoiser == nullptr) return HUSH_ERROR_INVALID_ARGUMENT;
  denoiser->impl.Reset();
  return HUSH_OK;
}

}  // extern "C"
