# SPDX-License-Identifier: MIT
"""Mixtures for training: speech sequences, real and synthesised noise, rooms, level,
tilt, clipping and quantisation. Everything is drawn from one numpy Generator, so a
shard is reproducible from its seed."""
import numpy as np
from scipy.signal import fftconvolve, lfilter, butter, sosfilt, resample_poly

SR = 48000


def db(x):
    return 10 ** (x / 20)


def rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


class Pool:
    """Clips stored as one int16 array + offsets (corpus.load_pool)."""

    def __init__(self, audio, offsets):
        self.audio, self.offsets = audio, offsets

    def __len__(self):
        return len(self.offsets) - 1

    def clip(self, i):
        return self.audio[self.offsets[i]:self.offsets[i + 1]].astype(np.float32) / 32768

    def random_clip(self, rng):
        return self.clip(int(rng.integers(len(self))))


# ---------------------------------------------------------------- speech


def change_voice(clip, rng):
    """Plays a clip 0.84..1.19 times as fast (resampled: pitch and formants move
    together, as between a deep and a high voice of the same kind). The training
    corpus has few speakers (one or two per GCompris language), and run v3 learned a
    correction that held on its training voices (+1.8 dB over the prior) but not on
    unseen ones (+-0.2 dB): every clip drawn this way is a new voice."""
    down = 20
    up = int(rng.integers(17, 25))  # 20/24 .. 20/17 of the original speed
    if up == down:
        return clip
    return resample_poly(clip, up, down).astype(np.float32)


def speech_sequence(pool, n, rng, perturb=False):
    """Clips joined by pauses of 50 ms .. 1 s (short phrases become running speech),
    each clip at its own level (+-6 dB), starting after up to 1.5 s of silence;
    with perturb, each clip in a voice of its own (change_voice)."""
    out = np.zeros(n, np.float32)
    pos = int(rng.uniform(0, 1.5) * SR) if rng.random() < 0.5 else 0
    while pos < n:
        clip = pool.random_clip(rng)
        if perturb and rng.random() < 0.8:
            clip = change_voice(clip, rng)
        clip = clip / rms(clip) * 0.05 * db(rng.uniform(-6, 6))
        take = min(len(clip), n - pos)
        out[pos:pos + take] = clip[:take]
        pos += take + int(rng.uniform(0.05, 1.0) * SR)
    return out


# ---------------------------------------------------------------- rooms


def synthetic_rir(rng):
    """Exponentially decaying noise after a direct path: RT60 0.1..0.8 s, direct-to-
    reverberant ratio varied by the 2..10 ms gap and the tail level."""
    rt60 = rng.uniform(0.1, 0.8)
    length = int(min(rt60, 0.6) * SR)
    t = np.arange(length) / SR
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60)
    # Walls absorb highs faster: a gentle low-pass of the tail.
    tail = lfilter([1 - 0.4], [1, -0.4], tail)
    gap = int(rng.uniform(0.002, 0.01) * SR)
    tail[:gap] = 0
    rir = tail * db(rng.uniform(-25, -5)) / max(1e-9, np.abs(tail).max())
    rir[0] = 1.0
    return rir.astype(np.float32)


def apply_room(speech, rirs, rng):
    if rirs and rng.random() < 0.3:
        rir = rirs[int(rng.integers(len(rirs)))]
        onset = int(np.argmax(np.abs(rir)))
        rir = rir[onset:onset + int(0.6 * SR)]
    else:
        rir = synthetic_rir(rng)
    rir = rir / max(1e-9, float(np.abs(rir).max()))
    return fftconvolve(speech, rir)[:len(speech)].astype(np.float32)


# ---------------------------------------------------------------- noise


def coloured_noise(n, rng):
    """White .. brown: power spectrum ~ 1/f^alpha, alpha in [0, 2]."""
    alpha = rng.uniform(0, 2)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    f[0] = f[1]
    spectrum *= f ** (-alpha / 2)
    return np.fft.irfft(spectrum, n)


def hum(n, rng):
    """Mains hum: 50 or 60 Hz with harmonics, a little frequency wander and buzz."""
    f0 = rng.choice([50.0, 60.0]) * (1 + rng.uniform(-0.01, 0.01))
    t = np.arange(n) / SR
    out = np.zeros(n)
    for k in range(1, int(rng.integers(3, 30))):
        if k * f0 > 20000:
            break
        out += rng.uniform(0, 1) / k ** rng.uniform(0.3, 1.5) * np.sin(
            2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
    return out + 0.05 * rng.standard_normal(n) * rms(out)


def fan(n, rng):
    """Band-limited noise with slow amplitude modulation, sometimes a blade tone."""
    low = rng.uniform(30, 400)
    high = rng.uniform(max(low * 2, 500), 12000)
    sos = butter(2, [low, high], btype="band", fs=SR, output="sos")
    out = sosfilt(sos, rng.standard_normal(n))
    t = np.arange(n) / SR
    out *= 1 + rng.uniform(0, 0.3) * np.sin(2 * np.pi * rng.uniform(0.1, 2) * t)
    if rng.random() < 0.5:
        out += rms(out) * rng.uniform(0.2, 1.5) * np.sin(2 * np.pi * rng.uniform(80, 600) * t)
    return out


def clicks(n, rng):
    """Keyboard-like transients: short decaying bursts, band-passed, at random times."""
    out = np.zeros(n)
    rate = rng.uniform(1, 12)
    count = rng.poisson(rate * n / SR)
    decay = rng.uniform(0.001, 0.02)
    burst_len = int(5 * decay * SR)
    envelope = np.exp(-np.arange(burst_len) / (decay * SR))
    for _ in range(count):
        at = int(rng.integers(max(1, n - burst_len)))
        out[at:at + burst_len] += rng.standard_normal(burst_len) * envelope * db(rng.uniform(-12, 0))
    low = rng.uniform(200, 3000)
    sos = butter(2, [low, min(22000, low * rng.uniform(2, 8))], btype="band", fs=SR, output="sos")
    return sosfilt(sos, out)


def babble(speech_pool, n, rng, perturb=False):
    """3..8 other talkers at once."""
    out = np.zeros(n)
    for _ in range(int(rng.integers(3, 9))):
        out += speech_sequence(speech_pool, n, rng, perturb) * db(rng.uniform(-6, 3))
    return out


def real_noise(noise_pool, n, rng):
    clip = noise_pool.random_clip(rng)
    if len(clip) == 0:
        return np.zeros(n)
    start = int(rng.integers(len(clip)))
    reps = int(np.ceil((n + start) / len(clip)))
    return np.tile(clip, reps)[start:start + n].astype(np.float64)


def noise_mix(noise_pool, speech_pool, n, rng, perturb=False):
    kinds = ["real", "real", "real", "coloured", "hum", "fan", "clicks", "babble"]
    out = np.zeros(n)
    for _ in range(int(rng.choice([1, 1, 2, 2, 3]))):
        kind = kinds[int(rng.integers(len(kinds)))]
        if kind == "real":
            part = real_noise(noise_pool, n, rng)
        elif kind == "coloured":
            part = coloured_noise(n, rng)
        elif kind == "hum":
            part = hum(n, rng)
        elif kind == "fan":
            part = fan(n, rng)
        elif kind == "clicks":
            part = clicks(n, rng)
        else:
            part = babble(speech_pool, n, rng, perturb)
        out += part / rms(part) * db(rng.uniform(-10, 0))
    if rng.random() < 0.2:  # noise that comes and goes
        t = np.arange(n) / SR
        out *= 0.55 + 0.45 * np.sin(2 * np.pi * rng.uniform(0.05, 0.5) * t + rng.uniform(0, 6.3))
    return out


# ---------------------------------------------------------------- channel


def random_tilt(x, rng):
    """A random second-order filter (as in RNNoise's training): coloured microphones."""
    b = np.array([1, rng.uniform(-0.375, 0.375), rng.uniform(-0.375, 0.375)])
    a = np.array([1, rng.uniform(-0.375, 0.375), rng.uniform(-0.375, 0.375)])
    return lfilter(b, a, x)


def mixture(speech_pool, noise_pool, rirs, n, rng, perturb=False):
    """Returns (noisy, clean) float32 of n samples; clean is the target (reverberant
    speech as the microphone hears it, with the same level and channel)."""
    kind = rng.random()
    speech = speech_sequence(speech_pool, n, rng, perturb).astype(np.float64)
    if kind < 0.05:
        speech[:] = 0  # noise only
    if rng.random() < 0.25:
        speech = apply_room(speech, rirs, rng)
    speech = random_tilt(speech, rng)
    noise = random_tilt(noise_mix(noise_pool, speech_pool, n, rng, perturb), rng)
    snr_db = rng.uniform(-5, 20) if rng.random() < 0.7 else rng.uniform(20, 30)
    if 0.05 <= kind < 0.12:
        snr_db = rng.uniform(40, 60)  # speech only (a quiet room)
    speech_level = rms(speech[np.abs(speech) > 0]) if np.any(speech) else 0.05
    noise = noise / rms(noise) * speech_level * db(-snr_db)
    noisy = speech + noise
    level = db(rng.uniform(-45, -15)) / rms(noisy)
    noisy *= level
    clean = speech * level
    if rng.random() < 0.1:  # a device that starts muted: 0.2..2 s of digital silence
        mute = int(rng.uniform(0.2, 2.0) * SR)
        noisy[:mute] = 0
        clean[:mute] = 0
    if rng.random() < 0.05:  # clipping: drive the peaks 0..12 dB over full scale
        drive = db(rng.uniform(0, 12)) / max(1e-9, np.abs(noisy).max())
        noisy = np.clip(noisy * drive, -1, 1) / drive
    if rng.random() < 0.05:  # coarse quantisation, 8..12 bits
        step = 2.0 ** -(rng.integers(8, 13) - 1)
        noisy = np.round(noisy / step) * step
    return noisy.astype(np.float32), clean.astype(np.float32)
