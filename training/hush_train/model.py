# SPDX-License-Identifier: MIT
"""The network. Its runtime twin is src/suppressor/neural/network.cc; export.py writes
the blob that ties them and golden vectors that prove they compute the same thing.

  features (224) -> normalise -> dense 96, tanh -> GRU 112 -> GRU 112
     -> [dense, GRU1, GRU2] concatenated -> dense 56
     -> + logit(statistical band gain, from the features) -> sigmoid: band gains
     -> GRU1 -> dense 1, sigmoid: voice probability

The gain layer starts at zero, so an untrained network reproduces the statistical
suppressor's band gains (features.h explains the prior); training learns the correction.

Two GRUs of 112 rather than RNNoise's three small ones: the gains need the context of
both (skip connections from every layer, as RNNoise does), and two layers keep the
matrix-vector products few and long, which suits SIMD.
"""
import torch
from torch import nn


class HushNet(nn.Module):
    def __init__(self, features=224, bands=56, embed=96, hidden=112, dropout=0.0):
        super().__init__()
        # Training only (a no-op in eval mode and absent from the blob): with a few
        # dozen speakers the network otherwise memorises their voices (docs/NEURAL.md).
        self.drop = nn.Dropout(dropout)
        self.features, self.bands, self.embed_size, self.hidden = features, bands, embed, hidden
        self.register_buffer("input_mean", torch.zeros(features))
        self.register_buffer("input_scale", torch.ones(features))
        self.embed = nn.Linear(features, embed)
        self.gru1 = nn.GRU(embed, hidden, batch_first=True)
        self.gru2 = nn.GRU(hidden, hidden, batch_first=True)
        self.gain = nn.Linear(embed + 2 * hidden, bands)
        self.vad = nn.Linear(hidden, 1)
        nn.init.zeros_(self.gain.weight)
        nn.init.zeros_(self.gain.bias)

    def prior_logit(self, x):
        """logit of the statistical band gain sqrt(E_cleaned / E_input), kept in
        (0.001, 0.999); the C++ twin is in network.cc."""
        b = self.bands
        log_ratio = (x[..., 2 * b:3 * b] - x[..., :b]).clamp(max=0.0)
        prior = torch.sqrt(torch.pow(10.0, log_ratio)).clamp(0.001, 0.999)
        return torch.log(prior / (1.0 - prior))

    def forward(self, x, state=None):
        """x: [batch, hops, features] -> gains [batch, hops, bands], vad [batch, hops]."""
        h1, h2 = (None, None) if state is None else state
        e = torch.tanh(self.embed((x - self.input_mean) * self.input_scale))
        a, h1 = self.gru1(self.drop(e), h1)
        b, h2 = self.gru2(self.drop(a), h2)
        skip = self.drop(torch.cat([e, a, b], dim=-1))
        gains = torch.sigmoid(self.gain(skip) + self.prior_logit(x))
        vad = torch.sigmoid(self.vad(a)).squeeze(-1)
        return gains, vad, (h1, h2)


def sdr_loss(pred, target, log_energy):
    """The distortion the gains leave in each sequence, as a signal-to-distortion ratio
    in dB (negated, so lower is better), averaged over the batch:

        -10 log10( sum E_noisy * t^2 / sum E_noisy * (g - t)^2 )   over bands and hops

    E_noisy * (g - t)^2 is the energy of the band's error (magnitudes; phase is the
    noisy one either way) and E_noisy * t^2 the clean energy, so this is the spectral
    SDR of the output: aligned with the SI-SDR the evaluation reports, and measured per
    sequence so that quiet and loud recordings count alike. (RNNoise's loss on sqrt(g)
    rewards a network that predicts ~0.3 everywhere over the statistical suppressor,
    which this one does not.) log_energy: the features' log10 band energies."""
    energy = torch.pow(10.0, log_energy)
    mask = (target >= 0).float()
    t = target.clamp(min=0)
    total = (energy * mask).sum(dim=(1, 2))
    # Floors relative to the sequence's own energy: an error 30 dB below the input is
    # "done" (the default strength floor), and a sequence with no speech at all (noise
    # only) is scored against -20 dB of its input instead of against zero, which would
    # make its loss, and its gradient, explode and drown every other sequence.
    error = (energy * mask * (pred - t) ** 2).sum(dim=(1, 2)) + 1e-3 * total
    clean = (energy * mask * t ** 2).sum(dim=(1, 2)) + 1e-2 * total
    return (10 * torch.log10((error + 1e-12) / (clean + 1e-12))).mean()


def vad_loss(pred, target):
    return nn.functional.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), target)
