#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes a trained checkpoint as the weight blob the library loads, plus golden vectors
that tests/golden checks the C++ runtime against (and fails on any larger difference).

  /usr/bin/python3 training/export.py --checkpoint training/runs/default/best.pt \\
      --blob models/hush-default.hnn --golden tests/golden/data/neural_golden.bin
"""
import argparse
import struct
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hush_train import corpus, native, synth  # noqa: E402
from hush_train.model import HushNet  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MAGIC = b"HUSHNET\0"
FORMAT_VERSION = 1
GOLDEN_MAGIC = b"HUSHGLD\0"


def fnv1a64(data: bytes) -> int:
    """FNV-1a 64, vectorised enough for a megabyte (xor then multiply, byte by byte)."""
    h = 0xcbf29ce484222325
    prime = 0x100000001b3
    mask = (1 << 64) - 1
    for b in data:
        h = ((h ^ b) * prime) & mask
    return h


def tensors(model):
    sd = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}
    out = [("input_mean", sd["input_mean"][None, :]), ("input_scale", sd["input_scale"][None, :])]
    out += [("embed.weight", sd["embed.weight"]), ("embed.bias", sd["embed.bias"][None, :])]
    for g in ("gru1", "gru2"):
        out += [(f"{g}.weight_ih", sd[f"{g}.weight_ih_l0"]), (f"{g}.weight_hh", sd[f"{g}.weight_hh_l0"]),
                (f"{g}.bias_ih", sd[f"{g}.bias_ih_l0"][None, :]), (f"{g}.bias_hh", sd[f"{g}.bias_hh_l0"][None, :])]
    out += [("gain.weight", sd["gain.weight"]), ("gain.bias", sd["gain.bias"][None, :])]
    out += [("vad.weight", sd["vad.weight"]), ("vad.bias", sd["vad.bias"][None, :])]
    return out


def blob(model):
    payload = bytearray()
    items = tensors(model)
    for name, array in items:
        array = np.ascontiguousarray(array, dtype="<f4")
        rows, cols = array.shape
        payload += struct.pack("<I", len(name)) + name.encode("ascii") + struct.pack("<II", rows, cols)
        payload += array.tobytes()
    header = MAGIC + struct.pack("<10IQQ", FORMAT_VERSION, native.FEATURE_VERSION, native.SAMPLE_RATE_HZ,
                                 native.HOP, native.HOP, model.features, model.bands, model.embed_size,
                                 model.hidden, len(items), len(payload), fnv1a64(bytes(payload)))
    assert len(header) == 64
    return header + bytes(payload)


def golden(model, model_hash, seconds=1.5):
    """A noisy validation mixture (fixed seed), its C++ features and PyTorch's outputs."""
    rng = np.random.default_rng(20261124)
    speech = synth.Pool(*corpus.load_pool("speech", "validation"))
    noise = synth.Pool(*corpus.load_pool("noise", "validation"))
    n = int(seconds * synth.SR) // native.HOP * native.HOP
    noisy, _ = synth.mixture(speech, noise, [], n, rng)
    noisy = noisy / max(1.0, float(np.abs(noisy).max()))
    audio16 = np.clip(np.round(noisy * 32767), -32768, 32767).astype("<i2")
    audio = audio16.astype(np.float32) / 32768
    features, _, _ = native.extract(audio)
    with torch.no_grad():
        gains, vad, _ = model(torch.from_numpy(features)[None])
    hops = features.shape[0]
    header = GOLDEN_MAGIC + struct.pack("<IIIQ", hops, model.features, model.bands, model_hash)
    return (header + audio16.tobytes() + features.astype("<f4").tobytes()
            + gains[0].numpy().astype("<f4").tobytes() + vad[0].numpy().astype("<f4").tobytes())


def write_atomic(path: Path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.rename(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=str(ROOT / "training/runs/default/best.pt"))
    parser.add_argument("--blob", default=str(ROOT / "models/hush-default.hnn"))
    parser.add_argument("--golden", default=str(ROOT / "tests/golden/data/neural_golden.bin"))
    args = parser.parse_args()
    state = torch.load(args.checkpoint)["model"]
    hidden = state["gru1.weight_hh_l0"].shape[1]
    embed = state["embed.weight"].shape[0]
    model = HushNet(features=native.FEATURES, bands=native.BANDS, embed=embed, hidden=hidden)
    model.load_state_dict(state)
    model.eval()
    data = blob(model)
    model_hash = struct.unpack_from("<Q", data, 56)[0]
    write_atomic(Path(args.blob), data)
    write_atomic(Path(args.golden), golden(model, model_hash))
    params = sum(p.numel() for p in model.parameters())
    print(f"{args.blob}: {len(data)} bytes, {params} parameters, hash {model_hash:016x}")
    print(f"{args.golden}: golden vectors")


if __name__ == "__main__":
    main()
