# SPDX-License-Identifier: MIT
"""Shards of training examples: runtime features of noisy mixtures + band-gain and
voice-activity targets, computed once (mixing + C++ features) so training only runs
the network."""
import numpy as np

from . import corpus, native, synth

SEQUENCE_S = 8.0
# Bands whose noisy energy is below this carry no information: excluded from the loss.
_SILENT_ENERGY = 1e-9


def targets(noisy_energy, clean_energy):
    """Ideal band gains sqrt(E_clean / E_noisy), capped at 1 (the runtime never
    amplifies); -1 marks a band to ignore."""
    gain = np.sqrt(clean_energy / np.maximum(noisy_energy, 1e-20))
    gain = np.minimum(gain, 1.0)
    gain[noisy_energy < _SILENT_ENERGY] = -1.0
    return gain


def voice_activity(clean_energy):
    """1 where the clean speech band energy (bands 6..) is within 30 dB of the loudest
    hop of the sequence."""
    speech = clean_energy[:, 6:].sum(axis=1)
    if speech.max() <= 0:
        return np.zeros(len(speech), np.uint8)
    return (speech > speech.max() * 1e-3).astype(np.uint8)


def make_shard(split, seed, count):
    rng = np.random.default_rng(seed)
    speech = synth.Pool(*corpus.load_pool("speech", split))
    noise = synth.Pool(*corpus.load_pool("noise", split))
    rirs = [corpus.load_48k(f) for f in corpus.rir_files()]
    n = int(SEQUENCE_S * synth.SR)
    hops = n // native.HOP
    features = np.empty((count, hops, native.FEATURES), np.float16)
    gains = np.empty((count, hops, native.BANDS), np.float16)
    vad = np.empty((count, hops), np.uint8)
    for i in range(count):
        # New voices for training only: validation measures the voices as they are.
        noisy, clean = synth.mixture(speech, noise, rirs, n, rng, perturb=split == "train")
        f, noisy_energy, clean_energy = native.extract(noisy, clean)
        features[i] = f
        gains[i] = targets(noisy_energy, clean_energy)
        vad[i] = voice_activity(clean_energy)
    return features, gains, vad
