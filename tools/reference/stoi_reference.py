#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""An independent NumPy/SciPy implementation of STOI (Taal et al. 2011) and ESTOI
(Jensen & Taal 2016), written from the papers' descriptions and the parameters they
state, to produce the reference values stored in tests/golden/test_stoi_reference.cc.

It shares no code with src/eval/stoi.cc: a different resampler (scipy's polyphase
resample_poly), different framing code and a matrix formulation of the band filter.
Run:  /usr/bin/python3 tools/reference/stoi_reference.py   (prints the C++ table)
"""
import numpy as np
from scipy.signal import resample_poly

FS, NFRAME, NFFT, NBANDS, MINF, N, BETA, DYN = 10000, 256, 512, 15, 150.0, 30, -15.0, 40.0


def test_signals():
    """The deterministic signals of the golden test (same formulas in C++)."""
    fs = 16000
    n = np.arange(3 * fs)
    clean = np.zeros(len(n))
    # Harmonics up to 4.35 kHz (every band active, inside both resamplers' pass band),
    # each with its own syllable-rate envelope, so bands move differently in time.
    for h in range(1, 30):
        envelope = 0.5 + 0.5 * np.sin(2 * np.pi * (2.0 + 0.37 * h) * n / fs + h)
        clean += envelope * np.sin(2 * np.pi * 150.0 * h * n / fs) / h
    clean[int(1.2 * fs):int(1.5 * fs)] = 0.0  # a pause: exercises silent-frame removal
    state = 12345
    noise = np.empty(len(n))
    for i in range(len(n)):
        state = (1103515245 * state + 12345) % 2147483648
        noise[i] = state / 2147483648.0 - 0.5
    clean = clean.astype(np.float32).astype(np.float64)
    noise = noise.astype(np.float32).astype(np.float64)
    p_c, p_n = np.mean(clean ** 2), np.mean(noise ** 2)
    cases = {
        "noise_0db": clean + noise * np.sqrt(p_c / p_n),
        "noise_10db": clean + noise * np.sqrt(p_c / p_n / 10.0),
        "half_scale": 0.5 * clean,
        "lowpass": np.convolve(clean, np.ones(8) / 8.0, mode="same"),
    }
    return fs, clean, {k: v.astype(np.float32).astype(np.float64) for k, v in cases.items()}


def hann():
    return np.hanning(NFRAME + 2)[1:-1]  # symmetric, no zero end points


def frames_of(x):
    starts = np.arange(0, len(x) - NFRAME, NFRAME // 2)
    return np.stack([x[s:s + NFRAME] for s in starts]) * hann()


def remove_silence(x, y):
    fx, fy = frames_of(x), frames_of(y)
    energy = 20 * np.log10(np.linalg.norm(fx, axis=1) + np.finfo(float).eps)
    keep = (energy - energy.max() + DYN) > 0
    fx, fy = fx[keep], fy[keep]
    out_len = (len(fx) - 1) * (NFRAME // 2) + NFRAME
    xo, yo = np.zeros(out_len), np.zeros(out_len)
    for j in range(len(fx)):
        xo[j * NFRAME // 2:j * NFRAME // 2 + NFRAME] += fx[j]
        yo[j * NFRAME // 2:j * NFRAME // 2 + NFRAME] += fy[j]
    return xo, yo


def band_matrix():
    f = np.linspace(0, FS, NFFT + 1)[:NFFT // 2 + 1]
    k = np.arange(NBANDS)
    cf = MINF * 2.0 ** (k / 3)
    lo = np.sqrt(cf * MINF * 2.0 ** ((k - 1) / 3))
    hi = np.sqrt(cf * MINF * 2.0 ** ((k + 1) / 3))
    a = np.zeros((NBANDS, len(f)))
    for b in range(NBANDS):
        a[b, np.argmin(np.abs(f - lo[b])):np.argmin(np.abs(f - hi[b]))] = 1.0
    return a


def envelopes(x):
    spec = np.fft.rfft(frames_of(x), n=NFFT, axis=1).T  # bins x frames
    return np.sqrt(band_matrix() @ (np.abs(spec) ** 2))


def prepare(clean, proc, fs):
    g = np.gcd(fs, FS)
    x = resample_poly(clean, FS // g, fs // g)
    y = resample_poly(proc, FS // g, fs // g)
    x, y = remove_silence(x, y)
    return envelopes(x), envelopes(y)


def stoi(clean, proc, fs):
    X, Y = prepare(clean, proc, fs)
    clip = 10 ** (-BETA / 20)
    scores = []
    for m in range(N, X.shape[1] + 1):
        xs, ys = X[:, m - N:m], Y[:, m - N:m]
        alpha = np.linalg.norm(xs, axis=1, keepdims=True) / (np.linalg.norm(ys, axis=1, keepdims=True) + 1e-12)
        yc = np.minimum(alpha * ys, xs * (1 + clip))
        xc = xs - xs.mean(axis=1, keepdims=True)
        yc = yc - yc.mean(axis=1, keepdims=True)
        r = np.sum(xc * yc, axis=1) / (np.linalg.norm(xc, axis=1) * np.linalg.norm(yc, axis=1) + 1e-12)
        scores.append(r.mean())
    return float(np.mean(scores))


def estoi(clean, proc, fs):
    X, Y = prepare(clean, proc, fs)

    def norm(m, axis):
        m = m - m.mean(axis=axis, keepdims=True)
        return m / (np.linalg.norm(m, axis=axis, keepdims=True) + 1e-12)

    scores = []
    for m in range(N, X.shape[1] + 1):
        xs = norm(norm(X[:, m - N:m], 1), 0)
        ys = norm(norm(Y[:, m - N:m], 1), 0)
        scores.append(np.sum(xs * ys) / N)
    return float(np.mean(scores))


if __name__ == "__main__":
    fs, clean, cases = test_signals()
    for name, proc in cases.items():
        print(f'  {{"{name}", {stoi(clean, proc, fs):.6f}, {estoi(clean, proc, fs):.6f}}},')
