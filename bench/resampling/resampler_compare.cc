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

// Drift compensation needs a ratio that moves by ppm while audio flows. Each candidate
// gets a new ratio every 10 ms block (a 1000 ppm offset plus a +-200 ppm wobble at
// 0.2 Hz); measured: THD+N of a 1 kHz sine against a tone fitted with free amplitude and
// phase per 50 ms (the ratio's effect on pitch is tracked, distortion is not), the
// largest sample step relative to the sine's slope, allocations, CPU.
struct VariableResult {
  double thdn_db = 0, max_step = 0, cpu = 0;
  long allocations = 0;
  bool supported = true;
};

VariableResult RunVariable(const std::string& kind) {
  const int rate = 48000;
  const size_t block = 480;
  const double seconds = 10.0;
  VariableResult result;
  std::vector<float> in(block), out(block * 2), y;
  int err = 0;
  SRC_STATE* src = nullptr;
  SpeexResamplerState* spx = nullptr;
  soxr_t sox = nullptr;
  if (kind == "SRC sinc fastest") src = src_new(SRC_SINC_FASTEST, 1, &err);
  if (kind == "SRC sinc medium") src = src_new(SRC_SINC_MEDIUM_QUALITY, 1, &err);
  if (kind == "SpeexDSP q6") spx = speex_resampler_init(1, rate, rate, 6, &err);
  if (kind == "soxr VR") {
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, SOXR_VR);
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    sox = soxr_create(2.0, 1.0, 1, nullptr, &io, &q, nullptr);  // VR: max ratio fixed at creation
    soxr_set_io_ratio(sox, 1.0, 0);
  }
  double time = 0;
  long allocs = 0;
  for (size_t pos = 0; pos < static_cast<size_t>(seconds * rate); pos += block) {
    const double t = static_cast<double>(pos) / rate;
    const double ratio = 1.0 + 1e-3 + 2e-4 * std::sin(2.0 * std::numbers::pi * 0.2 * t);  // input per output
    for (size_t i = 0; i < block; ++i) in[i] = static_cast<float>(0.5 * std::sin(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(pos + i) / rate));
    allocations = 0;
    counting = pos > 50 * block;
    const double t0 = Now();
    size_t got = 0;
    if (src != nullptr) {
      SRC_DATA d{};
      d.data_in = in.data();
      d.input_frames = static_cast<long>(block);
      d.data_out = out.data();
      d.output_frames = static_cast<long>(out.size());
      d.src_ratio = 1.0 / ratio;
      src_process(src, &d);
      got = static_cast<size_t>(d.output_frames_gen);
    } else if (spx != nullptr) {
      // SpeexDSP takes the ratio as a fraction of 32-bit integers: 1 part in 48000 here.
      speex_resampler_set_rate_frac(spx, static_cast<spx_uint32_t>(std::lround(rate * ratio)), rate, rate, rate);
      spx_uint32_t in_len = static_cast<spx_uint32_t>(block), out_len = static_cast<spx_uint32_t>(out.size());
      speex_resampler_process_float(spx, 0, in.data(), &in_len, out.data(), &out_len);
      got = out_len;
    } else if (sox != nullptr) {
      soxr_set_io_ratio(sox, ratio, block);
      size_t done_in = 0, done_out = 0;
      soxr_process(sox, in.data(), block, &done_in, out.data(), out.size(), &done_out);
      got = done_out;
    }
    time += Now() - t0;
    counting = false;
    allocs += allocations;
    y.insert(y.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(got));
  }
  // Tracking fit: free amplitude and phase per 50 ms at the block's output frequency.
  double residual = 0, signal = 0;
  const size_t seg = static_cast<size_t>(rate / 20);
  double position = 0;  // output frames -> time via the mean ratio
  for (size_t s0 = static_cast<size_t>(rate); s0 + seg <= y.size(); s0 += seg) {
    const double t = static_cast<double>(s0) / rate;
    const double ratio = 1.0 + 1e-3 + 2e-4 * std::sin(2.0 * std::numbers::pi * 0.2 * t);
    const double f = 1000.0 * ratio / rate;
    double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
    for (size_t i = s0; i < s0 + seg; ++i) {
      const double w = 2.0 * std::numbers::pi * f * static_cast<double>(i - s0);
      cc += std::cos(w) * std::cos(w);
      ss += std::sin(w) * std::sin(w);
      cs += std::cos(w) * std::sin(w);
      yc += y[i] * std::cos(w);
      ys += y[i] * std::sin(w);
    }
    const double det = cc * ss - cs * cs, a = (yc * ss - ys * cs) / det, b = (ys * cc - yc * cs) / det;
    for (size_t i = s0; i < s0 + seg; ++i) {
      const double w = 2.0 * std::numbers::pi * f * static_cast<double>(i - s0);
      const double fit = a * std::cos(w) + b * std::sin(w);
      residual += (y[i] - fit) * (y[i] - fit);
      signal += fit * fit;
    }
    position += 0;
  }
  const double max_slope = 2.0 * std::numbers::pi * 1000.0 * 1.0012 / rate * 0.5;
  for (size_t i = static_cast<size_t>(rate) + 1; i < y.size(); ++i) {
    result.max_step = std::max(result.max_step, std::abs(static_cast<double>(y[i]) - y[i - 1]) / max_slope);
  }
  result.thdn_db = 10.0 * std::log10(residual / signal + 1e-30);
  result.cpu = time / seconds;
  result.allocations = allocs;
  if (src != nullptr) src_delete(src);
  if (spx != nullptr) speex_resampler_destroy(spx);
  if (sox != nullptr) soxr_delete(sox);
  return result;
}

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
  std::printf("\nVarying ratio (drift compensation): 1000 ppm +- 200 ppm, new ratio every 10 ms, 48 kHz\n");
  std::printf("| resampler | THD+N 1 kHz (dB) | max step / sine slope | allocs in process | CPU s/s |\n|---|---|---|---|---|\n");
  for (const char* kind : {"SRC sinc fastest", "SRC sinc medium", "SpeexDSP q6", "soxr VR"}) {
    const VariableResult v = RunVariable(kind);
    std::printf("| %s | %.1f | %.3f | %ld | %.5f |\n", kind, v.thdn_db, v.max_step, v.allocations, v.cpu);
  }
  return 0;
}
