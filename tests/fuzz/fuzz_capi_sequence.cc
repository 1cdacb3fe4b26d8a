// SPDX-License-Identifier: MIT
// The C API's argument checking: a random configuration, then a random sequence of
// calls on one denoiser handle (blocks of random length, some longer than the maximum;
// samples including NaN, infinities and huge values; strength and gate changes with
// out-of-range values; resets; queries with NULL and short buffers). Invariants: never
// crashes; every bad argument is refused with its status (and changes nothing); output
// is always finite and within a sane bound; the reported latency never changes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "hush/hush.h"

namespace {

using hush::fuzz::Check;
using hush::fuzz::FuzzInput;

constexpr uint32_t kRatesHz[] = {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000, 7999, 192001, 0};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Models are made once (parsing the embedded 750 KB blob per input would make this
  // fuzzer a blob-hashing benchmark); each input gets its own denoiser.
  static hush_model* models[3] = {};
  static const bool made = [] {
    for (int kind = 0; kind < 3; ++kind) {
      if (hush_model_create(kind, &models[kind]) != HUSH_OK) models[kind] = nullptr;
    }
    return true;
  }();
  (void)made;
  FuzzInput in(data, size);
  const int kind = in.U8() % 4;
  if (kind == 3) {  // not a kind: refused, nothing made
    hush_model* model = nullptr;
    Check(hush_model_create(kind, &model) == HUSH_ERROR_INVALID_ARGUMENT && model == nullptr);
    return 0;
  }
  hush_model* model = models[kind];
  if (model == nullptr) return 0;  // a build without the neural model

  hush_denoiser_config config;
  hush_denoiser_config_init(&config);
  const uint8_t rate_pick = in.U8();
  config.sample_rate_hz = rate_pick < 200 ? kRatesHz[rate_pick % 14] : in.U32() % 200000;
  // Mostly mono or stereo (what devices give; each channel costs a transform per hop),
  // sometimes any count, 0 and 9 included (invalid).
  const uint8_t channel_pick = in.U8();
  config.channels = channel_pick < 200 ? 1u + channel_pick % 2 : channel_pick % 10u;
  config.max_block_frames = in.U8() < 240 ? 1 + in.U32() % 1024 : in.U32();  // sometimes huge or 0
  if (in.U8() < 32) config.atten_limit_db = in.F32();
  hush_denoiser* denoiser = nullptr;
  const hush_status created = hush_denoiser_create(model, &config, &denoiser);
  if (created != HUSH_OK) {
    Check(denoiser == nullptr);
    return 0;
  }
  uint32_t latency_frames = 0;
  Check(hush_denoiser_latency_frames(denoiser, &latency_frames) == HUSH_OK);

  const size_t channels = config.channels;
  const size_t max_frames = config.max_block_frames;
  std::vector<std::vector<float>> buffers(channels, std::vector<float>(max_frames + 64));
  std::vector<const float*> ins(channels);
  std::vector<float*> outs(channels);
  for (int op = 0; op < 32 && !in.Empty(); ++op) {
    switch (in.U8() % 8) {
      case 0:
      case 1:
      case 2: {  // process a block, sometimes too long, sometimes in place
        // Usually a small device block (<= 160 frames, so an input runs in milliseconds),
        // sometimes up to the maximum, sometimes one frame too many or more.
        const uint8_t size_pick = in.U8();
        const size_t limit = size_pick < 200 ? std::min<size_t>(max_frames, 160) : max_frames;
        const size_t frames = size_pick < 250 ? in.U32() % (limit + 1) : max_frames + 1 + in.U8();
        // Any float: NaN and infinities (treated as 0), 1e38 (limited to +-1000) ...
        const float fill = in.U8() < 16 ? in.F32() : 0.0f;
        const bool in_place = in.U8() & 1;
        uint32_t noise = in.U32();
        std::vector<std::vector<float>> out_buffers;
        for (size_t c = 0; c < channels; ++c) {
          for (size_t i = 0; i < frames && i < buffers[c].size(); ++i) {
            noise = noise * 1664525u + 1013904223u;
            buffers[c][i] = fill != 0.0f && (noise >> 28) == 0 ? fill : static_cast<float>(static_cast<int32_t>(noise)) * 4.6e-10f;
          }
          ins[c] = buffers[c].data();
          outs[c] = buffers[c].data();
        }
        if (!in_place) {
          out_buffers.assign(channels, std::vector<float>(max_frames + 64));
          for (size_t c = 0; c < channels; ++c) outs[c] = out_buffers[c].data();
        }
        const hush_status s = hush_denoiser_process(denoiser, ins.data(), outs.data(), frames);
        if (frames > max_frames) {
          Check(s == HUSH_ERROR_BLOCK_TOO_LARGE);
          break;
        }
        Check(s == HUSH_OK);
        for (size_t c = 0; c < channels; ++c) {
          // Gains never exceed 1 and the input is limited to +-1000; 2000 leaves room for
          // the resamplers' ringing at other rates.
          for (size_t i = 0; i < frames; ++i) Check(std::isfinite(outs[c][i]) && std::fabs(outs[c][i]) <= 2000.0f);
        }
        break;
      }
      case 3: {  // strength, any float
        const float db = in.F32();
        const hush_status s = hush_denoiser_set_atten_limit_db(denoiser, db);
        Check(s == HUSH_OK || s == HUSH_ERROR_INVALID_ARGUMENT);
        if (!std::isfinite(db) || db < 0.0f || db > 100.0f) Check(s == HUSH_ERROR_INVALID_ARGUMENT);
        break;
      }
      case 4: {
        const hush_status s = hush_denoiser_set_vad_gate(denoiser, in.F32(), in.F32());
        Check(s == HUSH_OK || s == HUSH_ERROR_INVALID_ARGUMENT);
        break;
      }
      case 5:
        Check(hush_denoiser_reset(denoiser) == HUSH_OK);
        break;
      case 6: {  // queries, with short or missing buffers
        float probabilities[8];
        size_t count = 0;
        const size_t capacity = in.U8() % 9;
        const hush_status s = hush_denoiser_voice_probabilities(denoiser, capacity ? probabilities : nullptr, capacity, &count);
        Check(s == HUSH_OK || s == HUSH_ERROR_INVALID_ARGUMENT);
        float p = -1.0f;
        Check(hush_denoiser_voice_probability(denoiser, &p) == HUSH_OK && p >= 0.0f && p <= 1.0f);
        Check(hush_denoiser_voice_probability(denoiser, nullptr) == HUSH_ERROR_INVALID_ARGUMENT);
        break;
      }
      default: {
        uint32_t again = 0;
        Check(hush_denoiser_latency_frames(denoiser, &again) == HUSH_OK && again == latency_frames);
        Check(hush_denoiser_process(denoiser, nullptr, outs.data(), 1) == HUSH_ERROR_INVALID_ARGUMENT);
        Check(hush_denoiser_process(nullptr, ins.data(), outs.data(), 1) == HUSH_ERROR_INVALID_ARGUMENT);
        break;
      }
    }
  }
  hush_denoiser_destroy(denoiser);
  return 0;
}
