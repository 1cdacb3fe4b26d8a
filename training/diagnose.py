#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Where a checkpoint generalises and where it does not: the numbers behind
docs/NEURAL.md ("Where the gap comes from").

  /usr/bin/python3 training/diagnose.py --checkpoint training/runs/default/last.pt

1. The speech corpora's own noise floor: the dynamic range of 400 clips per split (95th
   vs 5th percentile of 10 ms frame energy).
2. The loss (train.py's validation measure, dB, lower is better) of the statistical prior
   alone and of the checkpoint on fresh mixtures of every speech split x noise split, so
   a gap can be pinned on the voices or on the noise.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hush_train import corpus, dataset, native, synth  # noqa: E402
from hush_train.model import HushNet  # noqa: E402
import train  # noqa: E402


def dynamic_range_db(split, clips=400):
    pool = synth.Pool(*corpus.load_pool("speech", split))
    rng = np.random.default_rng(0)
    values = []
    for i in rng.choice(len(pool), min(clips, len(pool)), replace=False):
        x = pool.clip(int(i))
        n = len(x) // native.HOP
        if n < 20:
            continue
        e = (x[:n * native.HOP].reshape(n, native.HOP) ** 2).mean(axis=1) + 1e-12
        values.append(10 * np.log10(np.percentile(e, 95) / np.percentile(e, 5)))
    return np.percentile(values, [25, 50, 75])


def mixtures(speech_split, noise_split, seed, count):
    rng = np.random.default_rng(seed)
    speech = synth.Pool(*corpus.load_pool("speech", speech_split))
    noise = synth.Pool(*corpus.load_pool("noise", noise_split))
    rirs = [corpus.load_48k(f) for f in corpus.rir_files()]
    n = int(dataset.SEQUENCE_S * synth.SR)
    feats, gains, vad = [], [], []
    for _ in range(count):
        noisy, clean = synth.mixture(speech, noise, rirs, n, rng)
        f, noisy_energy, clean_energy = native.extract(noisy, clean)
        feats.append(f)
        gains.append(dataset.targets(noisy_energy, clean_energy))
        vad.append(dataset.voice_activity(clean_energy))
    return np.stack(feats).astype(np.float16), np.stack(gains).astype(np.float16), np.stack(vad)


def prior_only(checkpoint_model):
    """The same normalisation, a zero correction: the statistical suppressor's bands."""
    model = HushNet(features=checkpoint_model.features, bands=checkpoint_model.bands)
    model.input_mean.copy_(checkpoint_model.input_mean)
    model.input_scale.copy_(checkpoint_model.input_scale)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--sequences", type=int, default=100, help="per speech x noise combination")
    args = parser.parse_args()
    torch.set_num_threads(2)
    for split in ("train", "validation"):
        q25, q50, q75 = dynamic_range_db(split)
        print(f"speech {split:10s}: clip dynamic range median {q50:.1f} dB (quartiles {q25:.1f}-{q75:.1f})")
    model = HushNet()
    model.load_state_dict(torch.load(args.checkpoint)["model"])
    prior = prior_only(model)
    for speech_split in ("train", "validation"):
        for noise_split in ("train", "validation"):
            data = mixtures(speech_split, noise_split, 4242, args.sequences)
            print(f"speech {speech_split:10s} noise {noise_split:10s}: prior {train.evaluate(prior, data):7.2f} dB, "
                  f"checkpoint {train.evaluate(model, data):7.2f} dB", flush=True)


if __name__ == "__main__":
    main()
