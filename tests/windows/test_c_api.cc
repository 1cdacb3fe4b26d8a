// SPDX-License-Identifier: MIT
// The C API on Windows: model and denoiser round trip, at 48 kHz (no resampling) and
// 44.1 kHz (the portable resampler on both sides of the suppressor).
#include <hush/hush.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "win_test.h"

namespace {

std::vector<float> WhiteNoise(size_t frames, float amplitude, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-amplitude, amplitude);
  std::vector<float> x(frames);
  for (float& v : x) v = uniform(rng);
  return x;
}

double Energy(const std::vector<float>& x, size_t begin, size_t end) {
  double sum = 0.0;
  for (size_t i = begin; i < end; ++i) sum += static_cast<double>(x[i]) * x[i];
  return sum;
}

// Runs `x` through a fresh denoiser in blocks of `block` frames; returns the output.
std::vector<float> Run(int kind, uint32_t rate_hz, float atten_limit_db, const std::vector<float>& x, size_t block,
                       uint32_t* latency_frames) {
  hush_model* model = nullptr;
  if (hush_model_create(kind, &model) != HUSH_OK) return {};
  hush_denoiser_config config;
  hush_denoiser_config_init(&config);
  config.sample_rate_hz = rate_hz;
  config.channels = 1;
  config.max_block_frames = static_cast<uint32_t>(block);
  config.atten_limit_db = atten_limit_db;
  hush_denoiser* denoiser = nullptr;
  const hush_status created = hush_denoiser_create(model, &config, &denoiser);
  hush_model_destroy(model);  // the denoiser keeps its own reference
  if (created != HUSH_OK) return {};
  if (hush_denoiser_latency_frames(denoiser, latency_frames) != HUSH_OK) *latency_frames = UINT32_MAX;
  std::vector<float> y(x.size(), 0.0f);
  for (size_t pos = 0; pos < x.size(); pos += block) {
    const size_t n = std::min(block, x.size() - pos);
    const float* in = x.data() + pos;
    float* out = y.data() + pos;
    if (hush_denoiser_process(denoiser, &in, &out, n) != HUSH_OK) {
      y.clear();
      break;
    }
  }
  hush_denoiser_destroy(denoiser);
  return y;
}

}  // namespace

HUSH_TEST(CApiStatisticalAttenuatesNoise) {
  // Stationary white noise is exactly what the noise tracker learns: after 2 s the
  // default 30 dB limit must take at least 10 dB off (Linux measures about 25 dB).
  for (uint32_t rate : {48000u, 44100u}) {
    const std::vector<float> x = WhiteNoise(4 * rate, 0.1f, 7);
    uint32_t latency = 0;
    const std::vector<float> y = Run(HUSH_SUPPRESSOR_STATISTICAL, rate, 30.0f, x, 480, &latency);
    HUSH_REQUIRE(y.size() == x.size());
    bool finite = true;
    for (float v : y) finite = finite && std::isfinite(v);
    HUSH_CHECK(finite);
    const double in_db = 10.0 * std::log10(Energy(x, 2 * rate, 4 * rate));
    const double out_db = 10.0 * std::log10(Energy(y, 2 * rate, 4 * rate) + 1e-30);
    std::printf("  %u Hz: latency %u frames, noise attenuated by %.1f dB\n", rate, latency, in_db - out_db);
    HUSH_CHECK_LE(out_db, in_db - 10.0);
    // 480 frames of suppressor delay + one hop of block adaptation at 48 kHz; at 44.1 kHz
    // the resamplers add theirs. Bounded so a wrong report is caught either way.
    if (rate == 48000) HUSH_CHECK(latency == 959u);
    HUSH_CHECK(latency >= 900u && latency <= 1400u);
  }
}

HUSH_TEST(CApiBypassIsTheInputDelayedByTheReportedLatency) {
  // Strength 0: output = input delayed by the reported latency, exactly at 48 kHz, and
  // through the two resamplers at 44.1 kHz (a 1 kHz tone: residual below -60 dB, the
  // resamplers' passband ripple and stop band being far below that).
  for (uint32_t rate : {48000u, 44100u}) {
    std::vector<float> x(2 * rate);
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = 0.5f * static_cast<float>(std::sin(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(i) / rate));
    }
    uint32_t latency = 0;
    const std::vector<float> y = Run(HUSH_SUPPRESSOR_STATISTICAL, rate, 0.0f, x, 256, &latency);
    HUSH_REQUIRE(y.size() == x.size());
    HUSH_REQUIRE(latency < rate);
    double error = 0.0, signal = 0.0;
    for (size_t i = rate / 2; i < x.size(); ++i) {
      const double d = static_cast<double>(y[i]) - x[i - latency];
      error += d * d;
      signal += static_cast<double>(x[i - latency]) * x[i - latency];
    }
    const double snr_db = 10.0 * std::log10(signal / (error + 1e-30));
    std::printf("  %u Hz: bypass matches the input delayed by %u frames at %.1f dB SNR\n", rate, latency, snr_db);
    HUSH_CHECK(snr_db > (rate == 48000 ? 100.0 : 60.0));
  }
}

HUSH_TEST(CApiNeuralModelRunsWhenEmbedded) {
  // The default model is embedded with .incbin into .rdata (PE/COFF); a broken section
  // directive would give garbage that the blob parser refuses.
  hush_model* model = nullptr;
  const hush_status status = hush_model_create(HUSH_SUPPRESSOR_NEURAL, &model);
  HUSH_REQUIRE(status == HUSH_OK);
  HUSH_CHECK(hush_model_kind(model) == HUSH_SUPPRESSOR_NEURAL);
  hush_model_destroy(model);
  const std::vector<float> x = WhiteNoise(2 * 48000, 0.1f, 9);
  uint32_t latency = 0;
  const std::vector<float> y = Run(HUSH_SUPPRESSOR_NEURAL, 48000, 30.0f, x, 480, &latency);
  HUSH_REQUIRE(y.size() == x.size());
  bool finite = true;
  for (float v : y) finite = finite && std::isfinite(v);
  HUSH_CHECK(finite);
  const double in_db = 10.0 * std::log10(Energy(x, 48000, 96000));
  const double out_db = 10.0 * std::log10(Energy(y, 48000, 96000) + 1e-30);
  std::printf("  neural: noise attenuated by %.1f dB\n", in_db - out_db);
  HUSH_CHECK_LE(out_db, in_db - 6.0);
}

HUSH_TEST(CApiRejectsBadArguments) {
  hush_model* model = nullptr;
  HUSH_CHECK(hush_model_create(12345, &model) != HUSH_OK);
  HUSH_CHECK(model == nullptr);
  HUSH_REQUIRE(hush_model_create(HUSH_SUPPRESSOR_STATISTICAL, &model) == HUSH_OK);
  hush_denoiser_config config;
  hush_denoiser_config_init(&config);
  config.sample_rate_hz = 7999;
  hush_denoiser* denoiser = nullptr;
  HUSH_CHECK(hush_denoiser_create(model, &config, &denoiser) != HUSH_OK);
  HUSH_CHECK(denoiser == nullptr);
  hush_model_destroy(model);
  const char* version = hush_version_string();
  HUSH_CHECK(version != nullptr && version[0] != '\0');
}
