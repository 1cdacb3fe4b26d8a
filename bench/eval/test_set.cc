// SPDX-License-Identifier: MIT
#include "eval/test_set.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>

#include "backends/file/sound_file.h"
#include "dsp/resampler.h"

namespace hush::bench {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> FilesIn(const fs::path& dir, const std::string& extension, bool recursive = false) {
  std::vector<std::string> files;
  if (!fs::is_directory(dir)) return files;
  auto consider = [&](const fs::directory_entry& e) {
    if (e.is_regular_file() && e.path().extension() == extension) files.push_back(e.path().string());
  };
  if (recursive) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) consider(e);
  } else {
    for (const auto& e : fs::directory_iterator(dir)) consider(e);
  }
  std::sort(files.begin(), files.end());  // deterministic order on every machine
  return files;
}

double Power(const std::vector<float>& x) {
  double e = 0.0;
  for (float v : x) e += static_cast<double>(v) * v;
  return e / static_cast<double>(std::max<size_t>(x.size(), 1));
}

std::string Stem(const std::string& path) { return fs::path(path).stem().string(); }

// Peak-normalises a pair together so the mixture never clips and levels vary a little
// (speech at -26..-20 dBFS RMS before the noise, like a real microphone).
void Level(std::vector<float>& clean, std::vector<float>& noisy, double target_dbfs) {
  const double rms = std::sqrt(Power(clean)) + 1e-12;
  double gain = std::pow(10.0, target_dbfs / 20.0) / rms;
  float peak = 0.0f;
  for (float v : noisy) peak = std::max(peak, std::abs(v));
  if (peak * gain > 0.95) gain = 0.95 / peak;
  for (auto& v : clean) v = static_cast<float>(v * gain);
  for (auto& v : noisy) v = static_cast<float>(v * gain);
}

}  // namespace

std::vector<float> LoadMono48k(const std::string& path) {
  SoundFileReader reader(path);
  const SoundFormat f = reader.Format();
  const size_t channels = static_cast<size_t>(f.channels);
  std::vector<std::vector<float>> block(channels, std::vector<float>(8192));
  std::vector<float> mono;
  while (const size_t got = reader.ReadPlanar(block, 8192)) {
    for (size_t i = 0; i < got; ++i) {
      float sum = 0.0f;
      for (size_t c = 0; c < channels; ++c) sum += block[c][i];
      mono.push_back(sum / static_cast<float>(channels));
    }
  }
  if (f.sample_rate_hz == kEvalRateHz) return mono;
  dsp::Resampler resampler(f.sample_rate_hz, kEvalRateHz, 10);
  const size_t delay = static_cast<size_t>(resampler.InputLatencyFrames());
  mono.resize(mono.size() + delay, 0.0f);
  std::vector<float> out(mono.size() * kEvalRateHz / static_cast<size_t>(f.sample_rate_hz) + 64);
  size_t in_frames = mono.size(), out_frames = out.size();
  resampler.Process(mono.data(), &in_frames, out.data(), &out_frames);
  const size_t skip = static_cast<size_t>(std::lround(static_cast<double>(delay) * kEvalRateHz / f.sample_rate_hz));
  const size_t keep = (mono.size() - delay) * kEvalRateHz / static_cast<size_t>(f.sample_rate_hz);
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min(skip, out_frames)));
  out.resize(std::min(keep, out_frames - std::min(skip, out_frames)));
  return out;
}

std::vector<TestItem> BuildTestSet(const TestSetOptions& options) {
  const fs::path data(options.data_dir);
  std::vector<std::string> speech, noise;
  std::vector<std::pair<std::string, std::string>> pairs;
  if (options.set == "heldout") {
    speech = FilesIn(data / "samples/clean", ".flac");
    for (const char* set : {"noise/blanket", "noise/berlin_noise", "noise/livekit_npm", "samples/noise"}) {
      const auto files = FilesIn(data / set, ".flac");
      noise.insert(noise.end(), files.begin(), files.end());
    }
    for (const auto& noisy : FilesIn(data / "samples/pairs/noisy", ".flac")) {
      const fs::path clean = data / "samples/pairs/clean" / fs::path(noisy).filename();
      if (fs::exists(clean)) pairs.emplace_back(clean.string(), noisy);
    }
  } else if (options.set == "dev") {
    // Every 40th Artikulate phrase, concatenated below into ~6 s utterances.
    const auto all = FilesIn(data / "speech/artikulate", ".ogg", true);
    for (size_t i = 0; i < all.size(); i += 40) speech.push_back(all[i]);
    for (const char* set : {"noise/tumult", "noise/esc10", "noise/ibm_max", "noise/sc_bg", "noise/gui_project"}) {
      const auto files = FilesIn(data / set, ".flac");
      noise.insert(noise.end(), files.begin(), files.end());
    }
  } else {
    throw std::runtime_error("unknown evaluation set '" + options.set + "' (heldout or dev)");
  }
  if (speech.empty() || noise.empty()) {
    throw std::runtime_error("no speech or noise for the " + options.set + " set under '" + options.data_dir + "'");
  }

  std::vector<TestItem> items;
  const size_t max_frames = static_cast<size_t>(options.max_seconds * kEvalRateHz);
  auto full = [&] { return options.max_items != 0 && items.size() >= options.max_items; };

  // Clean utterances: whole clips (held-out) or short phrases joined with pauses (dev).
  std::vector<std::pair<std::string, std::vector<float>>> utterances;
  if (options.set == "heldout") {
    for (const auto& path : speech) utterances.emplace_back(Stem(path), LoadMono48k(path));
  } else {
    std::vector<float> current;
    std::string name;
    for (const auto& path : speech) {
      std::vector<float> clip;
      try {
        clip = LoadMono48k(path);
      } catch (const std::exception&) {
        continue;  // a few source files are damaged; the set skips them
      }
      if (name.empty()) name = Stem(path);
      current.insert(current.end(), clip.begin(), clip.end());
      current.insert(current.end(), kEvalRateHz * 3 / 10, 0.0f);  // 300 ms pause
      if (current.size() > 6 * static_cast<size_t>(kEvalRateHz)) {
        utterances.emplace_back("artikulate_" + name, std::move(current));
        current.clear();
        name.clear();
      }
    }
  }

  size_t noise_index = 0;
  for (size_t u = 0; u < utterances.size() && !full(); ++u) {
    auto& [name, clean_full] = utterances[u];
    if (clean_full.size() > max_frames) clean_full.resize(max_frames);
    for (size_t s = 0; s < options.snrs_db.size() && !full(); ++s) {
      const std::string& noise_path = noise[noise_index++ % noise.size()];
      std::vector<float> n = LoadMono48k(noise_path);
      if (n.empty()) continue;
      // Loop the noise to length, starting at a position that varies per item.
      const size_t offset = (u * 7919 + s * 104729) % n.size();
      std::vector<float> clean = clean_full, noise_part(clean.size());
      for (size_t i = 0; i < clean.size(); ++i) noise_part[i] = n[(offset + i) % n.size()];
      const double snr = options.snrs_db[s];
      const double gain = std::sqrt(Power(clean) / (Power(noise_part) + 1e-20) / std::pow(10.0, snr / 10.0));
      std::vector<float> noisy(clean.size());
      for (size_t i = 0; i < clean.size(); ++i) noisy[i] = clean[i] + static_cast<float>(gain * noise_part[i]);
      Level(clean, noisy, -26.0 + 2.0 * static_cast<double>((u + s) % 4));
      items.push_back(TestItem{name + " + " + Stem(noise_path) + " @ " + std::to_string(static_cast<int>(snr)) + " dB", snr,
                               std::move(clean), std::move(noisy)});
    }
  }
  for (const auto& [clean_path, noisy_path] : pairs) {
    if (full()) break;
    std::vector<float> clean = LoadMono48k(clean_path), noisy = LoadMono48k(noisy_path);
    const size_t n = std::min({clean.size(), noisy.size(), max_frames});
    clean.resize(n);
    noisy.resize(n);
    items.push_back(TestItem{"pair " + Stem(noisy_path) + " (recorded)", std::numeric_limits<double>::quiet_NaN(),
                             std::move(clean), std::move(noisy)});
  }
  return items;
}

}  // namespace hush::bench
