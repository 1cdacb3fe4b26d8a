// SPDX-License-Identifier: MIT
// hush-example OUT.wav: writes 6 s of a voice-like signal in noise (48 kHz mono, 16-bit),
// so the README's first command has something to denoise without ../shared/data.
#include <sndfile.h>

#include <cstdio>
#include <exception>
#include <vector>

#include "backends/file/sound_file.h"
#include "common/test_signals.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: hush-example OUT.wav\n");
    return 2;
  }
  try {
    const int rate = 48000;
    const size_t frames = 6 * rate;
    std::vector<float> x = hush::test::SpeechLike(frames, rate, 0.4f, 1);
    const std::vector<float> hum = hush::test::BandLimitedNoise(frames, 0.03f, 400.0f, rate, 2);
    const std::vector<float> hiss = hush::test::WhiteNoise(frames, 0.01f, 3);
    for (size_t i = 0; i < frames; ++i) x[i] += hum[i] + hiss[i];
    hush::AtomicOutputFile out(argv[1]);
    {
      hush::SoundFileWriter writer(out.TemporaryPath(), hush::SoundFormat{rate, 1, 0, SF_FORMAT_WAV | SF_FORMAT_PCM_16});
      writer.WritePlanar({x}, frames);
      writer.Close();
    }
    out.Commit();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hush-example: %s\n", e.what());
    return 1;
  }
  return 0;
}
