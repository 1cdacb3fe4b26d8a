// SPDX-License-Identifier: MIT
// The weight-blob loader behind hush_model_create_from_memory() (hush denoise --model,
// hush-eval --model: a file from anywhere). Invariants: never crashes; a blob is either
// refused whole (CORRUPT_MODEL or MODEL_MISMATCH, no model) or loads into a model that
// runs: a denoiser made from it turns finite input into finite output.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "hush/hush.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hush_model* model = reinterpret_cast<hush_model*>(uintptr_t{1});  // must be overwritten
  const hush_status status = hush_model_create_from_memory(data, size, &model);
  if (status != HUSH_OK) {
    if (model != nullptr) std::abort();
    // An empty buffer is an argument error (as documented), anything else a blob verdict.
    const bool expected = size == 0 ? status == HUSH_ERROR_INVALID_ARGUMENT
                                    : status == HUSH_ERROR_CORRUPT_MODEL || status == HUSH_ERROR_MODEL_MISMATCH;
    if (!expected) std::abort();
    return 0;
  }
  if (model == nullptr || hush_model_kind(model) != HUSH_SUPPRESSOR_NEURAL) std::abort();
  hush_denoiser_config config;
  hush_denoiser_config_init(&config);
  config.max_block_frames = 960;
  hush_denoiser* denoiser = nullptr;
  if (hush_denoiser_create(model, &config, &denoiser) != HUSH_OK) std::abort();
  std::vector<float> in(960), out(960);
  uint32_t state = 12345;
  for (int block = 0; block < 3; ++block) {
    for (float& x : in) {
      state = state * 1664525u + 1013904223u;
      x = static_cast<float>(static_cast<int32_t>(state)) * (0.3f / 2147483648.0f);
    }
    const float* ins[] = {in.data()};
    float* outs[] = {out.data()};
    if (hush_denoiser_process(denoiser, ins, outs, in.size()) != HUSH_OK) std::abort();
    for (float y : out) {
      if (!std::isfinite(y)) std::abort();
    }
  }
  hush_denoiser_destroy(denoiser);
  hush_model_destroy(model);
  return 0;
}
