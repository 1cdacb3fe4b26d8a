// SPDX-License-Identifier: MIT
// hush-eval: runs Hush and the classic peers on the same noisy speech and prints STOI,
// ESTOI, SI-SDR, delay and CPU cost side by side. See docs/EVALUATION.md.
#include <CLI/CLI.hpp>
#include <hush/hush.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eval/sisdr.h"
#include "eval/stoi.h"
#include "eval/robustness.h"
#include "eval/test_set.h"
#include "peers/peer.h"

namespace hush::bench {
namespace {

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// A system under test: makes a fresh processor per item (no state carried across).
struct System {
  std::string name;
  std::function<std::unique_ptr<PeerSuppressor>()> make;
  bool classic_peer = false;  // one of the peers --check requires Hush to beat
  bool child_process = false; // runs as a child process: CPU from its rusage
};

// Hush through its public C API, as an application would use it: 48 kHz mono, 10 ms
// blocks, delay as reported.
class HushSystem final : public PeerSuppressor {
 public:
  HushSystem(const Model& model, float atten_limit_db, std::string name) : name_(std::move(name)) {
    hush_denoiser_config config = DefaultConfig();
    config.sample_rate_hz = kEvalRateHz;
    config.atten_limit_db = atten_limit_db;
    denoiser_ = std::make_unique<Denoiser>(model, config);
  }
  std::string Name() const override { return name_; }
  int DelayFrames() const override { return static_cast<int>(denoiser_->LatencyFrames()); }
  void Process(const float* in, float* out, size_t frames) override {
    for (size_t pos = 0; pos < frames; pos += 480) {
      const size_t n = std::min<size_t>(480, frames - pos);
      const float* ip = in + pos;
      float* op = out + pos;
      denoiser_->Process(&ip, &op, n);
    }
  }

 private:
  std::string name_;
  std::unique_ptr<Denoiser> denoiser_;
};

class Unprocessed final : public PeerSuppressor {
 public:
  std::string Name() const override { return "noisy input"; }
  int DelayFrames() const override { return 0; }
  void Process(const float* in, float* out, size_t frames) override { std::copy(in, in + frames, out); }
};

struct Scores {
  double stoi = 0, estoi = 0, sisdr = 0, cpu_seconds = 0, audio_seconds = 0;
  int items = 0;
  Accumulator clean_sisdr;   // SI-SDR of the output when the input is clean speech
  Accumulator onset_clean;   // onset loss (robustness.h) on clean input
  Accumulator onset_noisy;   // ... on mixtures at >= 10 dB SNR, where speech dominates onsets
  Accumulator pumping;       // std of the attenuation in pauses
  long worst_residual_delay = 0;
  int delay_frames = 0;
};

int Run(int argc, char** argv) {
  CLI::App app{"hush-eval: Hush vs SpeexDSP vs WebRTC NS on noisy speech"};
  TestSetOptions set_options;
  set_options.data_dir = "../shared/data";
  float strength = 30.0f;
  bool per_item = false;
  std::vector<std::string> only;
  bool check = false;
  std::string model_path;
  bool check_rnnoise = false;
  app.add_flag("--check-rnnoise", check_rnnoise, "With --check: the neural suppressor must also beat RNNoise");
  app.add_option("--model", model_path, "Evaluate this weight blob as Hush (neural) instead of the built-in model");
  app.add_option("--data", set_options.data_dir, "The shared data folder (default ../shared/data)");
  app.add_option("--set", set_options.set, "heldout (default; never used for tuning) or dev")
      ->check(CLI::IsMember({"heldout", "dev"}));
  app.add_option("--snr", set_options.snrs_db, "Mixing SNRs in dB (default 0 5 10 15)");
  app.add_option("--max-items", set_options.max_items, "Stop after this many items (0 = all)");
  app.add_option("--max-seconds", set_options.max_seconds, "Cut clips to this length");
  app.add_option("--strength", strength, "Hush's attenuation limit in dB (default 30)");
  app.add_flag("--per-item", per_item, "Print every item's scores");
  app.add_option("--systems", only,
                 "Run only these: noisy, neural, statistical (hush = both), speex, webrtc, rnnoise (default: all available)");
  app.add_flag("--check", check,
               "Exit 4 unless Hush's default suppressor beats SpeexDSP and WebRTC NS on STOI and SI-SDR, and, "
               "when the default is neural, "
               "the neural one beats the statistical one (and with --check-rnnoise RNNoise) on STOI, ESTOI and SI-SDR");
  CLI11_PARSE(app, argc, argv);

  std::vector<TestItem> items;
  try {
    items = BuildTestSet(set_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hush-eval: %s\n", e.what());
    return 1;
  }
  if (items.empty()) {
    std::fprintf(stderr, "hush-eval: the %s set is empty\n", set_options.set.c_str());
    return 1;
  }
  Model statistical(HUSH_SUPPRESSOR_STATISTICAL);
  std::optional<Model> neural;
  try {
    if (!model_path.empty()) {
      std::ifstream file(model_path, std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
      neural.emplace(Model::FromMemory(bytes.data(), bytes.size()));
    } else {
      neural.emplace(HUSH_SUPPRESSOR_NEURAL);
    }
  } catch (const Error& e) {
    if (!model_path.empty()) {
      std::fprintf(stderr, "hush-eval: model '%s' refused: %s\n", model_path.c_str(), hush_status_string(e.status()));
      return 1;
    }
    std::printf("note: this build has no neural model; Hush (neural) skipped\n");
  }
  std::vector<std::pair<std::string, System>> all_systems = {
      {"noisy", {"noisy input", [] { return std::make_unique<Unprocessed>(); }}},
      {"neural", {"Hush (neural)", [&] { return std::make_unique<HushSystem>(*neural, strength, "Hush (neural)"); }}},
      {"statistical", {"Hush (statistical)", [&] { return std::make_unique<HushSystem>(statistical, strength, "Hush (statistical)"); }}},
      {"speex", {"SpeexDSP", [] { return CreateSpeexPeer(); }, true}},
      {"webrtc", {"WebRTC NS", [] { return CreateWebRtcPeer(2); }, true}},
      {"rnnoise", {"RNNoise (wasm)", [] { return CreateRnnoisePeer(); }, false, true}},
  };
  std::vector<System> systems;
  for (const auto& [key, system] : all_systems) {
    const bool wanted = only.empty() || std::find(only.begin(), only.end(), key) != only.end() ||
                        ((key == "neural" || key == "statistical") &&
                         std::find(only.begin(), only.end(), "hush") != only.end());
    if (!wanted) continue;
    if (key == "neural" && !neural) continue;
    if (key == "rnnoise" && !CreateRnnoisePeer()) {
      std::printf("note: RNNoise peer not installed (scripts/setup.sh puts it in build/peers/rnnoise); skipped\n");
      continue;
    }
    systems.push_back(system);
  }

  double total_seconds = 0;
  for (const auto& item : items) total_seconds += static_cast<double>(item.clean.size()) / kEvalRateHz;
  std::printf("hush-eval: %s set, %zu items, %.1f s of audio, SNRs", set_options.set.c_str(), items.size(), total_seconds);
  for (double s : set_options.snrs_db) std::printf(" %g", s);
  std::printf(" dB (+ recorded pairs)\n");

  std::vector<Scores> totals(systems.size());
  std::set<std::string> clean_done;  // each clean utterance is also run alone, once
  // (system, snr) -> sum, n; snr 1000 stands for the recorded pairs.
  std::map<std::pair<size_t, int>, std::pair<double, int>> sisdr_by_snr, stoi_by_snr;
  for (const auto& item : items) {
    for (size_t s = 0; s < systems.size(); ++s) {
      auto processor = systems[s].make();
      const size_t delay = static_cast<size_t>(processor->DelayFrames());
      std::vector<float> input = item.noisy;
      input.resize(item.noisy.size() + delay, 0.0f);  // flush the delay out
      std::vector<float> output(input.size());
      const double start = systems[s].child_process ? ChildCpuSeconds() : ThreadCpuSeconds();
      processor->Process(input.data(), output.data(), input.size());
      const double cpu = (systems[s].child_process ? ChildCpuSeconds() : ThreadCpuSeconds()) - start;
      const float* aligned = output.data() + delay;
      const size_t n = item.clean.size();
      const auto stoi = Stoi(item.clean.data(), aligned, n, kEvalRateHz);
      const auto estoi = Estoi(item.clean.data(), aligned, n, kEvalRateHz);
      if (!stoi || !estoi) continue;  // too little speech to score
      const double sisdr = SiSdrDb(item.clean.data(), aligned, n);
      // After alignment by the reported delay the best lag must be 0: anything else
      // would bias every score, so it is reported.
      const long residual = EstimateDelayFrames(item.clean.data(), aligned, n, 2000);
      Scores& t = totals[s];
      t.stoi += *stoi;
      t.estoi += *estoi;
      t.sisdr += sisdr;
      t.cpu_seconds += cpu;
      t.audio_seconds += static_cast<double>(input.size()) / kEvalRateHz;
      t.items += 1;
      t.delay_frames = static_cast<int>(delay);
      if (std::abs(residual) > std::abs(t.worst_residual_delay)) t.worst_residual_delay = residual;
      const int snr_key = std::isnan(item.snr_db) ? 1000 : static_cast<int>(item.snr_db);
      auto& cell = sisdr_by_snr[{s, snr_key}];
      cell.first += sisdr;
      cell.second += 1;
      auto& stoi_cell = stoi_by_snr[{s, snr_key}];
      stoi_cell.first += *stoi;
      stoi_cell.second += 1;
      AddPumping(item.clean.data(), item.noisy.data(), aligned, n, t.pumping);
      if (!std::isnan(item.snr_db) && item.snr_db >= 10.0) AddOnsetLosses(item.clean.data(), item.noisy.data(), aligned, n, t.onset_noisy);
      if (per_item) {
        std::printf("  %-60s %-20s STOI %.3f ESTOI %.3f SI-SDR %6.2f dB\n", item.name.c_str(), systems[s].name.c_str(),
                    *stoi, *estoi, sisdr);
      }
    }
    // Clean speech in: it should come out essentially unchanged.
    const std::string utterance = item.name.substr(0, item.name.find(" + "));
    if (!clean_done.insert(utterance).second) continue;
    for (size_t s = 0; s < systems.size(); ++s) {
      auto processor = systems[s].make();
      const size_t delay = static_cast<size_t>(processor->DelayFrames());
      std::vector<float> input = item.clean;
      input.resize(item.clean.size() + delay, 0.0f);
      std::vector<float> output(input.size());
      processor->Process(input.data(), output.data(), input.size());
      totals[s].clean_sisdr.Add(SiSdrDb(item.clean.data(), output.data() + delay, item.clean.size()));
      AddOnsetLosses(item.clean.data(), item.clean.data(), output.data() + delay, item.clean.size(), totals[s].onset_clean);
    }
  }

  std::printf("\n| system | STOI | ESTOI | SI-SDR (dB) | delay (ms) | CPU s per audio s |\n|---|---|---|---|---|---|\n");
  for (size_t s = 0; s < systems.size(); ++s) {
    const Scores& t = totals[s];
    if (t.items == 0) continue;
    std::printf("| %s | %.3f | %.3f | %.2f | %.1f | %.4f |\n", systems[s].name.c_str(), t.stoi / t.items,
                t.estoi / t.items, t.sisdr / t.items, 1000.0 * t.delay_frames / kEvalRateHz,
                t.cpu_seconds / t.audio_seconds);
  }
  std::printf("\nRobustness (docs/EVALUATION.md): clean speech in, onsets, pumping\n"
              "| system | SI-SDR, clean input (dB) | onset loss, clean input (dB) | onset loss, noisy >= 10 dB (dB) | "
              "pumping in pauses (dB) |\n|---|---|---|---|---|\n");
  for (size_t s = 0; s < systems.size(); ++s) {
    const Scores& t = totals[s];
    if (t.items == 0) continue;
    std::printf("| %s | %.2f | %.2f | %.2f | %.2f |\n", systems[s].name.c_str(), t.clean_sisdr.Mean(),
                t.onset_clean.Mean(), t.onset_noisy.Mean(), t.pumping.Mean());
  }
  if (!systems.empty()) {
    std::printf("(%zu clean utterances, %zu onsets in clean input, %zu in noisy input, %zu items with pauses)\n",
                totals[0].clean_sisdr.count, totals[0].onset_clean.count, totals[0].onset_noisy.count,
                totals[0].pumping.count);
  }
  std::vector<int> keys;
  for (const auto& [key, cell] : sisdr_by_snr) {
    if (key.first == 0) keys.push_back(key.second);
  }
  auto by_snr_table = [&](const char* title, auto& table, const char* number_format) {
    std::printf("\n%s by input SNR:\n| system |", title);
    for (int k : keys) k == 1000 ? std::printf(" recorded pairs |") : std::printf(" %d dB |", k);
    std::printf("\n|---|");
    for (size_t i = 0; i < keys.size(); ++i) std::printf("---|");
    std::printf("\n");
    for (size_t s2 = 0; s2 < systems.size(); ++s2) {
      std::printf("| %s |", systems[s2].name.c_str());
      for (int k : keys) {
        const auto& cell = table[{s2, k}];
        std::printf(" ");
        std::printf(number_format, cell.second ? cell.first / cell.second : 0.0);
        std::printf(" |");
      }
      std::printf("\n");
    }
  };
  by_snr_table("SI-SDR (dB)", sisdr_by_snr, "%.2f");
  by_snr_table("STOI", stoi_by_snr, "%.3f");
  for (size_t s = 0; s < systems.size(); ++s) {
    if (totals[s].worst_residual_delay != 0) {
      // A peer whose filters are not linear-phase (WebRTC's band splitter) may peak a
      // frame or two away: reported, since it lowers that peer's SI-SDR a little.
      std::printf("note: %s: residual delay up to %ld frames after alignment\n", systems[s].name.c_str(),
                  totals[s].worst_residual_delay);
    }
  }
  if (check) {
    // The primary system is the library's default suppressor. It must beat the classic
    // peers; when the default is the neural one, it must also beat the statistical
    // suppressor (and with --check-rnnoise, RNNoise).
    auto find = [&](const std::string& name) -> const Scores* {
      for (size_t s2 = 0; s2 < systems.size(); ++s2) {
        if (systems[s2].name == name && totals[s2].items > 0) return &totals[s2];
      }
      return nullptr;
    };
    const bool is_neural = Model(HUSH_SUPPRESSOR_DEFAULT).kind() == HUSH_SUPPRESSOR_NEURAL;
    const Scores* primary = find(is_neural ? "Hush (neural)" : "Hush (statistical)");
    bool ok = primary != nullptr;
    auto beats = [&](const Scores& other, const std::string& name, bool with_estoi) {
      const bool better = primary->stoi / primary->items > other.stoi / other.items &&
                          primary->sisdr / primary->items > other.sisdr / other.items &&
                          (!with_estoi || primary->estoi / primary->items > other.estoi / other.items);
      if (!better) std::printf("check failed: Hush does not beat %s on STOI%s and SI-SDR\n", name.c_str(), with_estoi ? ", ESTOI" : "");
      return better;
    };
    for (size_t s2 = 0; s2 < systems.size() && ok; ++s2) {
      const Scores& t = totals[s2];
      if (&t == primary || t.items == 0) continue;
      if (systems[s2].classic_peer) ok = beats(t, systems[s2].name, false);
      if (is_neural && (systems[s2].name == "Hush (statistical)" || (check_rnnoise && systems[s2].child_process))) {
        ok = ok && beats(t, systems[s2].name, true);
      }
    }
    if (!ok) return 4;
    std::printf("check passed: Hush (%s) beats every peer that ran\n", is_neural ? "neural" : "statistical");
  }  return 0;
}

}  // namespace
}  // namespace hush::bench

int main(int argc, char** argv) { return hush::bench::Run(argc, argv); }
