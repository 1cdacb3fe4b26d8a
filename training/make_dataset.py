#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes training/validation shards: build/training-cache/shards/<split>_<n>.npz.

  /usr/bin/python3 training/make_dataset.py --train-shards 40 --val-shards 2
Each shard holds --sequences (200) sequences of 8 s (0.44 h). Existing shards are kept, so the
command resumes; shard n is always generated from the same seed."""
import argparse
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hush_train import corpus, dataset  # noqa: E402

def build(job):
    split, index, sequences = job
    path = corpus.CACHE / "shards" / f"{split}_{index:04d}.npz"
    if path.exists():
        return path, 0.0
    start = time.time()
    seed = (0 if split == "train" else 1_000_000) + index
    features, gains, vad = dataset.make_shard(split, seed, sequences)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, features=features, gains=gains, vad=vad)
    tmp.rename(path)
    return path, time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-shards", type=int, default=40)
    parser.add_argument("--val-shards", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sequences", type=int, default=200, help="8-second sequences per shard")
    args = parser.parse_args()
    (corpus.CACHE / "shards").mkdir(parents=True, exist_ok=True)
    for split in ("validation", "train"):  # load/cache the pools once, before forking
        corpus.load_pool("speech", split)
        corpus.load_pool("noise", split)
    jobs = [("validation", i, args.sequences) for i in range(args.val_shards)]
    jobs += [("train", i, args.sequences) for i in range(args.train_shards)]
    with Pool(args.workers) as pool:
        for done, (path, seconds) in enumerate(pool.imap(build, jobs), 1):
            print(f"[{done}/{len(jobs)}] {path.name} {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
