/* SPDX-License-Identifier: MIT */
/* The public header compiled as C (C99) against the shared library: what a C host or a
 * plugin sees. Exits non-zero on any failure. */
#include <hush/hush.h>

#include <math.h>
#include <stdio.h>

#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) {                                               \
      fprintf(stderr, "c_smoke: failed: %s (line %d)\n", #cond, __LINE__); \
      return 1;                                                  \
    }                                                            \
  } while (0)

int main(void) {
  hush_model* model = NULL;
  hush_denoiser* denoiser = NULL;
  hush_denoiser_config config;
  float left[441], right[441];
  float* out[2];
  const float* in[2];
  uint32_t latency = 0;
  int block, i;

  CHECK(hush_model_create(HUSH_SUPPRESSOR_DEFAULT, &model) == HUSH_OK);
  hush_denoiser_config_init(&config);
  config.sample_rate_hz = 44100;
  config.channels = 2;
  CHECK(hush_denoiser_create(model, &config, &denoiser) == HUSH_OK);
  CHECK(hush_denoiser_latency_frames(denoiser, &latency) == HUSH_OK && latency > 0);
  in[0] = left;
  in[1] = right;
  out[0] = left;
  out[1] = right;
  for (block = 0; block < 200; ++block) {
    for (i = 0; i < 441; ++i) left[i] = right[i] = 0.1f * (float)sin(0.05 * (block * 441 + i));
    CHECK(hush_denoiser_process(denoiser, in, out, 441) == HUSH_OK);
  }
  for (i = 0; i < 441; ++i) CHECK(isfinite(left[i]) && isfinite(right[i]));
  CHECK(hush_denoiser_process(denoiser, in, out, 1000000) == HUSH_ERROR_BLOCK_TOO_LARGE);
  CHECK(hush_status_string(HUSH_ERROR_BLOCK_TOO_LARGE)[0] != '\0');
  hush_denoiser_destroy(denoiser);
  hush_model_destroy(model);
  printf("c_smoke: ok (latency %u frames)\n", (unsigned)latency);
  return 0;
}
