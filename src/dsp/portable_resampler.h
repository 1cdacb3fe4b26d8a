// SPDX-License-Identifier: MIT
// Project-owned resamplers: Kaiser-windowed sinc interpolation from a polyphase table.
//
//   PortableResampler  fixed ratio, one channel; the contract of dsp::Resampler (which
//                      uses it under HUSH_PORTABLE_DSP instead of SpeexDSP).
//   VariableResampler  interleaved channels, the ratio may change on every call (the
//                      engine's drift resampler under HUSH_PORTABLE_DSP instead of
//                      libsamplerate).
//
// The filter: h(d) = s c sinc(s c d) * kaiser(d / W), d in input frames, |d| < W, where
// s = min(1, out_rate / in_rate) stretches the kernel when decimating (so it cuts at the
// lower rate's Nyquist), c is the cutoff as a fraction of that Nyquist, and W = ceil(H / s)
// for a half-width of H zero crossings. Kaiser's design rule places the transition band
// (width (A - 7.95) / (14.36 * 2H) cycles per sample at the lower rate, for a stop-band
// attenuation of A dB) just below Nyquist: the stop band starts at the lower rate's
// Nyquist frequency. Every phase of the table is normalised to unit DC gain, so the gain
// does not wobble with the fractional position.
//
// Timing: output frame j is the input signal at time j * step - W input frames (step =
// input frames per output frame), computed from input frames up to floor(j * step) with
// zero history before the first frame. So the delay is exactly W input frames
// (InputLatencyFrames / DelayFrames) and the resampler never needs look-ahead: it takes
// exactly the input the produced output needs.
//
// Fixed ratios with a small reduced denominator (every rate pair of the C API) use an
// exact table of one phase per output position; other ratios, and the variable
// resampler, interpolate linearly between 512 phases per input frame (coefficient error
// below 4e-6, i.e. under the -96 dB stop band).
//
// Allocation only in the constructors; Process and Reset are [RT-safe]. One thread per
// object at a time.
#ifndef HUSH_DSP_PORTABLE_RESAMPLER_H
#define HUSH_DSP_PORTABLE_RESAMPLER_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hush::dsp {

// The filter as designed: what the tests measure against.
struct SincFilterSpec {
  int half_zero_crossings = 32;  // H: kernel half-width in zero crossings (at the lower rate)
  double stopband_db = 96.0;     // A: Kaiser design attenuation, dB
};

// The filter a quality 0..10 (SpeexDSP's scale, so callers keep their numbers) maps to:
// H from 8 to 128, A from 50 dB to 140 dB. quality 6 (the C API's): H = 48, A = 100 dB.
SincFilterSpec SincSpecForQuality(int quality);

namespace detail {

// The shared interpolation core: a polyphase coefficient table plus an input history.
class SincCore {
 public:
  // channels 1..8; in_per_out_max: the largest input/output frame ratio the caller will
  // ask for (sets the kernel stretch s); phases: table rows per input frame; exact: rows
  // are used as-is (phase = row) instead of interpolated.
  // zero_delay: output 0 is centred on input frame 0, so it waits for W frames of
  // look-ahead (held inside, as libsamplerate does); otherwise it is centred W frames
  // before input frame 0 (zero history) and needs no look-ahead.
  SincCore(int channels, double in_per_out_max, const SincFilterSpec& spec, int phases, bool exact,
           bool zero_delay = false);

  int HalfWidthFrames() const { return half_width_; }
  double CutoffFraction() const { return cutoff_; }
  double StretchFactor() const { return stretch_; }
  void Reset();

  // Makes room and appends up to `frames` interleaved frames; returns how many fit.
  size_t Append(const float* in, size_t frames);
  // True when the next output's newest input frame is in the history.
  bool Ready() const { return next_ < fill_; }
  // Frames still needed before Ready().
  size_t Missing() const { return Ready() ? 0 : next_ + 1 - fill_; }
  // W when zero_delay (frames held beyond the centre), else 0.
  int LookaheadFrames() const { return zero_delay_ ? half_width_ : 0; }
  // Writes one interleaved output frame at the current position with fractional phase
  // `phase` (exact table: row index; interpolated: row + fraction), then advances the
  // position by `whole_frames`.
  void Emit(double phase, float* out);
  void EmitExact(size_t row, float* out);
  void Advance(size_t whole_frames) { next_ += whole_frames; }

 private:
  void MakeRoom();

  int channels_;
  int half_width_;        // W, input frames
  int taps_;              // 2W
  int phases_;
  double stretch_;        // s
  double cutoff_;         // c
  std::vector<float> table_;    // (phases_ + 1) rows of taps_ coefficients
  std::vector<float> history_;  // interleaved input frames, capacity_ of them
  std::vector<float> coefficients_;  // scratch: one interpolated row
  size_t capacity_;       // frames
  size_t fill_ = 0;       // valid frames in history_
  size_t next_ = 0;       // history index of the next output's newest input frame
  bool zero_delay_;
};

}  // namespace detail

// Fixed-ratio resampler for one channel, SpeexDSP's contract (see dsp/resampler.h).
class PortableResampler {
 public:
  // in/out rates 1 Hz .. 1 MHz (the C API uses 8-192 kHz); quality 0..10 (see
  // SincSpecForQuality). Throws std::invalid_argument for bad arguments, std::bad_alloc.
  PortableResampler(int in_rate_hz, int out_rate_hz, int quality);

  // [RT-safe] Consumes up to *in_frames input frames and writes up to *out_frames output
  // frames; on return both hold how many were actually consumed / produced. Consumes
  // input only as far as the produced output needs it.
  void Process(const float* in, size_t* in_frames, float* out, size_t* out_frames);
  // Delay from input to output, in input frames (exact, see the header comment).
  int InputLatencyFrames() const { return core_.HalfWidthFrames(); }
  // [RT-safe] Back to zero history and position 0.
  void Reset();
  // Passband edge and stop-band start as fractions of the lower rate's Nyquist.
  double PassbandEdge() const { return passband_edge_; }

 private:
  struct Plan {
    uint64_t whole, numerator, denominator;  // the reduced in/out ratio
    bool exact;                              // one table row per output phase
  };
  static Plan PlanFor(int in_rate_hz, int out_rate_hz, int quality);  // validates
  PortableResampler(const Plan& plan, int in_rate_hz, int out_rate_hz, int quality);

  uint64_t step_whole_, step_numerator_, denominator_;  // step = whole + numerator / denominator
  uint64_t phase_numerator_ = 0;
  bool exact_;
  double passband_edge_;
  detail::SincCore core_;
};

// Variable-ratio resampler for interleaved channels (the engine's drift resampler).
class VariableResampler {
 public:
  // channels 1..8; nominal_in_per_out: input frames per output frame at nominal rates;
  // max_deviation: largest relative ratio change the caller applies (0.005 = +-0.5 %).
  // zero_delay: output frame 0 is input frame 0 (the first output waits for W frames of
  // look-ahead, which stay held inside: libsamplerate's behaviour, which the engine's
  // bridge accounts for and its fade-in relies on); otherwise the output is the input
  // delayed by W frames with zero history before it (like PortableResampler).
  // Throws std::invalid_argument / std::bad_alloc.
  VariableResampler(int channels, double nominal_in_per_out, double max_deviation, const SincFilterSpec& spec,
                    bool zero_delay = false);

  // [RT-safe] Interleaved in (in_frames frames) -> interleaved out (up to out_frames),
  // every output frame `in_per_out` input frames after the previous one. in_per_out must
  // lie within the constructor's nominal * (1 +- max_deviation) (it is clamped there).
  // *in_used / *out_generated: frames consumed / written.
  void Process(const float* in, size_t in_frames, size_t* in_used, float* out, size_t out_frames,
               size_t* out_generated, double in_per_out);
  // Delay from input to output, in input frames: 0 when zero_delay, else W.
  int DelayFrames() const { return core_.HalfWidthFrames() - core_.LookaheadFrames(); }
  // Input frames held beyond the current output position (W when zero_delay, else 0).
  int LookaheadFrames() const { return core_.LookaheadFrames(); }
  // [RT-safe] Zero history, position 0.
  void Reset();

 private:
  int channels_;
  double min_ratio_, max_ratio_;
  double fraction_ = 0.0;  // position within the current input frame, [0, 1)
  detail::SincCore core_;
};

}  // namespace hush::dsp

#endif  // HUSH_DSP_PORTABLE_RESAMPLER_H
