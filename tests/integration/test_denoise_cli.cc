// SPDX-License-Identifier: MIT
// `hush denoise` end to end: the real binary on files written with libsndfile.
#include <gtest/gtest.h>
#include <sndfile.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "backends/file/sound_file.h"
#include "common/test_signals.h"
#include "eval/sisdr.h"

namespace fs = std::filesystem;

namespace hush {
namespace {

struct Result {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

Result RunHush(const std::string& args) {
  const std::string command = std::string(HUSH_CLI_PATH) + " " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 512> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) r.output += buffer.data();
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class DenoiseCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hush-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Speech-like signal plus white noise, `seconds` long, written in `format`.
  // band_limited: noise kept well below every resampler's pass-band edge.
  std::string MakeInput(const std::string& name, int format, int rate, int channels, double seconds = 3.0,
                        bool band_limited = false) {
    const size_t frames = static_cast<size_t>(seconds * rate);
    std::vector<std::vector<float>> planar;
    for (int c = 0; c < channels; ++c) {
      std::vector<float> x = test::SpeechLike(frames, rate, 0.5f, static_cast<uint64_t>(10 + c));
      const std::vector<float> n =
          band_limited ? test::BandLimitedNoise(frames, 0.02f, 0.2f * static_cast<float>(rate), rate, static_cast<uint64_t>(20 + c))
                       : test::WhiteNoise(frames, 0.02f, static_cast<uint64_t>(20 + c));
      for (size_t i = 0; i < frames; ++i) x[i] += n[i];
      planar.push_back(std::move(x));
    }
    SoundFileWriter writer(Path(name), SoundFormat{rate, channels, 0, format});
    writer.WritePlanar(planar, frames);
    writer.Close();
    return Path(name);
  }

  static std::vector<std::vector<float>> ReadAll(const std::string& path, SoundFormat* format = nullptr) {
    SoundFileReader reader(path);
    if (format != nullptr) *format = reader.Format();
    const size_t channels = static_cast<size_t>(reader.Format().channels);
    std::vector<std::vector<float>> all(channels), block(channels, std::vector<float>(4096));
    while (const size_t got = reader.ReadPlanar(block, 4096)) {
      for (size_t c = 0; c < channels; ++c) all[c].insert(all[c].end(), block[c].begin(), block[c].begin() + static_cast<std::ptrdiff_t>(got));
    }
    return all;
  }

  fs::path dir_;
};

TEST_F(DenoiseCli, KeepsRateChannelsEncodingAndLengthOfEachFormat) {
  struct Case {
    std::string name;
    int format;
    int rate;
    int channels;
  };
  const Case cases[] = {{"a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1},
                        {"b.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 2},
                        {"c.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 16000, 1},
                        {"d.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 48000, 2},
                        {"e.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 22050, 3}};
  for (const Case& c : cases) {
    const std::string in = MakeInput(c.name, c.format, c.rate, c.channels);
    const std::string out = Path("out_" + c.name);
    const Result r = RunHush("denoise " + in + " -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("denoised"), std::string::npos) << r.output;
    SoundFormat fin, fout;
    const auto x = ReadAll(in, &fin);
    const auto y = ReadAll(out, &fout);
    EXPECT_EQ(fout.sample_rate_hz, fin.sample_rate_hz) << c.name;
    EXPECT_EQ(fout.channels, fin.channels) << c.name;
    EXPECT_EQ(fout.format, fin.format) << c.name;
    EXPECT_EQ(y[0].size(), x[0].size()) << c.name;
  }
}

TEST_F(DenoiseCli, StrengthZeroReturnsTheInputSampleForSample) {
  for (int rate : {48000, 44100, 16000}) {
    const std::string in = MakeInput("in.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, 2, 3.0, true);
    const std::string out = Path("out.wav");
    const Result r = RunHush("denoise --strength 0 " + in + " -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto x = ReadAll(in), y = ReadAll(out);
    ASSERT_EQ(y[0].size(), x[0].size());
    for (size_t c = 0; c < 2; ++c) {
      double worst = 0.0;
      const size_t margin = static_cast<size_t>(rate) / 20;  // resampler start-up
      for (size_t i = margin; i + margin < x[c].size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(y[c][i]) - x[c][i]));
      // 48 kHz: the STFT round trip (1e-5); elsewhere the resampler pass band (-60 dB).
      EXPECT_LT(worst, rate == 48000 ? 1e-5 : 2e-3) << "rate " << rate << " ch " << c;
    }
  }
}

TEST_F(DenoiseCli, DenoisedOutputIsAlignedAndCleaner) {
  const int rate = 48000;
  const size_t frames = 4 * rate;
  const std::vector<float> clean = test::SpeechLike(frames, rate, 0.5f, 3);
  const std::vector<float> noise = test::WhiteNoise(frames, 0.05f, 4);
  std::vector<std::vector<float>> noisy(1, std::vector<float>(frames));
  for (size_t i = 0; i < frames; ++i) noisy[0][i] = clean[i] + noise[i];
  {
    SoundFileWriter writer(Path("noisy.wav"), SoundFormat{rate, 1, 0, SF_FORMAT_WAV | SF_FORMAT_FLOAT});
    writer.WritePlanar(noisy, frames);
    writer.Close();
  }
  // The synthetic "speech" (harmonic bursts) suits the statistical suppressor; the
  // trained one is tested on real speech below.
  const Result r = RunHush("denoise --suppressor statistical " + Path("noisy.wav") + " -o " + Path("clean.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto y = ReadAll(Path("clean.wav"));
  EXPECT_EQ(EstimateDelayFrames(clean.data(), y[0].data(), frames, 2000), 0);
  EXPECT_GT(SiSdrDb(clean.data(), y[0].data(), frames), SiSdrDb(clean.data(), noisy[0].data(), frames) + 5.0);
}

TEST_F(DenoiseCli, DefaultSuppressorCleansRealSpeechAndKeepsItAligned) {
  const fs::path speech = fs::path(HUSH_SHARED_DATA_DIR) / "samples/clean/vctk_p286_011_48k.flac";
  if (!fs::exists(speech)) GTEST_SKIP() << "../shared/data is absent: no real speech to test";
  const auto clean = ReadAll(speech.string());
  const size_t frames = clean[0].size();
  const std::vector<float> noise = test::WhiteNoise(frames, 0.3f * static_cast<float>(std::sqrt(test::Energy(clean[0].data(), frames) / static_cast<double>(frames))), 4);
  std::vector<std::vector<float>> noisy(1, std::vector<float>(frames));
  for (size_t i = 0; i < frames; ++i) noisy[0][i] = clean[0][i] + noise[i];  // about 10 dB SNR
  {
    SoundFileWriter writer(Path("noisy.wav"), SoundFormat{48000, 1, 0, SF_FORMAT_WAV | SF_FORMAT_FLOAT});
    writer.WritePlanar(noisy, frames);
    writer.Close();
  }
  const Result r = RunHush("denoise " + Path("noisy.wav") + " -o " + Path("clean.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto y = ReadAll(Path("clean.wav"));
  ASSERT_EQ(y[0].size(), frames);
  EXPECT_EQ(EstimateDelayFrames(clean[0].data(), y[0].data(), frames, 2000), 0);
  const double before = SiSdrDb(clean[0].data(), noisy[0].data(), frames);
  const double after = SiSdrDb(clean[0].data(), y[0].data(), frames);
  // White noise at 10 dB SNR: both suppressors gain well over 5 dB here (docs/NEURAL.md).
  EXPECT_GT(after, before + 5.0) << "noisy " << before << " dB, denoised " << after << " dB";
}

TEST_F(DenoiseCli, ConvertsRateAndFormatOnRequest) {
  const std::string in = MakeInput("in.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 2.0);
  Result r = RunHush("denoise " + in + " -o " + Path("out.wav") + " --rate 16000 --format flac:pcm24");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  SoundFormat f;
  auto y = ReadAll(Path("out.wav"), &f);
  EXPECT_EQ(f.sample_rate_hz, 16000);
  EXPECT_EQ(f.format, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
  EXPECT_EQ(y[0].size(), static_cast<size_t>(std::llround(2.0 * 44100 * 16000.0 / 44100.0)));
  // The extension picks the container when --format is absent.
  r = RunHush("denoise " + in + " -o " + Path("out.flac"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ReadAll(Path("out.flac"), &f);
  EXPECT_EQ(f.format, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  r = RunHush("denoise " + in + " -o " + Path("x.wav") + " --format nope");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(Path("x.wav")));
}

TEST_F(DenoiseCli, SeveralInputsGoToAnOutputDirectory) {
  const std::string a = MakeInput("a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1, 1.0);
  const std::string b = MakeInput("b.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 2, 1.0);
  fs::create_directories(Path("out"));
  const Result r = RunHush("denoise " + a + " " + b + " --out-dir " + Path("out"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(Path("out/a.wav")));
  EXPECT_TRUE(fs::exists(Path("out/b.flac")));
  // -o with two inputs is a usage error.
  EXPECT_EQ(RunHush("denoise " + a + " " + b + " -o " + Path("x.wav")).exit_code, 2);
}

TEST_F(DenoiseCli, BadInputsFailClearlyAndWriteNothing) {
  const std::string good = MakeInput("good.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1, 1.0);
  // Missing file.
  Result r = RunHush("denoise " + Path("missing.wav") + " -o " + Path("o1.wav"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("missing.wav"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(Path("o1.wav")));
  // Not audio at all.
  { std::ofstream(Path("text.wav")) << "this is not a wav file\n"; }
  r = RunHush("denoise " + Path("text.wav") + " -o " + Path("o2.wav"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("text.wav"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(Path("o2.wav")));
  // A FLAC file cut in half: the decoder fails mid-stream.
  const std::string flac = MakeInput("cut.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 1, 4.0);
  const std::string bytes = ReadBytes(flac);
  { std::ofstream(flac, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2)); }
  r = RunHush("denoise " + flac + " -o " + Path("o3.wav"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_FALSE(fs::exists(Path("o3.wav")));
  // Output equal to the input, also through a symlink: refused, input untouched.
  const std::string before = ReadBytes(good);
  r = RunHush("denoise " + good + " -o " + good);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("overwrite the input"), std::string::npos) << r.output;
  fs::create_symlink(good, Path("link.wav"));
  r = RunHush("denoise " + good + " -o " + Path("link.wav"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(ReadBytes(good), before);
  // An output directory that cannot exist (a path through a regular file: fails for root
  // too, unlike permission bits).
  r = RunHush("denoise " + good + " -o " + Path("good.wav/sub/out.wav"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(ReadBytes(good), before);
  // More channels than Hush handles.
  const std::string wide = MakeInput("wide.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 9, 0.5);
  r = RunHush("denoise " + wide + " -o " + Path("o4.wav"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("1 to 8"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(Path("o4.wav")));
  // No leftover temporary files anywhere.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".hush-"), std::string::npos) << entry.path();
  }
}

TEST_F(DenoiseCli, AFailureLeavesAnExistingOutputByteIdentical) {
  { std::ofstream(Path("garbage.flac"), std::ios::binary) << std::string(5000, 'x'); }
  { std::ofstream(Path("precious.wav"), std::ios::binary) << "precious contents"; }
  const Result r = RunHush("denoise " + Path("garbage.flac") + " -o " + Path("precious.wav"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(ReadBytes(Path("precious.wav")), "precious contents");
}

TEST_F(DenoiseCli, AModelBlobIsUsedWhenValidAndRefusedWholeWhenNot) {
  const std::string in = MakeInput("in.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 1.0);
  const std::string blob = std::string(HUSH_SOURCE_DIR) + "/models/hush-default.hnn";
  if (!fs::exists(blob)) GTEST_SKIP() << "no models/hush-default.hnn in this checkout";
  // The shipped blob given explicitly gives the same output as the built-in neural model.
  Result r = RunHush("denoise --model " + blob + " " + in + " -o " + Path("a.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunHush("denoise --suppressor neural " + in + " -o " + Path("b.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Samples, not bytes: libsndfile's PEAK chunk holds a timestamp.
  EXPECT_EQ(ReadAll(Path("a.wav")), ReadAll(Path("b.wav")));

  // A truncated blob is refused, with the reason, and the existing output is untouched.
  const std::string bytes = ReadBytes(blob);
  std::ofstream(Path("cut.hnn"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::ofstream(Path("keep.wav"), std::ios::binary) << "precious";
  r = RunHush("denoise --model " + Path("cut.hnn") + " " + in + " -o " + Path("keep.wav"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("corrupt"), std::string::npos) << r.output;
  EXPECT_EQ(ReadBytes(Path("keep.wav")), "precious");
  r = RunHush("denoise --model " + Path("nope.hnn") + " " + in + " -o " + Path("c.wav"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("nope.hnn"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(Path("c.wav")));
}

TEST_F(DenoiseCli, OneBadInputDoesNotStopTheOthers) {
  const std::string a = MakeInput("a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1, 1.0);
  { std::ofstream(Path("bad.wav")) << "junk"; }
  fs::create_directories(Path("out"));
  const Result r = RunHush("denoise " + Path("bad.wav") + " " + a + " --out-dir " + Path("out"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(fs::exists(Path("out/a.wav")));
  EXPECT_FALSE(fs::exists(Path("out/bad.wav")));
}

TEST_F(DenoiseCli, ShowsAProgressBarOnlyOnATerminal) {
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "util-linux 'script' (a pseudo-terminal) is absent";
  const std::string in = MakeInput("long.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, 25.0);
  // Under a pseudo-terminal: a bar with a percentage, erased at the end.
  const std::string command = std::string("script -qec '") + HUSH_CLI_PATH + " denoise " + in + " -o " + Path("tty.wav") +
                              "' /dev/null 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string tty_output;
  std::array<char, 512> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) tty_output += buffer.data();
  EXPECT_EQ(pclose(pipe), 0) << tty_output;
  EXPECT_NE(tty_output.find("%"), std::string::npos) << tty_output;
  EXPECT_NE(tty_output.find("long.wav"), std::string::npos) << tty_output;
  // Through a pipe: the summary line only.
  const Result r = RunHush("denoise " + in + " -o " + Path("pipe.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("%"), std::string::npos) << r.output;
}

TEST(SimCli, DriftSimulationPrintsTheSummaryLine) {
  const Result r = RunHush("sim drift --ppm 1000 --seconds 120 --rate-in 44100 --block-in 441 --block-out 1024 "
                           "--jitter-ms 0.5 --audio-seconds 15");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const size_t summary = r.output.find("summary: xruns after lock 0, max latency error 0.");
  EXPECT_NE(summary, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("THD+N -", summary), std::string::npos) << r.output;
  EXPECT_EQ(RunHush("sim drift --stall-side sideways").exit_code, 2);  // bad option: usage error
}

TEST_F(DenoiseCli, RealRecordingFromSharedData) {
  const fs::path sample = fs::path(HUSH_SHARED_DATA_DIR) / "samples/pairs/noisy/p287_001.flac";
  const fs::path reference = fs::path(HUSH_SHARED_DATA_DIR) / "samples/pairs/clean/p287_001.flac";
  if (!fs::exists(sample) || !fs::exists(reference)) GTEST_SKIP() << "../shared/data is absent: no real recording to test";
  const Result r = RunHush("denoise " + sample.string() + " -o " + Path("out.flac"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto clean = ReadAll(reference.string()), noisy = ReadAll(sample.string()), y = ReadAll(Path("out.flac"));
  ASSERT_EQ(y[0].size(), noisy[0].size());
  EXPECT_EQ(EstimateDelayFrames(noisy[0].data(), y[0].data(), y[0].size(), 1000), 0);
}

}  // namespace
}  // namespace hush
