// SPDX-License-Identifier: MIT
// The LADSPA and LV2 plugins, loaded as a host loads them (dlopen + descriptor):
// any block size gives the library's own result (odd sizes 1, 7, 333, 4096 mixed), the
// latency port reports the library's latency, bypass is the input delayed by it, and
// real hosts (applyplugin, lv2apply) give what `hush denoise` gives on the same file.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <hush/hush.hpp>
#include <ladspa.h>
#include <lv2/core/lv2.h>
#include <sndfile.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/file/sound_file.h"
#include "common/test_signals.h"

namespace fs = std::filesystem;

namespace hush {
namespace {

constexpr size_t kBlocks[] = {1, 7, 333, 4096, 7, 1, 333};

// One plugin instance, whatever its format: connect, run, read the latency port.
struct Host {
  std::function<void(const std::vector<float*>&, const std::vector<float*>&, size_t)> run;
  float latency = -1.0f;
  std::array<float, 4> controls{30.0f, 0.0f, 200.0f, 0.0f};  // strength, gate, grace, bypass
  std::function<void()> cleanup;
  ~Host() {
    if (cleanup) cleanup();
  }
};

std::unique_ptr<Host> OpenLadspa(unsigned long index, unsigned long rate) {
  void* lib = dlopen(HUSH_LADSPA_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return nullptr;
  auto get = reinterpret_cast<LADSPA_Descriptor_Function>(dlsym(lib, "ladspa_descriptor"));
  const LADSPA_Descriptor* d = get != nullptr ? get(index) : nullptr;
  if (d == nullptr) return nullptr;
  LADSPA_Handle h = d->instantiate(d, rate);
  if (h == nullptr) return nullptr;
  auto host = std::make_unique<Host>();
  const unsigned long channels = index == 0 ? 1 : 2;
  for (unsigned long i = 0; i < 4; ++i) d->connect_port(h, 2 * channels + i, &host->controls[i]);
  d->connect_port(h, 2 * channels + 4, &host->latency);
  d->activate(h);
  host->run = [d, h, channels](const std::vector<float*>& in, const std::vector<float*>& out, size_t n) {
    for (unsigned long c = 0; c < channels; ++c) {
      d->connect_port(h, c, in[c]);
      d->connect_port(h, channels + c, out[c]);
    }
    d->run(h, n);
  };
  host->cleanup = [d, h, lib] {
    d->cleanup(h);
    dlclose(lib);
  };
  return host;
}

std::unique_ptr<Host> OpenLv2(uint32_t index, double rate) {
  void* lib = dlopen(HUSH_LV2_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return nullptr;
  auto get = reinterpret_cast<LV2_Descriptor_Function>(dlsym(lib, "lv2_descriptor"));
  const LV2_Descriptor* d = get != nullptr ? get(index) : nullptr;
  if (d == nullptr) return nullptr;
  const LV2_Feature* features[] = {nullptr};
  LV2_Handle h = d->instantiate(d, rate, HUSH_LV2_BUNDLE, features);
  if (h == nullptr) return nullptr;
  auto host = std::make_unique<Host>();
  const uint32_t channels = index == 0 ? 1 : 2;
  for (uint32_t i = 0; i < 4; ++i) d->connect_port(h, 2 * channels + i, &host->controls[i]);
  d->connect_port(h, 2 * channels + 4, &host->latency);
  d->activate(h);
  host->run = [d, h, channels](const std::vector<float*>& in, const std::vector<float*>& out, size_t n) {
    for (uint32_t c = 0; c < channels; ++c) {
      d->connect_port(h, c, in[c]);
      d->connect_port(h, channels + c, out[c]);
    }
    d->run(h, static_cast<uint32_t>(n));
  };
  host->cleanup = [d, h, lib] {
    d->cleanup(h);
    dlclose(lib);
  };
  return host;
}

std::vector<std::vector<float>> Input(size_t frames, int rate, int channels) {
  std::vector<std::vector<float>> x;
  for (int c = 0; c < channels; ++c) {
    std::vector<float> s = test::SpeechLike(frames, rate, 0.4f, static_cast<uint64_t>(3 + c));
    const auto n = test::WhiteNoise(frames, 0.03f, static_cast<uint64_t>(7 + c));
    for (size_t i = 0; i < frames; ++i) s[i] += n[i];
    x.push_back(std::move(s));
  }
  return x;
}

// Runs the plugin over x with the odd block sizes; returns its output.
std::vector<std::vector<float>> RunInOddBlocks(Host& host, const std::vector<std::vector<float>>& x) {
  std::vector<std::vector<float>> y(x.size(), std::vector<float>(x[0].size()));
  size_t pos = 0, b = 0;
  while (pos < x[0].size()) {
    const size_t n = std::min(kBlocks[b++ % std::size(kBlocks)], x[0].size() - pos);
    std::vector<float*> in, out;
    for (size_t c = 0; c < x.size(); ++c) {
      in.push_back(const_cast<float*>(x[c].data()) + pos);
      out.push_back(y[c].data() + pos);
    }
    host.run(in, out, n);
    pos += n;
  }
  return y;
}

// The library itself, in 10 ms blocks: what the plugin must reproduce.
std::vector<std::vector<float>> Reference(const std::vector<std::vector<float>>& x, uint32_t rate, float strength) {
  Model model;
  hush_denoiser_config config = DefaultConfig();
  config.sample_rate_hz = rate;
  config.channels = static_cast<uint32_t>(x.size());
  config.atten_limit_db = strength;
  Denoiser d(model, config);
  std::vector<std::vector<float>> y(x.size(), std::vector<float>(x[0].size()));
  const size_t block = rate / 100;
  for (size_t pos = 0; pos < x[0].size(); pos += block) {
    const size_t n = std::min(block, x[0].size() - pos);
    std::vector<const float*> in;
    std::vector<float*> out;
    for (size_t c = 0; c < x.size(); ++c) {
      in.push_back(x[c].data() + pos);
      out.push_back(y[c].data() + pos);
    }
    d.Process(in.data(), out.data(), n);
  }
  return y;
}

struct Case {
  const char* format;
  int index;  // 0 mono, 1 stereo
  int rate;
};

class PluginBlocks : public ::testing::TestWithParam<Case> {};

TEST_P(PluginBlocks, AnyBlockSizeGivesTheLibrarysResultWithTheReportedLatency) {
  const Case c = GetParam();
  auto host = std::string(c.format) == "ladspa" ? OpenLadspa(static_cast<unsigned long>(c.index), static_cast<unsigned long>(c.rate))
                                                : OpenLv2(static_cast<uint32_t>(c.index), c.rate);
  ASSERT_NE(host, nullptr) << dlerror();
  const int channels = c.index == 0 ? 1 : 2;
  const auto x = Input(static_cast<size_t>(c.rate) * 3, c.rate, channels);
  const auto y = RunInOddBlocks(*host, x);
  const auto ref = Reference(x, static_cast<uint32_t>(c.rate), 30.0f);
  for (int ch = 0; ch < channels; ++ch) {
    for (size_t i = 0; i < x[0].size(); ++i) {
      // The same library on the same samples: only the chunking differs, which the
      // denoiser's output does not depend on (tests/property). 1e-6: float noise.
      ASSERT_NEAR(y[static_cast<size_t>(ch)][i], ref[static_cast<size_t>(ch)][i], 1e-6f) << "channel " << ch << " frame " << i;
    }
  }
  Model model;
  hush_denoiser_config config = DefaultConfig();
  config.sample_rate_hz = static_cast<uint32_t>(c.rate);
  Denoiser d(model, config);
  EXPECT_EQ(host->latency, static_cast<float>(d.LatencyFrames()));
  // The suppressor's 10 ms + at most one hop of block alignment (+ the resamplers away
  // from 48 kHz: 24.4 ms in all at 44.1 kHz, 26.2 ms at 16 kHz), never a host block:
  // 4096-frame blocks would have added 85 ms or more.
  EXPECT_LT(host->latency, 0.030f * static_cast<float>(c.rate));
  if (c.rate == 48000) {
    EXPECT_LE(host->latency, 959.0f);  // exactly 10 ms + 479 frames
  }
}

TEST_P(PluginBlocks, BypassIsTheInputDelayedByTheLatency) {
  const Case c = GetParam();
  if (c.rate != 48000) GTEST_SKIP() << "exact only without resampling";
  auto host = std::string(c.format) == "ladspa" ? OpenLadspa(static_cast<unsigned long>(c.index), 48000) : OpenLv2(static_cast<uint32_t>(c.index), 48000);
  ASSERT_NE(host, nullptr);
  host->controls[3] = 1.0f;  // bypass
  host->controls[0] = std::nanf("");  // a host that sends garbage in another control
  const auto x = Input(48000, 48000, c.index == 0 ? 1 : 2);
  const auto y = RunInOddBlocks(*host, x);
  const size_t latency = static_cast<size_t>(host->latency);
  ASSERT_GT(latency, 0u);
  for (size_t i = latency; i < x[0].size(); ++i) ASSERT_NEAR(y[0][i], x[0][i - latency], 1e-6f) << i;
}

INSTANTIATE_TEST_SUITE_P(Formats, PluginBlocks,
                         ::testing::Values(Case{"ladspa", 0, 48000}, Case{"ladspa", 1, 44100}, Case{"ladspa", 1, 48000},
                                           Case{"lv2", 0, 48000}, Case{"lv2", 1, 44100}, Case{"lv2", 0, 16000}),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return std::string(param_info.param.format) + (param_info.param.index == 0 ? "_mono_" : "_stereo_") +
                                  std::to_string(param_info.param.rate);
                         });

// ---- real hosts --------------------------------------------------------------------

int RunCommand(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 512> buffer{};
  std::string text;
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) text += buffer.data();
  if (output != nullptr) *output = text;
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<float> ReadMono(const std::string& path) {
  SoundFileReader reader(path);
  std::vector<float> all;
  std::vector<std::vector<float>> planar(static_cast<size_t>(reader.Format().channels), std::vector<float>(4096));
  while (true) {
    const size_t got = reader.ReadPlanar(planar, 4096);
    if (got == 0) break;
    all.insert(all.end(), planar[0].begin(), planar[0].begin() + static_cast<long>(got));
  }
  return all;
}

class RealHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (HUSH_SANITIZED) GTEST_SKIP() << "a sanitized plugin cannot load into an unsanitized host";
    dir_ = fs::temp_directory_path() / ("hush-plugins-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // 16-bit PCM at 48 kHz: what applyplugin reads and writes.
    const auto x = Input(48000 * 4, 48000, 1);
    SoundFileWriter writer(Path("in.wav"), SoundFormat{48000, 1, 0, SF_FORMAT_WAV | SF_FORMAT_PCM_16});
    writer.WritePlanar(x, x[0].size());
    writer.Close();
    std::string out;
    ASSERT_EQ(RunCommand(std::string(HUSH_CLI_PATH) + " denoise -q --strength 30 " + Path("in.wav") + " -o " + Path("ref.wav"), &out), 0) << out;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // The host's output, delayed by the plugin's latency, against `hush denoise` (aligned).
  void ExpectMatchesDenoise(const std::string& host_output) {
    const auto ref = ReadMono(Path("ref.wav"));
    const auto got = ReadMono(host_output);
    Model model;
    hush_denoiser_config config = DefaultConfig();
    Denoiser d(model, config);
    const size_t latency = d.LatencyFrames();
    ASSERT_GE(got.size(), ref.size());
    double worst = 0.0;
    for (size_t i = 0; i + latency < ref.size(); ++i) worst = std::max(worst, static_cast<double>(std::abs(got[i + latency] - ref[i])));
    // Both files are 16-bit: the same float results, rounded independently, differ by
    // at most one step; 2 steps leave room for a tie rounded differently.
    EXPECT_LE(worst, 2.0 / 32768.0) << host_output;
    double energy = 0.0;
    for (float v : ref) energy += static_cast<double>(v) * v;
    EXPECT_GT(energy, 1.0) << "the reference is silent: the comparison would prove nothing";
  }

  fs::path dir_;
};

TEST_F(RealHosts, ApplypluginRunsTheLadspaPluginLikeHushDenoise) {
  if (std::string(HUSH_APPLYPLUGIN).empty()) GTEST_SKIP() << "applyplugin not installed (Debian: ladspa-sdk)";
  std::string out;
  // Controls in port order: strength, gate threshold, grace, bypass.
  ASSERT_EQ(RunCommand(std::string(HUSH_APPLYPLUGIN) + " " + Path("in.wav") + " " + Path("ladspa.wav") + " " + HUSH_LADSPA_PLUGIN +
                    " hush_denoise_mono 30 0 200 0", &out), 0) << out;
  ExpectMatchesDenoise(Path("ladspa.wav"));
}

TEST_F(RealHosts, Lv2applyRunsTheLv2PluginLikeHushDenoise) {
  if (std::string(HUSH_LV2APPLY).empty()) GTEST_SKIP() << "lv2apply not installed (Debian: lilv-utils)";
  std::string out;
  ASSERT_EQ(RunCommand("LV2_PATH=" + fs::path(HUSH_LV2_BUNDLE).parent_path().string() + " " + HUSH_LV2APPLY + " -i " + Path("in.wav") +
                    " -o " + Path("lv2.wav") + " -c strength 30 urn:hush:lv2:denoise-mono", &out), 0) << out;
  ExpectMatchesDenoise(Path("lv2.wav"));
}

TEST(Lv2Bundle, PassesLv2Validate) {
  if (std::string(HUSH_LV2_VALIDATE).empty()) GTEST_SKIP() << "lv2_validate not installed (Debian: lv2-dev + sordi)";
  std::string out;
  const std::string bundle = HUSH_LV2_BUNDLE;
  const int rc = RunCommand("cd " + bundle + " && " + HUSH_LV2_VALIDATE + " manifest.ttl hush.ttl", &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Found 0 errors"), std::string::npos) << out;
}

}  // namespace
}  // namespace hush
