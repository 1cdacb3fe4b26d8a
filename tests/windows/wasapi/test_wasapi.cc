// SPDX-License-Identifier: MIT
// Unit tests of hush.exe's engine pieces that need no sound server, run under Wine:
// format negotiation (CheckWaveFormat, FieldsOf on real WAVEFORMATEXTENSIBLE structs),
// the denoise path between two threads, and the back door's "driver not installed".
#include <windows.h>
#include <ks.h>
#include <ksmedia.h>
#include <mmreg.h>

#include <hush/hush.h>

#include <atomic>
#include <cmath>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "backends/wasapi/denoise_path.h"
#include "backends/wasapi/driver_transport.h"
#include "backends/wasapi/wasapi_common.h"
#include "backends/wasapi/wave_format.h"
#include "win_test.h"

namespace {

using hush::engine::SampleFormat;
using hush::wasapi::CheckWaveFormat;
using hush::wasapi::FieldsOf;
using hush::wasapi::WaveFormatFields;

WAVEFORMATEXTENSIBLE Extensible(WORD channels, DWORD rate, WORD container_bits, WORD valid_bits, const GUID& sub) {
  WAVEFORMATEXTENSIBLE x{};
  x.Format.wFormatTag = WAVE_FORMAT_EXTENSIBLE;
  x.Format.nChannels = channels;
  x.Format.nSamplesPerSec = rate;
  x.Format.wBitsPerSample = container_bits;
  x.Format.nBlockAlign = static_cast<WORD>(channels * container_bits / 8);
  x.Format.nAvgBytesPerSec = rate * x.Format.nBlockAlign;
  x.Format.cbSize = sizeof(WAVEFORMATEXTENSIBLE) - sizeof(WAVEFORMATEX);
  x.Samples.wValidBitsPerSample = valid_bits;
  x.dwChannelMask = channels == 1 ? SPEAKER_FRONT_CENTER : SPEAKER_FRONT_LEFT | SPEAKER_FRONT_RIGHT;
  x.SubFormat = sub;
  return x;
}

bool Contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

// The mix formats Windows' audio engine uses (float32 extensible) and the PCM layouts
// devices report are read as the engine's sample formats, with the right frame size.
HUSH_TEST(WaveFormatAcceptsMixAndPcmFormats) {
  const auto f32 = CheckWaveFormat(FieldsOf(Extensible(2, 48000, 32, 32, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT).Format));
  HUSH_REQUIRE(f32.ok);
  HUSH_CHECK(f32.format.layout.format == SampleFormat::kF32);
  HUSH_CHECK(f32.format.layout.channels == 2 && f32.format.sample_rate_hz == 48000);
  HUSH_CHECK(f32.format.bytes_per_frame == 8);
  HUSH_CHECK(f32.format.channel_mask == (SPEAKER_FRONT_LEFT | SPEAKER_FRONT_RIGHT));
  // 24 valid bits left-justified in 32: read as int32 (the low byte is zero).
  const auto s24in32 = CheckWaveFormat(FieldsOf(Extensible(2, 44100, 32, 24, KSDATAFORMAT_SUBTYPE_PCM).Format));
  HUSH_REQUIRE(s24in32.ok);
  HUSH_CHECK(s24in32.format.layout.format == SampleFormat::kS32);
  const auto s24 = CheckWaveFormat(FieldsOf(Extensible(1, 96000, 24, 24, KSDATAFORMAT_SUBTYPE_PCM).Format));
  HUSH_REQUIRE(s24.ok);
  HUSH_CHECK(s24.format.layout.format == SampleFormat::kS24 && s24.format.bytes_per_frame == 3);
  WAVEFORMATEX pcm16{};
  pcm16.wFormatTag = WAVE_FORMAT_PCM;
  pcm16.nChannels = 1;
  pcm16.nSamplesPerSec = 16000;
  pcm16.wBitsPerSample = 16;
  pcm16.nBlockAlign = 2;
  pcm16.nAvgBytesPerSec = 32000;
  const auto s16 = CheckWaveFormat(FieldsOf(pcm16));
  HUSH_REQUIRE(s16.ok);
  HUSH_CHECK(s16.format.layout.format == SampleFormat::kS16 && s16.format.channel_mask == 0);
  WAVEFORMATEX f64 = pcm16;
  f64.wFormatTag = WAVE_FORMAT_IEEE_FLOAT;
  f64.wBitsPerSample = 64;
  f64.nBlockAlign = 8;
  HUSH_CHECK(CheckWaveFormat(FieldsOf(f64)).format.layout.format == SampleFormat::kF64);
}

// Everything the engine cannot read is refused with the field named, never guessed.
HUSH_TEST(WaveFormatRefusesWhatItCannotRead) {
  const auto good = FieldsOf(Extensible(2, 48000, 32, 32, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT).Format);
  HUSH_REQUIRE(CheckWaveFormat(good).ok);
  struct Case {
    WaveFormatFields fields;
    const char* field;
  };
  std::vector<Case> cases;
  auto with = [&](auto change, const char* field) {
    WaveFormatFields f = good;
    change(f);
    cases.push_back({f, field});
  };
  with([](WaveFormatFields& f) { f.extra_size = 0; }, "cbSize");
  with([](WaveFormatFields& f) { f.sub_format_is_standard = false; }, "SubFormat");
  with([](WaveFormatFields& f) { f.sub_format = 0x0092; }, "SubFormat");  // Dolby AC-3 over S/PDIF
  with([](WaveFormatFields& f) { f.valid_bits_per_sample = 33; }, "wValidBitsPerSample");
  with([](WaveFormatFields& f) { f.format_tag = 0x0006; }, "wFormatTag");  // A-law
  with([](WaveFormatFields& f) { f.channels = 9; f.block_align = 36; }, "channel count");
  with([](WaveFormatFields& f) { f.channels = 0; }, "channel count");
  with([](WaveFormatFields& f) { f.samples_per_sec = 4000; }, "sample rate");
  with([](WaveFormatFields& f) { f.samples_per_sec = 384000; }, "sample rate");
  with([](WaveFormatFields& f) { f.bits_per_sample = 16; f.valid_bits_per_sample = 16; }, "IEEE float container");
  with([](WaveFormatFields& f) { f.sub_format = 1; f.bits_per_sample = 8; f.valid_bits_per_sample = 8; f.block_align = 2; },
       "PCM container");
  with([](WaveFormatFields& f) { f.block_align = 6; }, "nBlockAlign");
  for (const Case& c : cases) {
    const auto check = CheckWaveFormat(c.fields);
    HUSH_CHECK(!check.ok);
    if (!Contains(check.error, c.field)) {
      std::printf("  error \"%s\" does not name %s\n", check.error.c_str(), c.field);
      HUSH_CHECK(Contains(check.error, c.field));
    }
  }
  // FieldsOf reads no EXTENSIBLE part that cbSize does not promise.
  WAVEFORMATEXTENSIBLE short_x = Extensible(2, 48000, 32, 32, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT);
  short_x.Format.cbSize = 0;
  const WaveFormatFields fields = FieldsOf(short_x.Format);
  HUSH_CHECK(fields.sub_format == 0 && !fields.sub_format_is_standard);
  HUSH_CHECK(!CheckWaveFormat(fields).ok);
}

// A sine goes in on one thread and comes out on another, through the denoiser at
// strength 0 (bypass: the input delayed) and the bridge: no underrun, no overrun, the
// level and frequency kept. Both threads keep real time (10 ms blocks at 48 kHz).
HUSH_TEST(DenoisePathCarriesASineBetweenTwoThreads) {
  hush_model* model = nullptr;
  HUSH_REQUIRE(hush_model_create(HUSH_SUPPRESSOR_STATISTICAL, &model) == HUSH_OK);
  hush::wasapi::DenoisePathConfig config;
  config.atten_limit_db = 0.0f;
  config.target_latency_ms = 30.0;
  auto path = std::make_unique<hush::wasapi::DenoisePath>(model, config);
  constexpr int kRate = 48000;
  constexpr size_t kBlock = 480;
  constexpr int kBlocks = 200;  // 2 s
  const double step = 2.0 * std::numbers::pi * 1000.0 / kRate;
  std::atomic<bool> go{false};
  std::thread producer([&] {
    std::vector<float> block(kBlock);
    const float* planes[1] = {block.data()};
    while (!go.load()) std::this_thread::yield();
    const double start = hush::wasapi::QpcSeconds();
    for (int b = 0; b < kBlocks; ++b) {
      for (size_t i = 0; i < kBlock; ++i) block[i] = 0.5f * static_cast<float>(std::sin(step * (b * kBlock + i)));
      const double due = start + (b + 1) * 0.01;
      while (hush::wasapi::QpcSeconds() < due) Sleep(1);
      path->OnCapture(planes, kBlock, due);
    }
  });
  std::vector<float> out(kBlock * kBlocks);
  std::thread consumer([&] {
    while (!go.load()) std::this_thread::yield();
    const double start = hush::wasapi::QpcSeconds();
    for (int b = 0; b < kBlocks; ++b) {
      float* planes[1] = {out.data() + b * kBlock};
      const double due = start + (b + 1) * 0.01;
      while (hush::wasapi::QpcSeconds() < due) Sleep(1);
      path->OnRender(planes, kBlock, hush::wasapi::QpcSeconds());
    }
  });
  go.store(true);
  producer.join();
  consumer.join();
  const auto t = path->Telemetry();
  HUSH_CHECK(t.captured_frames == kBlock * kBlocks);
  HUSH_CHECK(t.rendered_frames == kBlock * kBlocks);
  HUSH_CHECK(t.denoise_errors == 0);
  HUSH_CHECK(t.bridge.overruns == 0);
  // The last second: the bridge has long started (30 ms target + 20 ms denoiser delay).
  const size_t from = out.size() / 2;
  double energy = 0.0, largest_step = 0.0;
  for (size_t i = from; i < out.size(); ++i) {
    energy += static_cast<double>(out[i]) * out[i];
    if (i > from) largest_step = std::max(largest_step, std::fabs(static_cast<double>(out[i]) - out[i - 1]));
  }
  const double rms = std::sqrt(energy / static_cast<double>(out.size() - from));
  // 0.5 / sqrt(2) = 0.354; 5 % for the bridge's resampler passband and its ratio moving.
  HUSH_CHECK_NEAR(rms, 0.3536, 0.018);
  // A 1 kHz sine of amplitude 0.5 changes by at most 0.5 * step = 0.065 per frame; a
  // click (a gap, a jump) would change it by up to 1. 0.08 leaves room for resampling.
  HUSH_CHECK_LE(largest_step, 0.08);
  HUSH_CHECK(t.bridge.underruns == 0);
  path.reset();
  hush_model_destroy(model);
}

// Back-door mode with no driver: the classified error and the sentence the user sees.
// (Wine has no \\.\HushControl, like a Windows machine without the driver.)
HUSH_TEST(DriverTransportSaysTheDriverIsNotInstalled) {
  std::string error;
  hush::wasapi::DriverOpenError kind = hush::wasapi::DriverOpenError::kNone;
  auto transport = hush::wasapi::DriverTransport::Open(&error, &kind);
  HUSH_REQUIRE(transport == nullptr);
  HUSH_CHECK(kind == hush::wasapi::DriverOpenError::kNotInstalled);
  const std::string expected =
      "Hush driver not installed: cannot open \\\\.\\HushControl (error 2: file not found). Install it "
      "(docs/windows/driver.md) or use --driverless.";
  if (error != expected) std::printf("  got: %s\n", error.c_str());
  HUSH_CHECK(error == expected);
}

// HResultText names the audio errors a stream meets (their system text is often empty).
HUSH_TEST(HResultTextNamesAudioErrors) {
  HUSH_CHECK(Contains(hush::wasapi::HResultText(AUDCLNT_E_DEVICE_INVALIDATED), "AUDCLNT_E_DEVICE_INVALIDATED"));
  HUSH_CHECK(Contains(hush::wasapi::HResultText(AUDCLNT_E_DEVICE_INVALIDATED), "0x88890004"));
  HUSH_CHECK(hush::wasapi::ToUtf8(hush::wasapi::ToWide("Mikrofon (Ä) \xe2\x80\x94 1").c_str()) ==
             "Mikrofon (Ä) \xe2\x80\x94 1");
}
