#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""An independent NumPy/SciPy implementation of STOI (Taal, Hendriks, Heusdens, Jensen,
IEEE TASLP 2011) and ESTOI (Jensen & Taal, IEEE/ACM TASLP 2016), written from the papers
and the parameters of the authors' MATLAB code, to produce the reference values that
tests/golden/test_stoi_reference.cc checks src/eval/stoi.cc against.

It shares no code with the C++: SciPy's resample_poly (whose default filter, a Kaiser
window with beta 5 over 10 periods of the lower rate, is MATLAB resample()'s), NumPy's
double-precision FFT, framing by array slicing, and the band filter as a matrix.

Conventions where the MATLAB code would divide by zero (it returns NaN there): a
constant envelope segment is normalised to all zeros, so it correlates 0 with anything;
a silent processed band is not scaled (alpha = 0); an all-zero frame is always silent.

Usage (/usr/bin/python3, which has numpy, scipy and soundfile):
  stoi_reference.py                      print the reference table, change nothing
  stoi_reference.py --write              rewrite tests/golden/data/stoi_reference.csv
  stoi_reference.py --published DIR      score the published pair (docs/METRICS.md)
  stoi_reference.py --shared-data DIR    where the shared clips are (default ../shared/data)
"""
import argparse
import functools
import os
import sys

import numpy as np
from scipy.signal import resample_poly

FS = 10000          # rate of the measure
FRAME = 256         # Hann frame length
HOP = FRAME // 2
NFFT = 512
BANDS = 15          # one-third-octave bands
LOWEST_HZ = 150.0   # centre of the first band
N = 30              # frames per segment (384 ms)
BETA_DB = -15.0     # lower signal-to-distortion bound (STOI clipping)
RANGE_DB = 40.0     # silent-frame dynamic range

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CSV_PATH = os.path.join(ROOT, "tests", "golden", "data", "stoi_reference.csv")


# ---------------------------------------------------------------------------- measure
def hann():
    """MATLAB hanning(256): symmetric, without the zero end points."""
    return np.hanning(FRAME + 2)[1:-1]


def frames_of(x):
    """Windowed frames at 1:HOP:(len-FRAME) (MATLAB, 1-based): rows are frames."""
    count = max(0, (len(x) - FRAME - 1) // HOP + 1) if len(x) > FRAME else 0
    idx = np.arange(count)[:, None] * HOP + np.arange(FRAME)[None, :]
    return x[idx] * hann()


def remove_silent_frames(x, y):
    fx, fy = frames_of(x), frames_of(y)
    energy = np.sum(fx ** 2, axis=1)
    with np.errstate(divide="ignore"):
        level = 10 * np.log10(energy)            # -inf for an all-zero frame
    if len(level) == 0 or not np.isfinite(level.max()):
        return np.zeros(0), np.zeros(0)
    keep = (level - level.max() + RANGE_DB) > 0
    fx, fy = fx[keep], fy[keep]
    out = np.zeros((2, (len(fx) - 1) * HOP + FRAME))
    for j in range(len(fx)):
        out[0, j * HOP:j * HOP + FRAME] += fx[j]
        out[1, j * HOP:j * HOP + FRAME] += fy[j]
    return out[0], out[1]


def third_octave_matrix():
    """Band x bin matrix of ones: edges at the geometric means of the neighbouring centre
    frequencies, each snapped to the nearest FFT bin (first on a tie)."""
    f = np.linspace(0, FS, NFFT + 1)[:NFFT // 2 + 1]
    k = np.arange(BANDS)
    centre = LOWEST_HZ * 2.0 ** (k / 3)
    low = np.sqrt(centre * LOWEST_HZ * 2.0 ** ((k - 1) / 3))
    high = np.sqrt(centre * LOWEST_HZ * 2.0 ** ((k + 1) / 3))
    a = np.zeros((BANDS, len(f)))
    for b in range(BANDS):
        a[b, np.argmin((f - low[b]) ** 2):np.argmin((f - high[b]) ** 2)] = 1.0
    return a


def envelopes(x):
    spectrum = np.fft.rfft(frames_of(x), n=NFFT, axis=1).T      # bins x frames
    return np.sqrt(third_octave_matrix() @ np.abs(spectrum) ** 2)


def prepare(clean, processed, fs):
    clean = np.asarray(clean, dtype=np.float64)
    processed = np.asarray(processed, dtype=np.float64)
    if fs != FS:
        g = np.gcd(int(fs), FS)
        clean = resample_poly(clean, FS // g, fs // g)
        processed = resample_poly(processed, FS // g, fs // g)
    clean, processed = remove_silent_frames(clean, processed)
    x, y = envelopes(clean), envelopes(processed)
    if x.shape[1] < N:
        return None
    return x, y


def unit_rows(m):
    """Zero-mean, unit-norm rows; an all-constant row becomes zeros."""
    m = m - m.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)


def segments(x, y):
    for end in range(N, x.shape[1] + 1):
        yield x[:, end - N:end], y[:, end - N:end]


def stoi(clean, processed, fs):
    xy = prepare(clean, processed, fs)
    if xy is None:
        return None
    c = 10 ** (-BETA_DB / 20)
    scores = []
    for xs, ys in segments(*xy):
        ex, ey = np.sum(xs ** 2, axis=1, keepdims=True), np.sum(ys ** 2, axis=1, keepdims=True)
        alpha = np.sqrt(np.divide(ex, ey, out=np.zeros_like(ex), where=ey > 0))
        y_clipped = np.minimum(alpha * ys, xs * (1 + c))
        scores.append(np.mean(np.sum(unit_rows(xs) * unit_rows(y_clipped), axis=1)))
    return float(np.mean(scores))


def estoi(clean, processed, fs):
    xy = prepare(clean, processed, fs)
    if xy is None:
        return None
    scores = []
    for xs, ys in segments(*xy):
        xn = unit_rows(unit_rows(xs).T)   # rows (bands), then columns (frames)
        yn = unit_rows(unit_rows(ys).T)
        scores.append(np.sum(xn * yn) / N)
    return float(np.mean(scores))


# ---------------------------------------------------------------------------- signals
# Rebuilt from the same formulas in tests/golden/test_stoi_reference.cc. Every signal is
# rounded to float32, as the C++ sees it, before it is scored.
RATES_HZ = (8000, 10000, 16000, 44100, 48000)
CONDITIONS = ("noise_0db", "noise_10db", "half_scale", "lowpass", "gated_noise_0db", "interrupted",
              "level_steps_5db")


def f32(x):
    return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)


def harmonic_clean(fs, seconds=3.0):
    """Harmonics of 150 Hz below 0.45 fs (at most 29, i.e. up to 4.35 kHz), each with its
    own slow envelope, so the bands move differently in time; a pause at 1.2-1.5 s."""
    n = np.arange(int(seconds * fs))
    t = n / fs
    x = np.zeros(len(n))
    for h in range(1, 30):
        if 150.0 * h >= 0.45 * fs:
            break
        envelope = 0.5 + 0.5 * np.sin(2 * np.pi * (2.0 + 0.37 * h) * t + h)
        x += envelope * np.sin(2 * np.pi * 150.0 * h * t) / h
    x[int(1.2 * fs):int(1.5 * fs)] = 0.0
    return f32(x)


@functools.lru_cache(maxsize=None)
def lcg_noise(count, seed=12345):
    """Uniform in [-0.5, 0.5): x_{k+1} = (1103515245 x_k + 12345) mod 2^31."""
    out = np.empty(count)
    state = seed
    for i in range(count):
        state = (1103515245 * state + 12345) % 2147483648
        out[i] = state / 2147483648.0 - 0.5
    return f32(out)


def mix_at_snr(clean, noise, snr_db):
    gain = np.sqrt(np.sum(clean ** 2) / np.sum(noise ** 2) / 10 ** (snr_db / 10))
    return f32(clean + gain * noise)


def synthetic_case(fs, condition):
    clean = harmonic_clean(fs)
    n = len(clean)
    i = np.arange(n)
    if condition == "noise_0db":
        processed = mix_at_snr(clean, lcg_noise(n), 0.0)
    elif condition == "noise_10db":
        processed = mix_at_snr(clean, lcg_noise(n), 10.0)
    elif condition == "half_scale":
        processed = f32(0.5 * clean)
    elif condition == "lowpass":  # 8-tap moving average, output i = mean of x[i-4 .. i+3]
        processed = f32(np.convolve(clean, np.ones(8), mode="full")[3:3 + n] / 8.0)
    elif condition == "gated_noise_0db":  # noise switched on and off at 4 Hz
        gate = ((i * 8 // fs) % 2 == 0).astype(np.float64)
        processed = mix_at_snr(clean, f32(lcg_noise(n) * gate), 0.0)
    elif condition == "interrupted":  # 50 ms of silence every 250 ms
        processed = f32(clean * ((i * 20 // fs) % 5 != 0))
    elif condition == "level_steps_5db":  # thirds at 0, -36 and -44 dB, in noise at 5 dB:
        # the 40 dB silent-frame threshold falls between the two quiet thirds
        gain = np.array([1.0, 10 ** (-36 / 20), 10 ** (-44 / 20)])[(3 * i) // n]
        clean = f32(clean * gain)
        processed = mix_at_snr(clean, lcg_noise(n), 5.0)
    else:
        raise ValueError(condition)
    return clean, processed


# Real speech from the shared data folder (never committed): clean clips with recorded
# noisy versions, or with the LCG noise mixed in at a fixed SNR.
SHARED_CASES = (
    # name, clean file, processed file or None, SNR of the LCG noise
    ("shared_p287_002", "samples/pairs/clean/p287_002.flac", "samples/pairs/noisy/p287_002.flac", None),
    ("shared_p287_003", "samples/pairs/clean/p287_003.flac", "samples/pairs/noisy/p287_003.flac", None),
    ("shared_vctk_48k_5db", "samples/clean/vctk_p286_011_48k.flac", None, 5.0),
    ("shared_ljspeech_22k_0db", "samples/clean/ljspeech_LJ001-0004.flac", None, 0.0),
    ("shared_xmas_44k_m5db", "samples/clean/freesound136777_xmas_male.flac", None, -5.0),
)


def read_mono(path):
    import soundfile as sf
    x, fs = sf.read(path, dtype="float32", always_2d=True)
    return x[:, 0].astype(np.float64), fs


def shared_case(data_dir, clean_file, processed_file, snr_db):
    clean, fs = read_mono(os.path.join(data_dir, clean_file))
    if processed_file is not None:
        processed, fs2 = read_mono(os.path.join(data_dir, processed_file))
        assert fs2 == fs and len(processed) == len(clean)
    else:
        processed = mix_at_snr(clean, lcg_noise(len(clean)), snr_db)
    return clean, processed, fs


def all_cases(shared_data_dir):
    for fs in RATES_HZ:
        for condition in CONDITIONS:
            clean, processed = synthetic_case(fs, condition)
            yield f"{condition}_{fs}", fs, clean, processed
    if shared_data_dir and os.path.isdir(os.path.join(shared_data_dir, "samples")):
        for name, clean_file, processed_file, snr_db in SHARED_CASES:
            clean, processed, fs = shared_case(shared_data_dir, clean_file, processed_file, snr_db)
            yield name, fs, clean, processed
    else:
        print(f"note: no shared data at {shared_data_dir}; its cases are left out", file=sys.stderr)


# ---------------------------------------------------------------------------- main
PUBLISHED = {
    # Two 16 kHz clips (speech; the same speech in babble at 0 dB) added to the
    # torchmetrics repository in commit b61c4784 as tests/audio/examples/. STOI by the
    # authors' MATLAB code: 0.6739 (reported in mpariente/pystoi issue #34), by pystoi
    # 0.3.3/0.4.1: 0.6739177895331301 (asserted in torchmetrics' test_stoi.py).
    "clean": "audio_speech.wav",
    "processed": "audio_speech_bab_0dB.wav",
    "stoi_matlab": 0.6739,
    "stoi_pystoi": 0.6739177895331301,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {os.path.relpath(CSV_PATH, ROOT)}")
    parser.add_argument("--shared-data", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--published", metavar="DIR", help="score the published pair in DIR")
    args = parser.parse_args()

    if args.published:
        x, fs = read_mono(os.path.join(args.published, PUBLISHED["clean"]))
        y, _ = read_mono(os.path.join(args.published, PUBLISHED["processed"]))
        s, e = stoi(x, y, fs), estoi(x, y, fs)
        print(f"STOI {s:.7f} (MATLAB {PUBLISHED['stoi_matlab']}, pystoi {PUBLISHED['stoi_pystoi']:.7f}), ESTOI {e:.7f}")
        return

    lines = ["# STOI/ESTOI reference values from tools/reference/stoi_reference.py (do not edit;",
             "# regenerate with --write). name,rate_hz,stoi,estoi; shared_* cases use ../shared/data.",
             "name,rate_hz,stoi,estoi"]
    for name, fs, clean, processed in all_cases(args.shared_data):
        s, e = stoi(clean, processed, fs), estoi(clean, processed, fs)
        lines.append(f"{name},{fs},{s:.9f},{e:.9f}")
        print(lines[-1])
    if args.write:
        with open(CSV_PATH, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"wrote {CSV_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
