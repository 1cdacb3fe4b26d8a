// SPDX-License-Identifier: MIT
// resampler-compare: measures the three packaged resamplers (libsoxr, SpeexDSP,
// libsamplerate) on what Hush needs: distortion, alias rejection, cost, whether they
// allocate while processing and whether they report their delay. docs/RESAMPLING.md
// holds the results and the choice made from them.
#include <samplerate.h>
#include <soxr.h>
#include <speex/speex_resampler.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace
extern "C" void* malloc(size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t a, size_t b) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(a, b);
}
extern "C" void* realloc(void* p, size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}

namespace {

// Streaming interface: feed `in`, get what is ready.
using Stream = std::function<size_t(const float* in, size_t in_frames, float* out, size_t out_capacity)>;

struct Candidate {
  std::string name;
  std::string reports_delay;
  std::function<Stream(int in_hz, int out_hz)> make;
};

double Now() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Runs `seconds` of a sine at f_hz through a fresh stream in 10 ms blocks.
std::vector<float> Run(const Candidate& c, int in_hz, int out_hz, double f_hz, double seconds, double* cpu, long* allocs) {
  Stream s = c.make(in_hz, out_hz);
  const size_t block = static_cast<size_t>(in_hz / 100);
  const size_t total = static_cast<size_t>(seconds * in_hz);
  std::vector<float> in(block), out(block * static_cast<size_t>(out_hz) / static_cast<size_t>(in_hz) * 2 + 256), y;
  double t = 0.0;
  long a = 0;
  for (size_t pos = 0; pos < total; pos += block) {
    for (size_t i = 0; i < block; ++i) in[i] = static_cast<float>(0.5 * std::sin(2.0 * std::numbers::pi * f_hz * static_cast<double>(pos + i) / in_hz));
    allocations = 0;
    counting = pos > 10 * block;  // after warm-up
    const double t0 = Now();
    const size_t got = s(in.data(), block, out.data(), out.size());
    t += Now() - t0;
    counting = false;
    a += allocations;
    y.insert(y.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(got));
  }
  *cpu = t / seconds;
  *allocs = a;
  return y;
}

// Residual after removing the best-fitting sine at f_hz, relative to it, in dB
// (skipping start-up): THD+N for an in-band tone, rejection for an out-of-band one.
double ResidualDb(const std::vector<float>& y, int rate, double f_hz, double reference_amplitude) {
  const size_t start = y.size() / 4, n = y.size() / 2;
  double c = 0, s = 0;
  for (size_t i = start; i < start + n; ++i) {
    const double w = 2.0 * std::numbers::pi * f_hz * static_cast<double>(i) / rate;
    c += y[i] * std::cos(w);
    s += y[i] * std::sin(w);
  }
  c *= 2.0 / static_cast<double>(n);
  s *= 2.0 / static_cast<double>(n);
  double residual = 0.0;
  for (size_t i = start; i < start + n; ++i) {
    const double w = 2.0 * std::numbers::pi * f_hz * static_cast<double>(i) / rate;
    const double e = (f_hz > 0.5 * rate ? y[i] : y[i] - (c * std::cos(w) + s * std::sin(w)));
    residual += e * e;
  }
  residual /= static_cast<double>(n);
  return 10.0 * std::log10(residual / (0.5 * reference_amplitude * reference_amplitude) + 1e-30);
}

Candidate Soxr(const char* name, unsigned long recipe) {
  return {name, "soxr_delay(): fractional", [recipe](int in_hz, int out_hz) -> Stream {
            soxr_quality_spec_t q = soxr_quality_spec(recipe, 0);
            soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
            std::shared_ptr<soxr> s(soxr_create(in_hz, out_hz, 1, nullptr, &io, &q, nullptr), soxr_delete);
            return [s](const float* in, size_t n, float* out, size_t cap) {
              size_t done_in = 0, done_out = 0;
              soxr_process(s.get(), in, n, &done_in, out, cap, &done_out);
              return done_out;
            };
          }};
}

Candidate Speex(int quality) {
  return {"SpeexDSP q" + std::to_string(quality), "yes, whole input frames", [quality](int in_hz, int out_hz) -> Stream {
            int err = 0;
            std::shared_ptr<SpeexResamplerState> s(speex_resampler_init(1, in_hz, out_hz, quality, &err), speex_resampler_destroy);
            return [s](const float* in, size_t n, float* out, size_t cap) {
              spx_uint32_t in_len = static_cast<spx_uint32_t>(n), out_len = static_cast<spx_uint32_t>(cap);
              speex_resampler_process_float(s.get(), 0, in, &in_len, out, &out_len);
              return static_cast<size_t>(out_len);
            };
          }};
}

Candidate Samplerate(const char* name, int converter) {
  return {name, "no", [converter](int in_hz, int out_hz) -> Stream {
            int err = 0;
            std::shared_ptr<SRC_STATE> s(src_new(converter, 1, &err), src_delete);
            const double ratio = static_cast<double>(out_hz) / in_hz;
            return [s, ratio](const float* in, size_t n, float* out, size_t cap) {
              SRC_DATA d{};
              d.data_in = in;
              d.input_frames = static_cast<long>(n);
              d.data_out = out;
              d.output_frames = static_cast<long>(cap);
              d.src_ratio = ratio;
              src_process(s.get(), &d);
              return static_cast<size_t>(d.output_frames_gen);
            };
          }};
}

}  // namespace

int main() {
  const std::vector<Candidate> candidates = {
      Soxr("soxr HQ", SOXR_HQ),          Soxr("soxr VHQ", SOXR_VHQ),
      Speex(5),                          Speex(6),
      Speex(8),                          Speex(10),
      Samplerate("SRC sinc fastest", SRC_SINC_FASTEST), Samplerate("SRC sinc medium", SRC_SINC_MEDIUM_QUALITY),
      Samplerate("SRC sinc best", SRC_SINC_BEST_QUALITY),
  };
  std::printf("| resampler | THD+N 1 kHz 44.1->48k (dB) | THD+N 1 kHz 48->16k (dB) | 21 kHz alias 48->16k (dB) | CPU s/s 44.1->48k | allocs in process | reports delay |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Candidate& c : candidates) {
    double cpu = 0, cpu2 = 0, cpu3 = 0;
    long allocs = 0, allocs2 = 0, allocs3 = 0;
    const auto up = Run(c, 44100, 48000, 1000.0, 10.0, &cpu, &allocs);
    const auto down = Run(c, 48000, 16000, 1000.0, 4.0, &cpu2, &allocs2);
    const auto alias = Run(c, 48000, 16000, 21000.0, 4.0, &cpu3, &allocs3);
    std::printf("| %s | %.1f | %.1f | %.1f | %.5f | %ld | %s |\n", c.name.c_str(), ResidualDb(up, 48000, 1000.0, 0.5),
                ResidualDb(down, 16000, 1000.0, 0.5), ResidualDb(alias, 16000, 21000.0, 0.5), cpu,
                allocs + allocs2 + allocs3, c.reports_delay.c_str());
  }
  return 0;
}
