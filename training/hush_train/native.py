# SPDX-License-Identifier: MIT
"""The runtime's own feature code (src/suppressor/neural/features.cc), loaded with ctypes.

Training never re-implements the features in Python: what the network learns from is
computed by the same C++ that runs in the product.
"""
import ctypes
import os
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = [
    os.environ.get("HUSH_TRAIN_NATIVE", ""),
    str(_ROOT / "build/release/training/native/libhush_train_native.so"),
    str(_ROOT / "build/debug/training/native/libhush_train_native.so"),
]


def _load():
    for path in _CANDIDATES:
        if path and Path(path).is_file():
            return ctypes.CDLL(path)
    raise RuntimeError(
        "libhush_train_native.so not found; build it first: "
        "cmake --preset release && cmake --build build/release --target hush_train_native "
        "(or set HUSH_TRAIN_NATIVE)")


_lib = _load()
_f32p = np.ctypeslib.ndpointer(dtype=np.float32, flags="C_CONTIGUOUS")
_lib.hush_train_feature_version.restype = ctypes.c_int
_lib.hush_train_dims.argtypes = [ctypes.POINTER(ctypes.c_int)] * 4
_lib.hush_train_extract.restype = ctypes.c_long
_lib.hush_train_extract.argtypes = [_f32p, ctypes.c_void_p, ctypes.c_long, _f32p, _f32p,
                                    ctypes.c_void_p]

FEATURE_VERSION = _lib.hush_train_feature_version()
_dims = [ctypes.c_int() for _ in range(4)]
_lib.hush_train_dims(*[ctypes.byref(d) for d in _dims])
BANDS, FEATURES, HOP, BINS = (d.value for d in _dims)
SAMPLE_RATE_HZ = 48000


def extract(noisy, clean=None):
    """Features and band energies per 10 ms hop, exactly as the runtime computes them.

    Returns (features[hops, FEATURES], noisy_energy[hops, BANDS], clean_energy or None).
    """
    noisy = np.ascontiguousarray(noisy, dtype=np.float32)
    hops = len(noisy) // HOP
    features = np.empty((hops, FEATURES), np.float32)
    noisy_energy = np.empty((hops, BANDS), np.float32)
    clean_energy = None
    clean_ptr = None
    clean_energy_ptr = None
    if clean is not None:
        clean = np.ascontiguousarray(clean, dtype=np.float32)
        if len(clean) != len(noisy):
            raise ValueError("clean and noisy differ in length")
        clean_energy = np.empty((hops, BANDS), np.float32)
        clean_ptr = clean.ctypes.data
        clean_energy_ptr = clean_energy.ctypes.data
    got = _lib.hush_train_extract(noisy, clean_ptr, len(noisy), features, noisy_energy,
                                  clean_energy_ptr)
    if got != hops:
        raise RuntimeError("hush_train_extract failed")
    return features, noisy_energy, clean_energy
