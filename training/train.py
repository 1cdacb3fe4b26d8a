#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Trains HushNet on the shards of make_dataset.py. CPU only; resumes from its last
checkpoint; prints progress; keeps the checkpoint with the best validation loss.

  /usr/bin/python3 training/train.py --run default --steps 4000
Run it again with a larger --steps to continue. New shards written while it runs are
picked up every 200 steps."""
import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hush_train import corpus  # noqa: E402
from hush_train.model import HushNet, sdr_loss, vad_loss  # noqa: E402

RUNS = Path(__file__).resolve().parent / "runs"


def load_shards(split, have=None):
    paths = sorted((corpus.CACHE / "shards").glob(f"{split}_[0-9][0-9][0-9][0-9].npz"))
    have = have or {}
    for p in paths:
        if p.name not in have:
            with np.load(p) as data:
                have[p.name] = (data["features"], data["gains"], data["vad"])
    return have


def stack(shards):
    f = np.concatenate([s[0] for s in shards.values()])
    g = np.concatenate([s[1] for s in shards.values()])
    v = np.concatenate([s[2] for s in shards.values()])
    return f, g, v


def evaluate(model, val):
    f, g, v = val
    model.eval()
    with torch.no_grad():
        losses = []
        for i in range(0, len(f), 50):
            x = torch.from_numpy(f[i:i + 50].astype(np.float32))
            gains, vad, _ = model(x)
            target = torch.from_numpy(g[i:i + 50].astype(np.float32))
            losses.append(float(sdr_loss(gains, target, x[..., :model.bands])))
    model.train()
    return float(np.mean(losses))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", default="default")
    parser.add_argument("--runs-dir", default=str(RUNS), help="where runs keep checkpoints")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--crop-hops", type=int, default=400)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--dropout", type=float, default=0.1, help="training-only dropout")
    parser.add_argument("--mask-blocks", default="",
                        help="feature blocks the network does not see, e.g. '0,3' (0: band energies, 1: above "
                             "the floor, 2: after the statistical gains, 3: the noise estimate); their input "
                             "scale is 0, so the blob and the runtime need no change")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    run = Path(args.runs_dir) / args.run
    run.mkdir(parents=True, exist_ok=True)

    train_shards = load_shards("train")
    val = stack(load_shards("validation"))
    if not train_shards or len(val[0]) == 0:
        raise SystemExit("no shards: run training/make_dataset.py first")
    train = stack(train_shards)

    model = HushNet(features=train[0].shape[2], bands=train[1].shape[2], dropout=args.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    step, best, elapsed = 0, math.inf, 0.0
    last = run / "last.pt"
    if last.exists():
        ckpt = torch.load(last)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        step, best, elapsed = ckpt["step"], ckpt["best"], ckpt.get("elapsed_s", 0.0)
        print(f"resumed at step {step} (best validation loss {best:.4f})", flush=True)
    else:
        # Input normalisation from the first shard, frozen into the model (and the blob).
        sample = train[0][:100].astype(np.float32).reshape(-1, train[0].shape[2])
        model.input_mean.copy_(torch.from_numpy(sample.mean(axis=0)))
        model.input_scale.copy_(torch.from_numpy(1.0 / (sample.std(axis=0) + 1e-3)))
        # Absolute band energies carry each voice's spectral envelope; run v4 (new voices by
        # resampling) still learned a correction that held on its training voices only.
        for block in filter(None, args.mask_blocks.split(",")):
            b = int(block)
            model.input_scale[b * model.bands:(b + 1) * model.bands] = 0.0

    rng = np.random.default_rng(step)
    start, window_loss = time.time() - elapsed, []
    while step < args.steps:
        if step % 200 == 0 and step > 0:
            before = len(train_shards)
            load_shards("train", train_shards)
            if len(train_shards) != before:
                train = stack(train_shards)
                print(f"now {len(train_shards)} training shards ({len(train[0])} sequences)", flush=True)
        # Cosine decay to 5% of the peak over --steps, after a 100-step warm-up.
        lr = args.lr * min(1.0, (step + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / args.steps)))
        for group in opt.param_groups:
            group["lr"] = lr
        idx = rng.integers(len(train[0]), size=args.batch)
        off = int(rng.integers(train[0].shape[1] - args.crop_hops + 1))
        sl = slice(off, off + args.crop_hops)
        x = torch.from_numpy(train[0][idx, sl].astype(np.float32))
        g = torch.from_numpy(train[1][idx, sl].astype(np.float32))
        v = torch.from_numpy(train[2][idx, sl].astype(np.float32))
        gains, vad, _ = model(x)
        # The voice term is in nats (~0.1-0.7), the SDR term in dB (-5..-20): 2 dB per
        # nat keeps the voice output trained without pulling the gains around.
        loss = sdr_loss(gains, g, x[..., :model.bands]) + 2.0 * vad_loss(vad, v)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        window_loss.append(float(loss))
        if step % args.eval_every == 0 or step == args.steps:
            val_loss = evaluate(model, val)
            elapsed = time.time() - start
            rate = step / max(elapsed, 1e-9)
            marker = ""
            if val_loss < best:
                best = val_loss
                torch.save({"model": model.state_dict(), "step": step, "val": val_loss}, run / "best.pt")
                marker = " *"
            ckpt = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                    "best": best, "elapsed_s": elapsed}
            torch.save(ckpt, run / "last.tmp")
            (run / "last.tmp").rename(last)
            eta_min = (args.steps - step) / max(rate, 1e-9) / 60
            print(f"step {step}/{args.steps} train {np.mean(window_loss):.4f} val {val_loss:.4f}{marker} "
                  f"lr {lr:.2e} {elapsed / 60:.1f} min, eta {eta_min:.0f} min", flush=True)
            window_loss = []


if __name__ == "__main__":
    main()
