// SPDX-License-Identifier: MIT
// RNNoise through Node.js (bench/peers/rnnoise/rnnoise_peer.mjs): each Process() call
// writes the block to a temporary file, runs the script on it and reads the result
// back. Evaluation only — far from real time, and fine for whole files.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "peers/peer.h"

namespace hush::bench {

namespace {

class RnnoisePeer final : public PeerSuppressor {
 public:
  RnnoisePeer(std::string node, std::string script, std::string module_dir)
      : node_(std::move(node)), script_(std::move(script)), module_dir_(std::move(module_dir)) {}
  std::string Name() const override { return "RNNoise (wasm)"; }
  // Measured: this build's output lags its input by 960 samples (20 ms, as RNNoise 0.2's
  // does), checked in peers_test.cc.
  int DelayFrames() const override { return 960; }
  void Process(const float* in, float* out, size_t frames) override {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path();
    const std::string stem = "hush-rnnoise-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    const fs::path in_path = dir / (stem + ".in"), out_path = dir / (stem + ".out");
    {
      std::ofstream f(in_path, std::ios::binary);
      f.write(reinterpret_cast<const char*>(in), static_cast<std::streamsize>(frames * sizeof(float)));
    }
    const std::string command = "HUSH_RNNOISE_DIR='" + module_dir_ + "' '" + node_ + "' '" + script_ + "' < '" +
                                in_path.string() + "' > '" + out_path.string() + "'";
    const int status = std::system(command.c_str());
    std::ifstream f(out_path, std::ios::binary);
    std::vector<float> y(frames, 0.0f);
    f.read(reinterpret_cast<char*>(y.data()), static_cast<std::streamsize>(frames * sizeof(float)));
    const bool complete = f.gcount() == static_cast<std::streamsize>(frames * sizeof(float));
    fs::remove(in_path);
    fs::remove(out_path);
    if (status != 0 || !complete) throw std::runtime_error("the RNNoise peer (node " + script_ + ") failed");
    std::copy(y.begin(), y.end(), out);
  }

 private:
  std::string node_, script_, module_dir_;
  int counter_ = 0;
};

}  // namespace

std::unique_ptr<PeerSuppressor> CreateRnnoisePeer() {
  namespace fs = std::filesystem;
  const fs::path source_dir = HUSH_PEERS_SOURCE_DIR;
  const fs::path module_dir = HUSH_RNNOISE_MODULE_DIR;
  if (!fs::exists(module_dir / "node_modules/@jitsi/rnnoise-wasm/dist/rnnoise-sync.js")) return nullptr;
  if (std::system("command -v node >/dev/null 2>&1") != 0) return nullptr;
  return std::make_unique<RnnoisePeer>("node", (source_dir / "rnnoise/rnnoise_peer.mjs").string(), module_dir.string());
}

double ChildCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

}  // namespace hush::bench
