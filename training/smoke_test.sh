#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole training pipeline in miniature, for CI (about a minute): a few files, one
# tiny shard, a few training steps, a resume from the checkpoint, export, and the C++
# runtime checked against PyTorch on the exported blob (tests/golden, which FAILS above
# its stated tolerance). Exit 77 = skipped (no PyTorch or no ../shared/data).
#   training/smoke_test.sh <libhush_train_native.so> <hush_golden_tests binary>
set -euo pipefail
native=$1
golden_tests=$2
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
shared=${HUSH_SHARED_DATA:-$here/../../shared/data}
if ! $py -c "import torch, numpy, scipy, soundfile" 2>/dev/null; then
  echo "skipped: /usr/bin/python3 lacks torch/numpy/scipy/soundfile (scripts/setup.sh installs them)"
  exit 77
fi
if [ ! -d "$shared/speech" ]; then
  echo "skipped: training data not found at $shared"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HUSH_TRAIN_CACHE=$tmp/cache HUSH_TRAIN_TINY=1 HUSH_TRAIN_NATIVE=$native HUSH_SHARED_DATA=$shared
$py "$here/make_dataset.py" --train-shards 1 --val-shards 1 --sequences 6 --workers 1
$py "$here/train.py" --runs-dir "$tmp/runs" --run smoke --steps 10 --batch 4 --crop-hops 100 --eval-every 5
$py "$here/train.py" --runs-dir "$tmp/runs" --run smoke --steps 15 --batch 4 --crop-hops 100 --eval-every 5 \
  | tee "$tmp/resume.log"
grep -q "resumed at step 10" "$tmp/resume.log" || { echo "FAIL: training did not resume from its checkpoint"; exit 1; }
$py "$here/export.py" --checkpoint "$tmp/runs/smoke/best.pt" --blob "$tmp/smoke.hnn" --golden "$tmp/smoke_golden.bin"
HUSH_GOLDEN_BLOB=$tmp/smoke.hnn HUSH_GOLDEN_FILE=$tmp/smoke_golden.bin "$golden_tests" --gtest_filter='NeuralGolden.*'
echo "training smoke test passed"
