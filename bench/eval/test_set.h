// SPDX-License-Identifier: MIT
// The evaluation sets: clean speech mixed with real noise at chosen SNRs, at 48 kHz mono.
//
// held-out (the default; never used for tuning): speech from samples/clean (17 read
//   English clips: CMU ARCTIC, LJSpeech, LibriVox, VCTK, CC0 voices) and samples/pairs
//   (3 real VoiceBank+DEMAND noisy/clean pairs, used as they are); noise from the
//   blanket, berlin_noise and livekit_npm sets and samples/noise.
// dev (for tuning): speech from speech/artikulate, noise from tumult, esc10, ibm_max,
//   sc_bg and gui_project. Nothing in one set appears in the other.
#ifndef HUSH_BENCH_EVAL_TEST_SET_H
#define HUSH_BENCH_EVAL_TEST_SET_H

#include <string>
#include <vector>

namespace hush::bench {

inline constexpr int kEvalRateHz = 48000;

struct TestItem {
  std::string name;   // "ljspeech_LJ001-0001 + rain @ 5 dB"
  double snr_db = 0;  // NaN for real recorded pairs
  std::vector<float> clean;
  std::vector<float> noisy;
};

struct TestSetOptions {
  std::string data_dir;               // ../shared/data
  std::string set = "heldout";        // "heldout" or "dev"
  std::vector<double> snrs_db = {0.0, 5.0, 10.0, 15.0};
  size_t max_items = 0;               // 0 = all
  double max_seconds = 12.0;          // clips are cut to this length
};

// Throws std::runtime_error when data_dir lacks the files the set needs.
std::vector<TestItem> BuildTestSet(const TestSetOptions& options);

// Reads a file as 48 kHz mono (channels averaged; resampled with SpeexDSP quality 10).
std::vector<float> LoadMono48k(const std::string& path);

}  // namespace hush::bench

#endif  // HUSH_BENCH_EVAL_TEST_SET_H
