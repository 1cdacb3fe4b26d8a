// SPDX-License-Identifier: MIT
// The audio-file path of `hush denoise`: bytes of any file, opened through libsndfile by
// the same SoundFileReader the tool uses (src/backends/file/sound_file.h), then read in
// blocks and denoised by the library at the file's own rate and channel count (odd
// rates, channel counts and lengths included: the C API resamples to 48 kHz inside).
// Invariants: never crashes; a file libsndfile cannot make sense of is a
// std::runtime_error with a message (the tool prints it and writes nothing); a readable
// file is either refused by the C API with a status (an unsupported rate or channel
// count, as `hush denoise` reports it) or denoised to finite output.
//
// The bytes reach libsndfile as a real file (a memfd, opened by its /proc path), so the
// reader's own open and error paths run unchanged.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/file/sound_file.h"
#include "hush/hush.h"

namespace {

// Enough to run many hops through the denoiser while keeping a run fast: a header that
// claims hours of audio must not make one input take minutes.
constexpr size_t kMaxFramesRead = 2400;
constexpr size_t kBlockFrames = 512;

void Denoise(hush::SoundFileReader& reader, hush_model* model) {
  const hush::SoundFormat& format = reader.Format();
  if (format.channels <= 0) std::abort();  // SoundFileReader refuses these itself
  hush_denoiser_config config;
  hush_denoiser_config_init(&config);
  config.sample_rate_hz = static_cast<uint32_t>(format.sample_rate_hz);
  config.channels = static_cast<uint32_t>(format.channels);
  config.max_block_frames = kBlockFrames;
  hush_denoiser* raw = nullptr;
  if (hush_denoiser_create(model, &config, &raw) != HUSH_OK) {
    if (raw != nullptr) std::abort();
    return;  // a rate or channel count the library does not take: refused, said so
  }
  // Owned, because ReadPlanar() throws on a corrupt stretch mid-file.
  const std::unique_ptr<hush_denoiser, void (*)(hush_denoiser*)> owner(raw, hush_denoiser_destroy);
  hush_denoiser* denoiser = owner.get();
  const size_t channels = static_cast<size_t>(format.channels);
  std::vector<std::vector<float>> planar(channels, std::vector<float>(kBlockFrames));
  std::vector<std::vector<float>> out(channels, std::vector<float>(kBlockFrames));
  std::vector<const float*> ins(channels);
  std::vector<float*> outs(channels);
  for (size_t c = 0; c < channels; ++c) {
    ins[c] = planar[c].data();
    outs[c] = out[c].data();
  }
  size_t total = 0;
  while (total < kMaxFramesRead) {
    const size_t frames = reader.ReadPlanar(planar, kBlockFrames);
    if (frames == 0) break;
    if (frames > kBlockFrames) std::abort();
    total += frames;
    if (hush_denoiser_process(denoiser, ins.data(), outs.data(), frames) != HUSH_OK) std::abort();
    for (size_t c = 0; c < channels; ++c) {
      for (size_t i = 0; i < frames; ++i) {
        if (!std::isfinite(out[c][i])) std::abort();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static hush_model* model = [] {
    hush_model* m = nullptr;
    if (hush_model_create(HUSH_SUPPRESSOR_STATISTICAL, &m) != HUSH_OK) std::abort();
    return m;
  }();
  const int fd = memfd_create("hush-fuzz-input", 0);
  if (fd < 0) std::abort();
  size_t written = 0;
  while (written < size) {
    const ssize_t n = write(fd, data + written, size - written);
    if (n <= 0) std::abort();
    written += static_cast<size_t>(n);
  }
  lseek(fd, 0, SEEK_SET);
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    hush::SoundFileReader reader(path);
    Denoise(reader, model);
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).empty()) std::abort();  // every refusal says why
  }
  close(fd);
  return 0;
}
