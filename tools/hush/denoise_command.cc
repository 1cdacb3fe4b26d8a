// SPDX-License-Identifier: MIT
// `hush denoise IN... -o OUT | --out-dir DIR`: denoises audio files.
//
// Streams in blocks (never the whole file in memory), compensates the denoiser's delay
// so the output lines up with the input sample for sample and has the same length, and
// writes through AtomicOutputFile so a failure never leaves a partial file or touches an
// existing one.
#include <hush/hush.hpp>
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/file/sound_file.h"
#include "command.h"
#include "dsp/resampler.h"

namespace hush::cli {

namespace {

constexpr size_t kBlockFrames = 4096;
constexpr int kMaxChannels = 8;
constexpr int kMinRateHz = 8000;
constexpr int kMaxRateHz = 192000;

struct DenoiseOptions {
  std::vector<std::string> inputs;
  std::string output;
  std::string out_dir;
  float strength = 30.0f;
  std::string suppressor = "default";
  std::string model_path;  // a weight blob from training/export.py
  int rate_hz = 0;  // 0 = keep the input's
  std::string format;
  bool quiet = false;
};

const std::map<std::string, int>& MajorFormats() {
  static const std::map<std::string, int> formats = {
      {"wav", SF_FORMAT_WAV}, {"flac", SF_FORMAT_FLAC}, {"ogg", SF_FORMAT_OGG}, {"aiff", SF_FORMAT_AIFF},
      {"w64", SF_FORMAT_W64}, {"caf", SF_FORMAT_CAF},   {"rf64", SF_FORMAT_RF64}, {"au", SF_FORMAT_AU}};
  return formats;
}

const std::map<std::string, int>& Encodings() {
  static const std::map<std::string, int> encodings = {
      {"pcm16", SF_FORMAT_PCM_16}, {"pcm24", SF_FORMAT_PCM_24}, {"pcm32", SF_FORMAT_PCM_32},
      {"float", SF_FORMAT_FLOAT},  {"double", SF_FORMAT_DOUBLE}, {"vorbis", SF_FORMAT_VORBIS}};
  return encodings;
}

bool Valid(int format, int rate_hz, int channels) {
  SF_INFO info{};
  info.format = format;
  info.samplerate = rate_hz;
  info.channels = channels;
  return sf_format_check(&info) != 0;
}

// The output format: --format if given; otherwise the output file's extension picks the
// container (in.wav -o out.flac writes FLAC) and the input's encoding is kept where the
// container can hold it, else the container's usual one.
int ChooseFormat(const DenoiseOptions& options, const std::string& output_path, const SoundFormat& in, int rate_hz) {
  int major = in.format & SF_FORMAT_TYPEMASK;
  int subtype = in.format & SF_FORMAT_SUBMASK;
  bool subtype_forced = false;
  if (!options.format.empty()) {
    const std::string spec = options.format;
    const size_t colon = spec.find(':');
    const std::string major_name = spec.substr(0, colon);
    const auto m = MajorFormats().find(major_name);
    if (m == MajorFormats().end()) throw std::runtime_error("unknown --format '" + major_name + "' (see hush denoise --help)");
    major = m->second;
    if (colon != std::string::npos) {
      const auto e = Encodings().find(spec.substr(colon + 1));
      if (e == Encodings().end()) throw std::runtime_error("unknown encoding in --format '" + spec + "'");
      subtype = e->second;
      subtype_forced = true;
    }
  } else if (const int by_extension = MajorFormatForExtension(output_path); by_extension != 0) {
    major = by_extension;
  }
  if (Valid(major | subtype, rate_hz, in.channels)) return major | subtype;
  if (subtype_forced) {
    throw std::runtime_error(MajorFormatName(major) + " cannot hold " + SubtypeName(subtype) + " audio at " +
                             std::to_string(rate_hz) + " Hz");
  }
  // The container cannot hold the input's encoding: its usual one, as deep as the input.
  const bool deep = subtype == SF_FORMAT_FLOAT || subtype == SF_FORMAT_DOUBLE || subtype == SF_FORMAT_PCM_24 ||
                    subtype == SF_FORMAT_PCM_32;
  const int candidates[] = {major == SF_FORMAT_OGG ? static_cast<int>(SF_FORMAT_VORBIS) : 0,
                            static_cast<int>(deep ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_16), static_cast<int>(SF_FORMAT_PCM_16),
                            static_cast<int>(SF_FORMAT_FLOAT)};
  for (int candidate : candidates) {
    if (candidate != 0 && Valid(major | candidate, rate_hz, in.channels)) return major | candidate;
  }
  throw std::runtime_error(MajorFormatName(major) + " cannot hold " + std::to_string(in.channels) + "-channel audio at " +
                           std::to_string(rate_hz) + " Hz");
}

hush_suppressor_kind SuppressorKind(const std::string& name) {
  if (name == "statistical") return HUSH_SUPPRESSOR_STATISTICAL;
  if (name == "neural") return HUSH_SUPPRESSOR_NEURAL;
  return HUSH_SUPPRESSOR_DEFAULT;
}

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

class ProgressBar {
 public:
  ProgressBar(bool enabled, std::string name, int64_t total_frames)
      : enabled_(enabled), name_(std::move(name)), total_(std::max<int64_t>(total_frames, 1)) {}
  void Update(int64_t done_frames) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double fraction = std::min(1.0, static_cast<double>(done_frames) / static_cast<double>(total_));
    const int width = 30, filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r[%.*s%*s] %3d%% %s", filled, "##############################", width - filled, "",
                 static_cast<int>(fraction * 100.0), name_.c_str());
    std::fflush(stderr);
    shown_ = true;
  }
  ~ProgressBar() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
  std::string name_;
  int64_t total_;
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

// Streams planar audio through an optional rate change, delay-compensated: the first
// `latency` output frames are dropped, and the end is flushed with zeros.
class RateChanger {
 public:
  RateChanger(int in_rate_hz, int out_rate_hz, int channels) : ratio_(static_cast<double>(out_rate_hz) / in_rate_hz) {
    if (in_rate_hz == out_rate_hz) return;
    for (int c = 0; c < channels; ++c) resamplers_.push_back(std::make_unique<dsp::Resampler>(in_rate_hz, out_rate_hz, 10));
    skip_ = static_cast<size_t>(std::lround(resamplers_[0]->InputLatencyFrames() * ratio_));
    flush_frames_ = static_cast<size_t>(resamplers_[0]->InputLatencyFrames()) + 16;
  }
  bool Active() const { return !resamplers_.empty(); }
  size_t FlushFrames() const { return flush_frames_; }
  // Converts `frames` input frames into `out` (resized); returns the frames produced.
  size_t Process(const std::vector<std::vector<float>>& in, size_t frames, std::vector<std::vector<float>>& out) {
    const size_t capacity = static_cast<size_t>(std::ceil(static_cast<double>(frames) * ratio_)) + 16;
    size_t produced = 0;
    for (size_t c = 0; c < resamplers_.size(); ++c) {
      out[c].resize(std::max(out[c].size(), capacity));
      size_t in_frames = frames, out_frames = capacity;
      resamplers_[c]->Process(in[c].data(), &in_frames, out[c].data(), &out_frames);
      produced = out_frames;
    }
    const size_t dropped = std::min(skip_, produced);
    skip_ -= dropped;
    if (dropped > 0) {
      for (auto& channel : out) std::copy(channel.begin() + static_cast<std::ptrdiff_t>(dropped),
                                          channel.begin() + static_cast<std::ptrdiff_t>(produced), channel.begin());
    }
    return produced - dropped;
  }

 private:
  double ratio_;
  std::vector<std::unique_ptr<dsp::Resampler>> resamplers_;
  size_t skip_ = 0;
  size_t flush_frames_ = 0;
};

struct FileResult {
  double audio_seconds = 0.0;
  double cpu_seconds = 0.0;
  int rate_hz = 0;
  int channels = 0;
  uint64_t clipped = 0;
  std::string format;
};

FileResult DenoiseFile(const DenoiseOptions& options, const hush::Model& model, const std::string& input,
                       const std::string& output) {
  SoundFileReader reader(input);
  const SoundFormat in = reader.Format();
  const int out_rate = options.rate_hz != 0 ? options.rate_hz : in.sample_rate_hz;
  if (in.channels > kMaxChannels) {
    throw std::runtime_error("'" + input + "' has " + std::to_string(in.channels) + " channels; Hush handles 1 to 8");
  }
  if (out_rate < kMinRateHz || out_rate > kMaxRateHz) {
    throw std::runtime_error("'" + input + "' is at " + std::to_string(out_rate) +
                             " Hz; Hush handles 8000 to 192000 Hz (use --rate to convert)");
  }
  if (in.sample_rate_hz < 1000 || in.sample_rate_hz > 768000) {
    throw std::runtime_error("'" + input + "' has an implausible rate of " + std::to_string(in.sample_rate_hz) + " Hz");
  }
  const int format = ChooseFormat(options, output, in, out_rate);

  hush_denoiser_config config = DefaultConfig();
  config.sample_rate_hz = static_cast<uint32_t>(out_rate);
  config.channels = static_cast<uint32_t>(in.channels);
  config.max_block_frames = static_cast<uint32_t>(2 * kBlockFrames + 64);
  config.atten_limit_db = options.strength;
  Denoiser denoiser(model, config);
  const size_t latency = denoiser.LatencyFrames();

  AtomicOutputFile atomic(output);
  SoundFileWriter writer(atomic.TemporaryPath(), SoundFormat{out_rate, in.channels, 0, format});

  const size_t channels = static_cast<size_t>(in.channels);
  std::vector<std::vector<float>> block(channels, std::vector<float>(kBlockFrames, 0.0f));
  std::vector<std::vector<float>> converted(channels), denoised(channels), tail(channels);
  std::vector<const float*> in_ptrs(channels);
  std::vector<float*> out_ptrs(channels);
  RateChanger rate_changer(in.sample_rate_hz, out_rate, in.channels);
  const int64_t expected_frames = rate_changer.Active()
                                      ? static_cast<int64_t>(std::llround(static_cast<double>(in.frames) * out_rate / in.sample_rate_hz))
                                      : in.frames;

  ProgressBar progress(!options.quiet && isatty(STDERR_FILENO) && in.frames > 10 * static_cast<int64_t>(in.sample_rate_hz),
                       std::filesystem::path(input).filename().string(), in.frames);
  size_t to_skip = latency;  // the denoiser's delay, dropped from the start
  int64_t written = 0, read_frames = 0;
  double cpu = 0.0;

  // Denoises `frames` frames of `source` and writes what is due.
  auto denoise_and_write = [&](std::vector<std::vector<float>>& source, size_t frames) {
    for (size_t c = 0; c < channels; ++c) {
      denoised[c].resize(std::max(denoised[c].size(), frames));
      in_ptrs[c] = source[c].data();
      out_ptrs[c] = denoised[c].data();
    }
    const double start = ThreadCpuSeconds();
    const hush_status status = denoiser.Process(in_ptrs.data(), out_ptrs.data(), frames);
    cpu += ThreadCpuSeconds() - start;
    if (status != HUSH_OK) throw std::runtime_error(std::string("denoising failed: ") + hush_status_string(status));
    const size_t skip = std::min(to_skip, frames);
    to_skip -= skip;
    const size_t due = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(frames - skip), expected_frames - written));
    if (due == 0) return;
    for (size_t c = 0; c < channels; ++c) {
      tail[c].assign(denoised[c].begin() + static_cast<std::ptrdiff_t>(skip),
                     denoised[c].begin() + static_cast<std::ptrdiff_t>(skip + due));
    }
    writer.WritePlanar(tail, due);
    written += static_cast<int64_t>(due);
  };
  auto feed = [&](std::vector<std::vector<float>>& source, size_t frames) {
    if (!rate_changer.Active()) return denoise_and_write(source, frames);
    const size_t produced = rate_changer.Process(source, frames, converted);
    if (produced > 0) denoise_and_write(converted, produced);
  };

  while (true) {
    const size_t got = reader.ReadPlanar(block, kBlockFrames);
    if (got == 0) break;
    read_frames += static_cast<int64_t>(got);
    feed(block, got);
    progress.Update(read_frames);
  }
  if (read_frames == 0) throw std::runtime_error("'" + input + "' holds no audio");
  // Flush: silence through the rate changer and the denoiser until every frame is out.
  for (auto& channel : block) std::fill(channel.begin(), channel.end(), 0.0f);
  size_t flush = rate_changer.FlushFrames();
  while (flush > 0) {
    const size_t n = std::min(flush, kBlockFrames);
    feed(block, n);
    flush -= n;
  }
  while (written < expected_frames) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kBlockFrames), expected_frames - written + static_cast<int64_t>(to_skip)));
    denoise_and_write(block, std::max<size_t>(n, 1));
  }
  if (read_frames != in.frames && in.frames > 0) {
    throw std::runtime_error("'" + input + "' ended after " + std::to_string(read_frames) + " of " +
                             std::to_string(in.frames) + " frames (truncated?)");
  }
  writer.Close();
  atomic.Commit();

  FileResult result;
  result.audio_seconds = static_cast<double>(read_frames) / in.sample_rate_hz;
  result.cpu_seconds = cpu;
  result.rate_hz = out_rate;
  result.channels = in.channels;
  result.clipped = writer.ClippedSamples();
  result.format = MajorFormatName(format) + " " + SubtypeName(format);
  return result;
}

std::string ChannelsName(int channels) {
  return channels == 1 ? "mono" : channels == 2 ? "stereo" : std::to_string(channels) + "-channel";
}

int Run(const DenoiseOptions& options) {
  namespace fs = std::filesystem;
  if (options.output.empty() == options.out_dir.empty()) {
    std::fprintf(stderr, "hush denoise: give exactly one of -o/--output and --out-dir\n");
    return kExitUsage;
  }
  if (!options.output.empty() && options.inputs.size() != 1) {
    std::fprintf(stderr, "hush denoise: -o takes one input; use --out-dir DIR for %zu inputs\n", options.inputs.size());
    return kExitUsage;
  }
  if (!options.out_dir.empty() && !fs::is_directory(options.out_dir)) {
    std::fprintf(stderr, "hush denoise: --out-dir '%s' is not a directory\n", options.out_dir.c_str());
    return kExitUsage;
  }
  std::optional<hush::Model> model;
  if (!options.model_path.empty()) {
    // A blob is at most a few MB; refuse anything absurd before reading it whole.
    constexpr std::uintmax_t kMaxModelBytes = 64u << 20;
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(options.model_path, ec);
    if (ec || size > kMaxModelBytes) {
      std::fprintf(stderr, "hush denoise: cannot use model '%s': %s\n", options.model_path.c_str(),
                   ec ? ec.message().c_str() : "larger than 64 MB, not a Hush model");
      return kExitFailure;
    }
    std::ifstream file(options.model_path, std::ios::binary);
    std::vector<char> bytes(static_cast<size_t>(size));
    if (!file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
      std::fprintf(stderr, "hush denoise: cannot read model '%s'\n", options.model_path.c_str());
      return kExitFailure;
    }
    try {
      model.emplace(hush::Model::FromMemory(bytes.data(), bytes.size()));
    } catch (const hush::Error& e) {
      std::fprintf(stderr, "hush denoise: model '%s' refused: %s\n", options.model_path.c_str(),
                   hush_status_string(e.status()));
      return kExitFailure;
    }
  } else try {
    model.emplace(SuppressorKind(options.suppressor));
  } catch (const hush::Error& e) {
    std::fprintf(stderr, "hush denoise: the %s suppressor is not available: %s\n", options.suppressor.c_str(),
                 hush_status_string(e.status()));
    return kExitFailure;
  }

  int failures = 0;
  for (const std::string& input : options.inputs) {
    const std::string output =
        !options.output.empty() ? options.output : (fs::path(options.out_dir) / fs::path(input).filename()).string();
    std::error_code ec;
    const bool same = SameFile(input, output) ||
                      (fs::weakly_canonical(input, ec) == fs::weakly_canonical(output, ec) && !ec);
    if (same) {
      std::fprintf(stderr, "hush: error: '%s': the output would overwrite the input; choose another -o or --out-dir\n",
                   input.c_str());
      ++failures;
      continue;
    }
    try {
      const FileResult r = DenoiseFile(options, *model, input, output);
      if (!options.quiet) {
        std::printf("denoised %s -> %s: %.1f s of %d Hz %s (%s), strength %g, %.3f s CPU (%.4f s per audio second)%s\n",
                    input.c_str(), output.c_str(), r.audio_seconds, r.rate_hz, ChannelsName(r.channels).c_str(),
                    r.format.c_str(), static_cast<double>(options.strength), r.cpu_seconds,
                    r.audio_seconds > 0 ? r.cpu_seconds / r.audio_seconds : 0.0,
                    r.clipped > 0 ? (", " + std::to_string(r.clipped) + " samples clipped").c_str() : "");
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hush: error: %s (nothing written to '%s')\n", e.what(), output.c_str());
      ++failures;
    }
  }
  return failures == 0 ? kExitOk : kExitFailure;
}

}  // namespace

Command RegisterDenoiseCommand(CLI::App& parent) {
  auto options = std::make_shared<DenoiseOptions>();
  CLI::App* app = parent.add_subcommand("denoise", "Remove background noise from audio files");
  app->add_option("inputs", options->inputs, "Input files (any format libsndfile reads: WAV, FLAC, Ogg, AIFF, ...)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* out = app->add_option("-o,--output", options->output, "Output file (one input only)");
  auto* dir = app->add_option("--out-dir", options->out_dir, "Write each output as DIR/<input name>");
  out->excludes(dir);
  app->add_option("--strength", options->strength,
                  "Attenuation limit in dB, 0 (bypass) to 100; default 30")
      ->check(CLI::Range(0.0f, 100.0f));
  app->add_option("--model", options->model_path,
                  "A weight blob (.hnn, from training/export.py) to use instead of the built-in model");
  app->add_option("--suppressor", options->suppressor, "statistical, neural or default")
      ->check(CLI::IsMember({"default", "statistical", "neural"}));
  app->add_option("--rate", options->rate_hz, "Output sample rate in Hz (default: the input's)")
      ->check(CLI::Range(kMinRateHz, kMaxRateHz));
  app->add_option("--format", options->format,
                  "Output container[:encoding]: wav, flac, ogg, aiff, w64, caf, rf64, au; encodings pcm16, pcm24, "
                  "pcm32, float, double, vorbis. Default: the output's extension picks the container and the input's "
                  "encoding is kept where possible (else 16/24-bit PCM, Vorbis for Ogg)");
  app->add_flag("-q,--quiet", options->quiet, "No summary line or progress bar");
  return Command{app, [options] { return Run(*options); }};
}

}  // namespace hush::cli
