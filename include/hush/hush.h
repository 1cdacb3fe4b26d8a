/* SPDX-License-Identifier: MIT */
/*
 * hush.h — the public C API of the Hush noise suppressor (the only stable ABI).
 *
 * Two objects:
 *   hush_model     immutable, shareable across threads and streams: the suppressor's
 *                  algorithm and its parameters (a trained model, or the statistical one).
 *   hush_denoiser  per-stream state: one audio stream of a fixed sample rate and channel
 *                  count. Not thread-safe except where a function says so.
 *
 * Audio is planar float in [-1, 1] (one pointer per channel). Any sample rate from
 * 8 kHz to 192 kHz and 1 to 8 channels are accepted; internally the suppressor runs at
 * 48 kHz in hops of 480 frames (10 ms) and the denoiser resamples and adapts block sizes.
 *
 * Vocabulary: a frame is one sample per channel; a block is what a caller hands to
 * hush_denoiser_process(); a hop is the suppressor's step (480 frames at 48 kHz).
 *
 * Errors: every function returns a hush_status (0 = OK, negative = error) or documents
 * what it returns instead. No function lets a C++ exception escape.
 *
 * Real-time safety: functions marked [RT-safe] never allocate, free, lock, wait or do
 * I/O, and may be called from an audio callback. Everything else must not be.
 */
#ifndef HUSH_HUSH_H
#define HUSH_HUSH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(HUSH_BUILDING_SHARED)
#define HUSH_API __declspec(dllexport)
#elif defined(__GNUC__)
#define HUSH_API __attribute__((visibility("default")))
#else
#define HUSH_API
#endif

#define HUSH_VERSION_MAJOR 0
#define HUSH_VERSION_MINOR 1
#define HUSH_VERSION_PATCH 0

/* Status codes: 0 = OK, errors are negative. */
typedef enum hush_status {
  HUSH_OK = 0,
  HUSH_ERROR_INVALID_ARGUMENT = -1, /* a NULL pointer, a value out of range */
  HUSH_ERROR_UNSUPPORTED = -2,      /* a valid request this build cannot serve */
  HUSH_ERROR_OUT_OF_MEMORY = -3,
  HUSH_ERROR_BLOCK_TOO_LARGE = -4,  /* process() called with more than max_block_frames */
  HUSH_ERROR_CORRUPT_MODEL = -5,    /* a weight blob failed its checks; nothing was loaded */
  HUSH_ERROR_MODEL_MISMATCH = -6,   /* a blob for another feature version, hop or rate */
  HUSH_ERROR_BAD_STRUCT_SIZE = -7,  /* config.struct_size is not one this library knows */
  HUSH_ERROR_INTERNAL = -8          /* a bug: an unexpected exception was caught */
} hush_status;

/* A static, human-readable English description of a status code. Never NULL; unknown
 * codes give "unknown status". [RT-safe] [thread-safe] */
HUSH_API const char* hush_status_string(int status);

/* The library's version as "major.minor.patch". [RT-safe] [thread-safe] */
HUSH_API const char* hush_version_string(void);

/* ---- Models ------------------------------------------------------------------------ */

typedef struct hush_model hush_model;

typedef enum hush_suppressor_kind {
  HUSH_SUPPRESSOR_DEFAULT = 0,     /* the best suppressor this build has, by the held-out
                                      evaluation (docs/NEURAL.md: still the statistical one) */
  HUSH_SUPPRESSOR_STATISTICAL = 1, /* OM-LSA gain with IMCRA noise tracking; needs no training */
  HUSH_SUPPRESSOR_NEURAL = 2       /* the trained model embedded in the library
                                      (HUSH_ERROR_UNSUPPORTED in a build without one) */
} hush_suppressor_kind;

/* Creates a model built into the library. `kind` is a hush_suppressor_kind (an int, so
 * any value a caller passes is checked, not assumed valid). On success *out_model owns a
 * reference that hush_model_destroy() releases. Not RT-safe. Thread-safe. */
HUSH_API hush_status hush_model_create(int kind, hush_model** out_model);

/* Creates a neural model from a weight blob in memory (a .hnn file written by
 * training/export.py; parsed and copied, the caller keeps `bytes`). A blob that fails
 * any check is refused whole and *out_model is left NULL: HUSH_ERROR_CORRUPT_MODEL for a
 * damaged or truncated blob (bad magic, size, hash, tensor shape, non-finite weight),
 * HUSH_ERROR_MODEL_MISMATCH for a blob made for another format version, feature set,
 * sample rate, hop or latency. Not RT-safe. Thread-safe. */
HUSH_API hush_status hush_model_create_from_memory(const void* bytes, size_t size_bytes,
                                                   hush_model** out_model);

/* The suppressor kind a model runs (never HUSH_SUPPRESSOR_DEFAULT), or
 * HUSH_ERROR_INVALID_ARGUMENT for NULL. [RT-safe] [thread-safe] */
HUSH_API int hush_model_kind(const hush_model* model);

/* Releases the caller's reference. Denoisers created from the model keep their own
 * reference, so a model may be destroyed while its denoisers live. NULL is a no-op.
 * Not RT-safe. */
HUSH_API void hush_model_destroy(hush_model* model);

/* ---- Denoisers --------------------------------------------------------------------- */

typedef struct hush_denoiser hush_denoiser;

/* Configuration of a denoiser. Always initialise with hush_denoiser_config_init(), then
 * change fields: struct_size lets the struct grow without breaking old callers. */
typedef struct hush_denoiser_config {
  size_t struct_size;          /* sizeof(hush_denoiser_config), set by config_init */
  uint32_t sample_rate_hz;     /* 8000..192000; default 48000 */
  uint32_t channels;           /* 1..8; default 1. Channels share one gain (keeps the image) */
  uint32_t max_block_frames;   /* 1..65536 frames per process() call; default 4096 */
  float atten_limit_db;        /* strength: 0 = bypass .. 100; default 30 */
  float vad_gate_threshold;    /* voice-activity gate: 0 = off, else 0..1; default 0 */
  float vad_gate_hold_ms;      /* gate stays open this long after voice ends; default 200 */
} hush_denoiser_config;

/* Fills `config` with the defaults above. NULL is a no-op. [RT-safe] */
HUSH_API void hush_denoiser_config_init(hush_denoiser_config* config);

/* Creates a denoiser; all memory it will ever use is allocated here. On success
 * *out_denoiser must be released with hush_denoiser_destroy(). Not RT-safe. */
HUSH_API hush_status hush_denoiser_create(const hush_model* model,
                                          const hush_denoiser_config* config,
                                          hush_denoiser** out_denoiser);

/* NULL is a no-op. Not RT-safe. Must not run concurrently with any other call on it. */
HUSH_API void hush_denoiser_destroy(hush_denoiser* denoiser);

/* Denoises `frames` frames (0..max_block_frames) of planar float audio: in[c] and out[c]
 * point to `frames` samples of channel c. out may alias in (whole buffers, in place).
 * Output lags input by hush_denoiser_latency_frames(); the first latency frames after
 * create/reset are silence. Non-finite input samples are treated as 0, and finite ones
 * are limited to +-1000 (60 dB over full scale), so the output is always finite.
 * [RT-safe] Call from one thread at a time. */
HUSH_API hush_status hush_denoiser_process(hush_denoiser* denoiser, const float* const* in,
                                           float* const* out, size_t frames);

/* Total delay from input to output in frames at the stream's rate: the suppressor's
 * algorithmic delay (480 frames at 48 kHz), block adaptation (one hop, so any block
 * size works) and any resampling. Constant for the denoiser's life. [RT-safe] */
HUSH_API hush_status hush_denoiser_latency_frames(const hush_denoiser* denoiser,
                                                  uint32_t* out_latency_frames);

/* Strength as an attenuation limit in dB: 0 = bypass (output = delayed input),
 * 100 = effectively unlimited. Takes effect at the next hop.
 * [RT-safe] [lock-free] may be called from any thread while process() runs. */
HUSH_API hush_status hush_denoiser_set_atten_limit_db(hush_denoiser* denoiser,
                                                      float atten_limit_db);

/* Voice-activity gate: when the voice probability stays below `threshold` for longer
 * than `hold_ms`, the output fades to the attenuation limit; threshold 0 turns it off.
 * threshold in [0, 1], hold_ms in [0, 10000]. Takes effect at the next hop.
 * [RT-safe] [lock-free] may be called from any thread while process() runs. */
HUSH_API hush_status hush_denoiser_set_vad_gate(hush_denoiser* denoiser, float threshold,
                                                float hold_ms);

/* Voice-activity probability (0..1) of the most recent hop.
 * [RT-safe] [lock-free] may be called from any thread. */
HUSH_API hush_status hush_denoiser_voice_probability(const hush_denoiser* denoiser,
                                                     float* out_probability);

/* Voice-activity probability of every hop completed by the last process() call, oldest
 * first: copies min(count, capacity) values into `probabilities` and sets *out_count
 * to the number of hops that call completed. [RT-safe] Same thread as process(). */
HUSH_API hush_status hush_denoiser_voice_probabilities(const hush_denoiser* denoiser,
                                                       float* probabilities, size_t capacity,
                                                       size_t* out_count);

/* Forgets all audio history (as if just created); settings are kept.
 * [RT-safe] Same thread as process(). */
HUSH_API hush_status hush_denoiser_reset(hush_denoiser* denoiser);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HUSH_HUSH_H */
