# SPDX-License-Identifier: MIT
"""The network. Its runtime twin is src/suppressor/neural/network.cc; export.py writes
the blob that ties them and golden vectors that prove they compute the same thing.

  features (112) -> normalise -> dense 96, tanh -> GRU 112 -> GRU 112
     -> [dense, GRU1, GRU2] concatenated -> dense 56, sigmoid: band gains
     -> GRU1 -> dense 1, sigmoid: voice probability

Two GRUs of 112 rather than RNNoise's three small ones: the gains need the context of
both (skip connections from every layer, as RNNoise does), and two layers keep the
matrix-vector products few and long, which suits SIMD.
"""
import torch
from torch import nn


class HushNet(nn.Module):
    def __init__(self, features=112, bands=56, embed=96, hidden=112):
        super().__init__()
        self.features, self.bands, self.embed_size, self.hidden = features, bands, embed, hidden
        self.register_buffer("input_mean", torch.zeros(features))
        self.register_buffer("input_scale", torch.ones(features))
        self.embed = nn.Linear(features, embed)
        self.gru1 = nn.GRU(embed, hidden, batch_first=True)
        self.gru2 = nn.GRU(hidden, hidden, batch_first=True)
        self.gain = nn.Linear(embed + 2 * hidden, bands)
        self.vad = nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        """x: [batch, hops, features] -> gains [batch, hops, bands], vad [batch, hops]."""
        h1, h2 = (None, None) if state is None else state
        e = torch.tanh(self.embed((x - self.input_mean) * self.input_scale))
        a, h1 = self.gru1(e, h1)
        b, h2 = self.gru2(a, h2)
        gains = torch.sigmoid(self.gain(torch.cat([e, a, b], dim=-1)))
        vad = torch.sigmoid(self.vad(a)).squeeze(-1)
        return gains, vad, (h1, h2)


def gain_loss(pred, target):
    """RNNoise's loss on band gains: squared and fourth-power error of sqrt(gain) (the
    fourth power punishes the large errors that are audible), plus a little cross-entropy;
    bands marked -1 (no energy) are ignored."""
    mask = (target >= 0).float()
    t = target.clamp(min=0)
    d = torch.sqrt(pred + 1e-8) - torch.sqrt(t + 1e-8)
    bce = nn.functional.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), t, reduction="none")
    per = d ** 2 + 10 * d ** 4 + 0.01 * bce
    return (per * mask).sum() / mask.sum().clamp(min=1)


def vad_loss(pred, target):
    return nn.functional.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), target)
