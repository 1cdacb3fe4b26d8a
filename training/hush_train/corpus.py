# SPDX-License-Identifier: MIT
"""Which recordings train, validate and stay held out, and loading them at 48 kHz.

Split by speaker/language source, never by file:
  train       speech: GCompris (22 of its 27 languages), Debian fillets-ng-data-cs/-nl,
                      klettres-data
              noise:  noise/{tumult,esc10,ibm_max,sc_bg,gui_project} minus every 5th file,
                      sonic-pi-samples, plus synthesised noise (synth.py)
  validation  speech: the other 5 GCompris languages (other speakers, the same kind of
                      studio recording); noise: every 5th file of the above
  unused      KDE Artikulate: its "clean" clips carry their own room noise (a median clip
              dynamic range of 21.8 dB against 37.2 for the training voices,
              diagnose.py), so as a target it asks a model to keep noise, and as
              validation it scored the removal of that noise as damage (docs/NEURAL.md).
  held-out    speech: samples/clean, samples/pairs; noise: noise/{blanket,berlin_noise,
              livekit_npm}, samples/noise. Never read by training: the evaluation set of
              bench/eval (hush-eval --set heldout).
"""
import os
import subprocess
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HUSH_SHARED_DATA", ROOT.parent / "shared" / "data"))
CACHE = Path(os.environ.get("HUSH_TRAIN_CACHE", ROOT / "build" / "training-cache"))
SR = 48000
# HUSH_TRAIN_TINY=1: a few files of each kind and no Debian packages, for the CI smoke
# test of the whole pipeline (training/smoke_test.sh).
TINY = os.environ.get("HUSH_TRAIN_TINY") == "1"
# HUSH_TRAIN_FULLBAND=1: training speech without fillets-ng's 22.05 kHz dialogue (56 % of
# the hours, nothing above 11 kHz), so bandwidth no longer tells speech from noise
# (docs/NEURAL.md, runs v4-v6). Use it with its own HUSH_TRAIN_CACHE.
FULLBAND = os.environ.get("HUSH_TRAIN_FULLBAND") == "1"

TRAIN_NOISE_SETS = ["tumult", "esc10", "ibm_max", "sc_bg", "gui_project"]
HELD_OUT_NOISE_SETS = ["blanket", "berlin_noise", "livekit_npm"]
DEBIAN_SPEECH = ["fillets-ng-data-cs", "fillets-ng-data-nl", "klettres-data"]
DEBIAN_NOISE = ["sonic-pi-samples"]
# GCompris languages whose speakers only validate (by language, hence by speaker).
VALIDATION_LANGUAGES = ["da", "fi", "hi", "ru", "sv"]


def fetch_debian_packages():
    """Downloads and unpacks the Debian data packages (no root needed) into the cache."""
    debs = CACHE / "debs"
    root = CACHE / "debian"
    debs.mkdir(parents=True, exist_ok=True)
    for pkg in DEBIAN_SPEECH + DEBIAN_NOISE:
        stamp = root / f".{pkg}.done"
        if stamp.exists():
            continue
        if not list(debs.glob(f"{pkg}_*.deb")):
            subprocess.run(["apt-get", "download", pkg], cwd=debs, check=True)
        deb = sorted(debs.glob(f"{pkg}_*.deb"))[-1]
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    return root


def _require_shared():
    if not SHARED.is_dir():
        raise SystemExit(f"training data not found at {SHARED} (set HUSH_SHARED_DATA)")


def speech_files(split):
    _require_shared()
    if split not in ("train", "validation"):
        raise ValueError(split)
    gcompris = SHARED / "speech" / "gcompris"
    languages = sorted(d.name for d in gcompris.iterdir() if d.is_dir())
    wanted = [lang for lang in languages if (lang in VALIDATION_LANGUAGES) == (split == "validation")]
    files = [f for lang in wanted for f in sorted((gcompris / lang).rglob("*.ogg"))]
    if TINY:
        return files[::60]
    if split == "train":
        deb = fetch_debian_packages()
        if not FULLBAND:
            files += sorted((deb / "usr/share/games/fillets-ng/sound").rglob("*.ogg"))
        files += sorted((deb / "usr/share/klettres").rglob("*.ogg"))
    return files


def noise_files(split):
    _require_shared()
    files = []
    for name in TRAIN_NOISE_SETS:
        for i, f in enumerate(sorted((SHARED / "noise" / name).glob("*.flac"))):
            if (i % 5 == 4) == (split == "validation"):
                files.append(f)
    if TINY:
        return files[:4]
    if split == "train":
        deb = fetch_debian_packages()
        files += sorted((deb / "usr/share/sonic-pi/samples").glob("*.flac"))
    return files


def rir_files():
    return sorted((SHARED / "rir" / "measured").glob("*.flac"))


def load_48k(path):
    """Mono float32 at 48 kHz."""
    audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != SR:
        g = gcd(SR, rate)
        audio = resample_poly(audio, SR // g, rate // g).astype(np.float32)
    return audio


def trim_silence(audio, threshold_db=-40.0, pad_s=0.05):
    """Cuts leading/trailing stretches quieter than threshold_db below the clip's peak
    (10 ms frames), keeping pad_s on each side, so that pauses come from the mixer."""
    hop = SR // 100
    frames = len(audio) // hop
    if frames < 3:
        return audio
    energy = (audio[: frames * hop].reshape(frames, hop) ** 2).mean(axis=1)
    active = np.flatnonzero(energy > energy.max() * 10 ** (threshold_db / 10))
    if len(active) == 0:
        return audio[:0]
    pad = int(pad_s * SR)
    return audio[max(0, active[0] * hop - pad): min(len(audio), (active[-1] + 1) * hop + pad)]


def _load_clip(path):
    try:
        return trim_silence(load_48k(path))
    except Exception as error:  # a broken file in a corpus is skipped, not fatal
        print(f"skipping {path}: {error}")
        return np.zeros(0, np.float32)


def load_pool(kind, split, workers=2):
    """All clips of one kind ('speech'|'noise') and split, as int16 at 48 kHz, cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = CACHE / f"{kind}_{split}.npz"
    if cache.exists():
        data = np.load(cache)
        return data["audio"], data["offsets"]
    files = speech_files(split) if kind == "speech" else noise_files(split)
    from multiprocessing import Pool
    with Pool(workers) as pool:
        clips = pool.map(_load_clip if kind == "speech" else load_48k, files, chunksize=16)
    clips = [c for c in clips if len(c) >= SR // 10]
    offsets = np.cumsum([0] + [len(c) for c in clips]).astype(np.int64)
    audio = np.concatenate(clips)
    peak = max(1e-9, float(np.abs(audio).max()))
    audio16 = np.clip(np.round(audio / max(1.0, peak) * 32767), -32768, 32767).astype(np.int16)
    np.savez(cache, audio=audio16, offsets=offsets)
    hours = len(audio) / SR / 3600
    print(f"{kind}/{split}: {len(clips)} clips, {hours:.2f} h")
    return audio16, offsets
