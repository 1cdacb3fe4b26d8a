// SPDX-License-Identifier: MIT
// Helper of pipewire_filter_chain_test.sh:
//   fc_compare make-input OUT.wav            6 s of 48 kHz stereo float: tone bursts in noise
//   fc_compare exact INPUT.wav RECORDED.wav  the recording holds the input (to 1e-6)
//   fc_compare denoised INPUT.wav REF.wav RECORDED.wav
//       the recording is Hush's output: after alignment, every second after the first
//       two agrees with `hush denoise` (REF) to 10 dB SI-SDR or better, at least 6 dB
//       closer than the unprocessed input is.
// Exit 0 = pass, 1 = fail (with the numbers), 2 = usage.
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "backends/file/sound_file.h"
#include "common/test_signals.h"
#include "eval/sisdr.h"

namespace {

using hush::SoundFileReader;

std::vector<float> ReadLeft(const std::string& path) {
  SoundFileReader reader(path);
  std::vector<std::vector<float>> planar(static_cast<size_t>(reader.Format().channels), std::vector<float>(4096));
  std::vector<float> all;
  while (const size_t got = reader.ReadPlanar(planar, 4096)) all.insert(all.end(), planar[0].begin(), planar[0].begin() + static_cast<long>(got));
  return all;
}

// Where `part` starts inside `whole` (the recording began before the playback).
long FindOffset(const std::vector<float>& whole, const std::vector<float>& part) {
  // Coarse: the first sample above a threshold, then the best of +-2000 by correlation.
  long first_whole = 0, first_part = 0;
  while (first_whole < static_cast<long>(whole.size()) && std::abs(whole[static_cast<size_t>(first_whole)]) < 0.05f) ++first_whole;
  while (first_part < static_cast<long>(part.size()) && std::abs(part[static_cast<size_t>(first_part)]) < 0.05f) ++first_part;
  const long guess = first_whole - first_part;
  long best = guess;
  double best_score = -1e300;
  for (long lag = guess - 2000; lag <= guess + 2000; ++lag) {
    double score = 0.0;
    for (size_t i = 0; i < part.size(); i += 3) {
      const long j = lag + static_cast<long>(i);
      if (j >= 0 && j < static_cast<long>(whole.size())) score += static_cast<double>(whole[static_cast<size_t>(j)]) * part[i];
    }
    if (score > best_score) {
      best_score = score;
      best = lag;
    }
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "make-input" && argc == 3) {
    const size_t frames = 48000 * 6;
    std::vector<std::vector<float>> x;
    for (int c = 0; c < 2; ++c) {
      std::vector<float> s = hush::test::SpeechLike(frames, 48000, 0.4f, static_cast<uint64_t>(1 + c));
      const auto n = hush::test::WhiteNoise(frames, 0.06f, static_cast<uint64_t>(5 + c));
      for (size_t i = 0; i < frames; ++i) s[i] += n[i];
      x.push_back(std::move(s));
    }
    hush::SoundFileWriter writer(argv[2], hush::SoundFormat{48000, 2, 0, SF_FORMAT_WAV | SF_FORMAT_FLOAT});
    writer.WritePlanar(x, frames);
    writer.Close();
    return 0;
  }
  if (mode == "exact" && argc == 4) {
    const auto in = ReadLeft(argv[2]), rec = ReadLeft(argv[3]);
    const long offset = FindOffset(rec, in);
    const auto got = hush::test::Slice(rec, offset, in.size());
    // pw-cat drops the last partial quantum of the file: the final 0.2 s is not compared.
    float worst = 0.0f;
    for (size_t i = 0; i + 9600 < in.size(); ++i) worst = std::max(worst, std::abs(got[i] - in[i]));
    std::printf("exact: input found at %ld, max |difference| %g\n", offset, static_cast<double>(worst));
    return worst <= 1e-6f ? 0 : 1;
  }
  if (mode == "denoised" && argc == 5) {
    const auto in = ReadLeft(argv[2]), ref = ReadLeft(argv[3]), rec = ReadLeft(argv[4]);
    const long offset = FindOffset(rec, ref);
    const auto got = hush::test::Slice(rec, offset, ref.size());
    bool ok = true;
    for (size_t s = 2 * 48000; s + 48000 + 9600 <= ref.size(); s += 48000) {
      // The suppressor's state depends on when the stream started: the filter-chain ran
      // on digital silence before the playback, and the noise tracker needs up to ~2 s
      // (three minimum windows) to find the noise after silence; its minimum windows
      // are also out of phase with `hush denoise`'s. So the runs agree closely but not
      // bit for bit, from the third second on: 10 dB.
      const double sisdr = hush::SiSdrDb(ref.data() + s, got.data() + s, 48000);
      std::printf("second %zu: SI-SDR vs hush denoise %.1f dB\n", s / 48000, sisdr);
      ok = ok && sisdr >= 10.0;
    }
    // ... and much closer to it than the unprocessed input is: the chain really ran Hush.
    const size_t n = ref.size() - 2 * 48000 - 9600;
    const double chain = hush::SiSdrDb(ref.data() + 2 * 48000, got.data() + 2 * 48000, n);
    const double input = hush::SiSdrDb(ref.data() + 2 * 48000, in.data() + 2 * 48000, n);
    std::printf("SI-SDR vs hush denoise: filter-chain %.1f dB, unprocessed input %.1f dB\n", chain, input);
    ok = ok && chain >= input + 6.0;
    return ok ? 0 : 1;
  }
  std::fprintf(stderr, "usage: fc_compare make-input OUT | exact IN REC | denoised IN REF REC\n");
  return 2;
}
