# SPDX-License-Identifier: MIT
"""Training pipeline for Hush's neural suppressor (see training/README.md)."""
