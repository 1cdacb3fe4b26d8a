// SPDX-License-Identifier: MIT
// Helper of pipewire_service_test.sh: makes the test audio and judges the recordings.
//
//   service_audio make-input CLEAN.wav NOISY.wav
//       48 kHz mono: real speech from ../shared/data (samples/clean) mixed with real noise
//       (a computer fan, noise/tumult) at 0 dB SNR, or synthetic speech-like bursts in white noise when
//       the folder is absent; 1 s of noise before the speech (the suppressor's trackers
//       start there), 1 s of silence at the end (pw-cat drops the last partial quantum).
//   service_audio check CLEAN.wav REC.wav MAX_DELAY_MS MIN_GAIN_DB
//       REC: 2 channels recorded in one stream, so they are sample-aligned: left = the real
//       device's signal, right = the Hush device's. Passes when the Hush channel lags the
//       real one by at most MAX_DELAY_MS and, aligned with CLEAN, its SI-SDR beats the
//       real channel's by at least MIN_GAIN_DB. With BASELINE.wav (the same recording
//       made without Hush in the path), the delay is the difference of the two: what
//       Hush adds, without the graph's own hand-over to a driver.
//   service_audio gaps REC.wav CHANNEL MAX_GAP_MS SKIP_S WALL_S
//       Audio lost = the longest stretch (after SKIP_S) where CHANNEL is below -60 dBFS,
//       plus what the recording lacks against WALL_S, the wall-clock time it was linked
//       (a recorder that the session manager unlinks and relinks records nothing in
//       between); passes when that is at most MAX_GAP_MS.
// Exit 0 = pass, 1 = fail (with the numbers), 2 = usage or unreadable files.
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/file/sound_file.h"
#include "common/test_signals.h"
#include "eval/sisdr.h"

namespace {

constexpr int kRate = 48000;

std::vector<std::vector<float>> ReadAll(const std::string& path, int* rate = nullptr) {
  hush::SoundFileReader reader(path);
  const size_t channels = static_cast<size_t>(reader.Format().channels);
  if (rate != nullptr) *rate = reader.Format().sample_rate_hz;
  std::vector<std::vector<float>> planar(channels, std::vector<float>(4096)), all(channels);
  while (const size_t got = reader.ReadPlanar(planar, 4096)) {
    for (size_t c = 0; c < channels; ++c) all[c].insert(all[c].end(), planar[c].begin(), planar[c].begin() + static_cast<long>(got));
  }
  return all;
}

std::vector<float> Resample48k(const std::vector<float>& x, int rate) {
  if (rate == kRate) return x;
  // Linear interpolation is enough for a test signal's speech band (the comparison is
  // between the two recorded channels, both made from this same input).
  std::vector<float> y(static_cast<size_t>(static_cast<double>(x.size()) * kRate / rate));
  for (size_t i = 0; i < y.size(); ++i) {
    const double t = static_cast<double>(i) * rate / kRate;
    const size_t k = static_cast<size_t>(t);
    const double f = t - static_cast<double>(k);
    const float a = x[std::min(k, x.size() - 1)], b = x[std::min(k + 1, x.size() - 1)];
    y[i] = static_cast<float>(a + f * (b - a));
  }
  return y;
}

void Write(const std::string& path, const std::vector<float>& x) {
  hush::SoundFileWriter writer(path, hush::SoundFormat{kRate, 1, 0, SF_FORMAT_WAV | SF_FORMAT_FLOAT});
  writer.WritePlanar({x}, x.size());
  writer.Close();
}

int MakeInput(const std::string& clean_path, const std::string& noisy_path) {
  const std::filesystem::path shared = HUSH_SHARED_DATA_DIR;
  std::vector<float> speech, noise;
  const auto speech_file = shared / "samples/clean";
  // A computer fan: the noise a microphone on a desk hears most.
  const auto noise_file = shared / "noise/tumult/machine1_computer_fan_hum_cut.flac";
  if (std::filesystem::is_directory(speech_file) && std::filesystem::is_regular_file(noise_file)) {
    std::vector<std::filesystem::path> clips;
    for (const auto& e : std::filesystem::directory_iterator(speech_file)) clips.push_back(e.path());
    std::sort(clips.begin(), clips.end());
    // 8 s of speech: clips in name order, 0.3 s apart.
    for (const auto& clip : clips) {
      int rate = 0;
      auto x = ReadAll(clip.string(), &rate);
      auto y = Resample48k(x[0], rate);
      speech.insert(speech.end(), y.begin(), y.end());
      speech.insert(speech.end(), kRate * 3 / 10, 0.0f);
      if (speech.size() > 8u * kRate) break;
    }
    speech.resize(8u * kRate, 0.0f);
    int rate = 0;
    auto n = ReadAll(noise_file.string(), &rate);
    noise = Resample48k(n[0], rate);
    std::printf("make-input: speech from %s, noise %s\n", speech_file.c_str(), noise_file.filename().c_str());
  } else {
    std::printf("make-input: %s not found; synthetic speech-like bursts in white noise\n", shared.c_str());
    speech = hush::test::SpeechLike(8u * kRate, kRate, 0.3f, 7);
    noise = hush::test::WhiteNoise(8u * kRate, 0.05f, 9);
  }
  // Layout: 1 s noise only | 8 s speech + noise | 1 s digital silence.
  const size_t lead = kRate, total = lead + speech.size() + kRate;
  std::vector<float> clean(total, 0.0f), noisy(total, 0.0f);
  std::copy(speech.begin(), speech.end(), clean.begin() + static_cast<long>(lead));
  // 0 dB SNR over the speech part: where a suppressor has the most to do.
  const double speech_power = hush::test::Energy(speech.data(), speech.size());
  double noise_power = 0.0;
  for (size_t i = 0; i < lead + speech.size(); ++i) noise_power += std::pow(noise[i % noise.size()], 2.0);
  noise_power *= static_cast<double>(speech.size()) / static_cast<double>(lead + speech.size());
  const float gain = static_cast<float>(std::sqrt(speech_power / std::max(noise_power, 1e-20)));
  for (size_t i = 0; i < lead + speech.size(); ++i) noisy[i] = clean[i] + gain * noise[i % noise.size()];
  float peak = 0.0f;
  for (const float v : noisy) peak = std::max(peak, std::abs(v));
  const float scale = 0.5f / std::max(peak, 1e-9f);
  for (size_t i = 0; i < total; ++i) {
    clean[i] *= scale;
    noisy[i] *= scale;
  }
  Write(clean_path, clean);
  Write(noisy_path, noisy);
  return 0;
}

long ChannelDelay(const std::vector<std::vector<float>>& rec) {
  return hush::EstimateDelayFrames(rec[0].data(), rec[1].data(), std::min(rec[0].size(), rec[1].size()), kRate / 10);
}

int Check(const std::string& clean_path, const std::string& rec_path, double max_delay_ms, double min_gain_db,
          const std::string& baseline_path) {
  const auto clean = ReadAll(clean_path)[0];
  const auto rec = ReadAll(rec_path);
  if (rec.size() != 2 || rec[0].size() < clean.size() / 2) {
    std::printf("check: %s is not a 2-channel recording of the test (%zu channels)\n", rec_path.c_str(), rec.size());
    return 1;
  }
  const auto& real = rec[0];
  const auto& hush_channel = rec[1];
  // Where the input sits in the recording (the recorder started first), then how much
  // later the Hush channel carries it.
  const long max_lag = static_cast<long>(real.size()) - 1;
  std::vector<float> padded = clean;
  padded.resize(real.size(), 0.0f);
  const long offset = hush::EstimateDelayFrames(padded.data(), real.data(), real.size(), max_lag);
  const long delay = ChannelDelay(rec);
  long baseline = 0;
  if (!baseline_path.empty()) {
    const auto base = ReadAll(baseline_path);
    if (base.size() != 2) return 2;
    baseline = ChannelDelay(base);
    std::printf("check: without Hush the same recording lags by %ld frames\n", baseline);
  }
  const double delay_ms = 1000.0 * static_cast<double>(delay - baseline) / kRate;
  // Compare the speech part only (from 1 s, after the trackers' start, to the end of
  // the speech), so neither the lead-in nor the recording's tail weighs in.
  const size_t begin = kRate, length = clean.size() - 2 * kRate;
  const auto ref = hush::test::Slice(clean, 0, clean.size());
  const auto real_aligned = hush::test::Slice(real, offset, clean.size());
  const auto hush_aligned = hush::test::Slice(hush_channel, offset + delay, clean.size());
  const double real_db = hush::SiSdrDb(ref.data() + begin, real_aligned.data() + begin, length);
  const double hush_db = hush::SiSdrDb(ref.data() + begin, hush_aligned.data() + begin, length);
  std::printf("check: input at frame %ld of the recording; Hush adds %ld frames (%.2f ms, at most %.1f); "
              "SI-SDR vs clean: real %.2f dB, Hush %.2f dB (gain %.2f, at least %.1f)\n",
              offset, delay - baseline, delay_ms, max_delay_ms, real_db, hush_db, hush_db - real_db, min_gain_db);
  const bool ok = delay - baseline >= 0 && delay_ms <= max_delay_ms && hush_db - real_db >= min_gain_db;
  return ok ? 0 : 1;
}

int Gaps(const std::string& rec_path, int channel, double max_gap_ms, double skip_s, double wall_s) {
  const auto rec = ReadAll(rec_path);
  if (channel < 0 || static_cast<size_t>(channel) >= rec.size()) return 2;
  const auto& x = rec[static_cast<size_t>(channel)];
  const size_t hop = kRate / 100, start = static_cast<size_t>(skip_s * kRate);
  size_t run = 0, longest = 0, longest_at = 0;
  const double threshold = std::pow(10.0, -60.0 / 10.0);  // -60 dBFS mean power per 10 ms
  for (size_t i = start; i + hop <= x.size(); i += hop) {
    const double p = hush::test::Energy(x.data() + i, hop) / static_cast<double>(hop);
    run = p < threshold ? run + 1 : 0;
    if (run > longest) {
      longest = run;
      longest_at = i;
    }
  }
  const double silent_ms = 10.0 * static_cast<double>(longest);
  const double recorded_s = static_cast<double>(x.size()) / kRate;
  const double missing_ms = std::max(0.0, 1000.0 * (wall_s - recorded_s));
  std::printf("gaps: longest silence %.0f ms (ending at %.2f s) + %.0f ms not recorded (%.2f s of %.2f s) = %.0f ms lost, "
              "at most %.0f\n", silent_ms, static_cast<double>(longest_at) / kRate, missing_ms, recorded_s, wall_s,
              silent_ms + missing_ms, max_gap_ms);
  return silent_ms + missing_ms <= max_gap_ms && x.size() > start + kRate ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "make-input" && argc == 4) return MakeInput(argv[2], argv[3]);
    if (mode == "check" && (argc == 6 || argc == 7)) {
      return Check(argv[2], argv[3], std::atof(argv[4]), std::atof(argv[5]), argc == 7 ? argv[6] : "");
    }
    if (mode == "gaps" && argc == 7) {
      return Gaps(argv[2], std::atoi(argv[3]), std::atof(argv[4]), std::atof(argv[5]), std::atof(argv[6]));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "service_audio: %s\n", e.what());
    return 2;
  }
  std::fprintf(stderr,
               "usage: service_audio make-input CLEAN NOISY | check CLEAN REC MAX_DELAY_MS MIN_GAIN_DB [BASELINE] | "
               "gaps REC CHANNEL MAX_GAP_MS SKIP_S WALL_S\n");
  return 2;
}
