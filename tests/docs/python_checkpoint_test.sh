#!/usr/bin/env bash
# docs/outputs.md says a checkpoint loads into Python PyTorch. This trains a tiny ChIP-seq
# CNN, then checks that examples/python/load_checkpoint.py (torch.load + load_state_dict,
# strict) predicts what `evoaug predict` predicts for the same sequences.
# Usage: python_checkpoint_test.sh EVOAUG_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
evoaug="$1" source_dir="$2" work="$3"
python=/usr/bin/python3   # Debian's python3-torch (scripts/install-deps.sh) lives here
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "SKIPPED: no Python PyTorch (Debian package python3-torch) on this machine"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work" && cd "$work"
cat > pipeline.toml <<'TOML'
[runtime]
seed = 3
threads = 1
output_dir = "out"
[data]
format = "synthetic"
num_sequences = 400
length = 100
tasks = 2
[model]
type = "chip_cnn"
[pretrain]
max_epochs = 2
[finetune]
max_epochs = 1
TOML
"$evoaug" --log-level warn run pipeline.toml > /dev/null
"$python" - <<'PY'
import random
random.seed(7)
with open("seqs.fa", "w") as f:
    for i in range(20):
        f.write(">seq%d\n%s\n" % (i, "".join(random.choice("ACGT") for _ in range(100))))
PY
"$evoaug" --log-level warn predict --checkpoint out/checkpoints/finetune-best.pt --in seqs.fa --out cpp.tsv
"$python" "$source_dir/examples/python/load_checkpoint.py" out/checkpoints/finetune-best.pt seqs.fa > python.tsv
"$python" - <<'PY'
import math
cpp = [line.split("\t") for line in open("cpp.tsv").read().split("\n")[1:] if line]
py = [line.split("\t") for line in open("python.tsv").read().split("\n") if line]
assert len(cpp) == len(py) == 20, (len(cpp), len(py))
worst = 0.0
for a, b in zip(cpp, py):
    assert a[0] == b[0], (a[0], b[0])
    for x, y in zip(a[1:], b[1:]):
        worst = max(worst, abs(float(x) - float(y)))
spread = max(float(v) for row in cpp for v in row[1:]) - min(float(v) for row in cpp for v in row[1:])
print(f"20 sequences x {len(cpp[0]) - 1} tasks: largest difference {worst:.2e}, spread of predictions {spread:.3f}")
assert worst < 1e-4, "Python and C++ predictions differ"
assert spread > 1e-3, "predictions are all alike: the comparison would prove nothing"
PY
