// SPDX-License-Identifier: MIT
// hush.hpp — a header-only C++ RAII wrapper over hush.h. Adds no behaviour: every method
// forwards to the C function of the same name. Constructors throw hush::Error on failure;
// the [RT-safe] methods return the status instead of throwing, so they stay usable on an
// audio thread (compiled without exceptions, too).
#ifndef HUSH_HUSH_HPP
#define HUSH_HUSH_HPP

#include <hush/hush.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace hush {

class Error : public std::runtime_error {
 public:
  explicit Error(hush_status status, const std::string& what)
      : std::runtime_error(what + ": " + hush_status_string(status)), status_(status) {}
  hush_status status() const noexcept { return status_; }

 private:
  hush_status status_;
};

inline void ThrowIfError(hush_status status, const char* what) {
  if (status != HUSH_OK) throw Error(status, what);
}

// An immutable model, cheap to share: copies of a Model share nothing mutable, and a
// Denoiser keeps the underlying model alive on its own.
class Model {
 public:
  explicit Model(hush_suppressor_kind kind = HUSH_SUPPRESSOR_DEFAULT) {
    ThrowIfError(hush_model_create(kind, &model_), "hush_model_create");
  }
  static Model FromMemory(const void* bytes, std::size_t size_bytes) {
    hush_model* raw = nullptr;
    ThrowIfError(hush_model_create_from_memory(bytes, size_bytes, &raw),
                 "hush_model_create_from_memory");
    return Model(raw);
  }
  Model(Model&& other) noexcept : model_(std::exchange(other.model_, nullptr)) {}
  Model& operator=(Model&& other) noexcept {
    std::swap(model_, other.model_);
    return *this;
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model() { hush_model_destroy(model_); }

  hush_suppressor_kind kind() const noexcept {
    return static_cast<hush_suppressor_kind>(hush_model_kind(model_));
  }
  const hush_model* get() const noexcept { return model_; }

 private:
  explicit Model(hush_model* raw) : model_(raw) {}
  hush_model* model_ = nullptr;
};

// Defaults as hush_denoiser_config_init() sets them; change fields, then construct.
inline hush_denoiser_config DefaultConfig() {
  hush_denoiser_config config;
  hush_denoiser_config_init(&config);
  return config;
}

class Denoiser {
 public:
  Denoiser(const Model& model, const hush_denoiser_config& config) {
    ThrowIfError(hush_denoiser_create(model.get(), &config, &denoiser_), "hush_denoiser_create");
  }
  Denoiser(Denoiser&& other) noexcept : denoiser_(std::exchange(other.denoiser_, nullptr)) {}
  Denoiser& operator=(Denoiser&& other) noexcept {
    std::swap(denoiser_, other.denoiser_);
    return *this;
  }
  Denoiser(const Denoiser&) = delete;
  Denoiser& operator=(const Denoiser&) = delete;
  ~Denoiser() { hush_denoiser_destroy(denoiser_); }

  // [RT-safe]
  hush_status Process(const float* const* in, float* const* out, std::size_t frames) noexcept {
    return hush_denoiser_process(denoiser_, in, out, frames);
  }
  // [RT-safe]
  std::uint32_t LatencyFrames() const noexcept {
    std::uint32_t latency_frames = 0;
    hush_denoiser_latency_frames(denoiser_, &latency_frames);
    return latency_frames;
  }
  // [RT-safe] [lock-free], any thread
  hush_status SetAttenLimitDb(float atten_limit_db) noexcept {
    return hush_denoiser_set_atten_limit_db(denoiser_, atten_limit_db);
  }
  // [RT-safe] [lock-free], any thread
  hush_status SetVadGate(float threshold, float hold_ms) noexcept {
    return hush_denoiser_set_vad_gate(denoiser_, threshold, hold_ms);
  }
  // [RT-safe] [lock-free], any thread
  float VoiceProbability() const noexcept {
    float probability = 0.0f;
    hush_denoiser_voice_probability(denoiser_, &probability);
    return probability;
  }
  // [RT-safe]
  hush_status Reset() noexcept { return hush_denoiser_reset(denoiser_); }

  hush_denoiser* get() const noexcept { return denoiser_; }

 private:
  hush_denoiser* denoiser_ = nullptr;
};

}  // namespace hush

#endif  // HUSH_HUSH_HPP
