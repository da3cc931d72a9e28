// `evoaug COMMAND [SUBCOMMAND] --help`: each command's usage, options and an example.
// One table, beside the commands' own option lists (cli_args.h); the CLI test checks that
// every option a command accepts is named in its help.
#include "command_help.h"

#include <cstring>

namespace evoaug::cli {
namespace {

struct Help {
  const char* command;
  const char* sub;  ///< "" for a command without subcommands, or the command's own page
  const char* text;
};

const Help kHelp[] = {
    {"run", "",
     "usage: evoaug run P.toml [--set table.key=value]... [--resume | --overwrite] [--nproc N]\n"
     "  pretrain with the pipeline's augmentations, fine-tune on the original data, test both\n"
     "  --set K=V      change a value of the pipeline file (repeatable; docs/training.md)\n"
     "  --resume       continue the run in output_dir from its checkpoints\n"
     "  --overwrite    replace the results of an earlier run in output_dir\n"
     "  --nproc N      train data-parallel on N local processes (Gloo on CPUs, NCCL on GPUs; under\n"
     "                 torchrun or srun, leave it out: docs/distributed.md)\n"
     "example: evoaug run examples/quickstart.toml --set pretrain.max_epochs=3\n"},
    {"pretrain", "",
     "usage: evoaug pretrain P.toml [--set table.key=value]... [--resume | --overwrite] [--nproc N]\n"
     "  the augmented training stage only (and its test)\n"
     "  --set K=V      change a value of the pipeline file (repeatable)\n"
     "  --resume       continue from pretrain-last.pt in output_dir\n"
     "  --overwrite    replace the pretraining results of an earlier run\n"
     "  --nproc N      train data-parallel on N local processes (docs/distributed.md)\n"
     "example: evoaug pretrain P.toml --set runtime.output_dir=runs/pre\n"},
    {"finetune", "",
     "usage: evoaug finetune [P.toml] --from CKPT [--set table.key=value]... [--resume | --overwrite]\n"
     "                       [--nproc N]\n"
     "  fine-tune on the original data, starting from the weights in CKPT; without P.toml,\n"
     "  the configuration stored in the checkpoint\n"
     "  --from CKPT    the checkpoint to start from (e.g. runs/x/checkpoints/pretrain-best.pt)\n"
     "  --set K=V      change a value of the configuration (repeatable)\n"
     "  --resume       continue from finetune-last.pt\n"
     "  --overwrite    replace the fine-tuning results of an earlier run\n"
     "  --nproc N      train data-parallel on N local processes (docs/distributed.md)\n"
     "example: evoaug finetune --from runs/x/checkpoints/pretrain-best.pt\n"},
    {"evaluate", "",
     "usage: evoaug evaluate [P.toml] --checkpoint CKPT [--set table.key=value]...\n"
     "  test metrics of the weights in CKPT on the pipeline's test split\n"
     "  --checkpoint CKPT  the weights to evaluate\n"
     "  --set K=V          change a value of the configuration (repeatable)\n"
     "example: evoaug evaluate --checkpoint runs/x/checkpoints/finetune-best.pt\n"},
    {"predict", "",
     "usage: evoaug predict [P.toml] --checkpoint CKPT --in x.fa|x.h5 --out preds.tsv [--force] [--set table.key=value]...\n"
     "  a TSV of predictions (id, then one column per task; logits become probabilities)\n"
     "  --checkpoint CKPT  the model\n"
     "  --in FILE          FASTA (every sequence of the training length) or HDF5 (its test split)\n"
     "  --out FILE         the TSV to write (never an input; an existing file only with --force)\n"
     "  --force            replace an existing --out\n"
     "  --set K=V          change a value of the configuration (repeatable)\n"
     "example: evoaug predict --checkpoint runs/x/checkpoints/finetune-best.pt --in seqs.fa --out preds.tsv\n"},
    {"report", "",
     "usage: evoaug report RUN_DIR\n"
     "  write RUN_DIR/report.html again from its report.json and metrics.csv (a run writes it\n"
     "  at its end): learning curves, test metrics, configuration, components (docs/outputs.md)\n"
     "example: evoaug report runs/quickstart\n"},
    {"sweep", "",
     "usage: evoaug sweep S.toml [--out DIR] [--jobs N] [--threads T] [--emit slurm] [--collect] [--dry-run]\n"
     "  every point of the sweep file's axes, each an `evoaug run` of its base pipeline in a folder of\n"
     "  its own; then sweep.csv, summary.csv (mean and sd over seeds, paired t-test against the\n"
     "  baseline) and report.html (docs/sweeps.md). Finished points are skipped: run it again to resume\n"
     "  --out DIR       the sweep's folder (default: next to S.toml, named after it)\n"
     "  --jobs N        runs at a time (default 1)\n"
     "  --threads T     threads per run (default: cores / N; N x T may not exceed the cores)\n"
     "  --emit slurm    write DIR/sweep.slurm, a Slurm array script with one task per point, and stop\n"
     "  --collect       gather what finished into the tables and report without running anything\n"
     "  --dry-run       validate every point and list them, run nothing\n"
     "example: evoaug sweep examples/sweep-augmentations/sweep.toml --jobs 2\n"},
    {"attribute", "",
     "usage: evoaug attribute RUN_DIR|--checkpoint CKPT --in x.fa|x.h5 --out maps.h5 [--method M] [--task K]\n"
     "                        [--n N] [--references R] [--no-correction] [--truth] [--logos K] [--batch-size B]\n"
     "                        [--seed S] [--pipeline P.toml] [--set table.key=value]... [--force]\n"
     "  attribution maps (N, 4, L) in HDF5, with the gradient correction of Majdandzic et al.\n"
     "  (docs/interpretation.md), and SVG logos of the first maps beside the output\n"
     "  RUN_DIR            a run's output_dir: its finetune-best.pt, else pretrain-best.pt\n"
     "  --checkpoint CKPT  the model, instead of RUN_DIR\n"
     "  --in FILE          FASTA (every sequence of the training length) or HDF5 (its test split); also --data\n"
     "  --out FILE         the HDF5 file to write (never an input; an existing file only with --force)\n"
     "  --method M         saliency (default), input_x_gradient, ism, gradient_shap\n"
     "  --task K           the output explained: a number from 0 or a task name (default 0)\n"
     "  --n N              the first N sequences only (default: all)\n"
     "  --references R     gradient_shap: random DNA references per sequence (default 1000)\n"
     "  --no-correction    raw gradients (no per-position mean subtraction)\n"
     "  --truth            with an HDF5 file of evoaug synth: the AUROC of the maps for its planted sites\n"
     "  --logos K          SVG logos of the first K maps, OUT_STEM.logo_I.svg (default 3; 0: none)\n"
     "  --batch-size B     sequences, mutants or references per forward pass (default 128)\n"
     "  --seed S           gradient_shap's references and interpolation points (default 1)\n"
     "  --pipeline P.toml  the configuration to build the model with (default: the checkpoint's)\n"
     "  --set K=V          change a value of the configuration (repeatable)\n"
     "  --force            replace an existing --out\n"
     "example: evoaug attribute runs/quickstart --in synth.h5 --n 100 --method ism --out ism.h5\n"},
    {"score-variants", "",
     "usage: evoaug score-variants RUN_DIR|--checkpoint CKPT (--vcf V.vcf --reference GENOME.fa | --pairs PAIRS.tsv)\n"
     "                             --out scores.tsv [--task K] [--batch-size B] [--pipeline P.toml]\n"
     "                             [--set table.key=value]... [--force]\n"
     "  predictions for the reference and alternative sequence of each variant and the effect,\n"
     "  per task: alt - ref for regression, the log-odds difference for a classifier\n"
     "  RUN_DIR             a run's output_dir: its finetune-best.pt, else pretrain-best.pt\n"
     "  --checkpoint CKPT   the model, instead of RUN_DIR\n"
     "  --vcf V.vcf         SNVs (CHROM POS ID REF ALT); the model-length window centred on each\n"
     "  --reference G.fa    the genome of the VCF (whole FASTA; REF is checked against it)\n"
     "  --pairs PAIRS.tsv   instead: a TSV with columns id, ref, alt (whole sequences of the model's length);\n"
     "                      with columns measured (and experiment), the Pearson r of the predicted and\n"
     "                      measured effects per experiment and their mean (the paper's CAGI5 protocol),\n"
     "                      printed and written to OUT_STEM.correlations.tsv\n"
     "  --task K            the task whose effect is correlated (a number from 0 or a name; default 0)\n"
     "  --out FILE          the TSV to write, atomically (an existing file only with --force)\n"
     "  --batch-size B      sequences per forward pass (default 128)\n"
     "  --pipeline P.toml   the configuration to build the model with (default: the checkpoint's)\n"
     "  --set K=V           change a value of the configuration (repeatable)\n"
     "  --force             replace an existing --out\n"
     "example: evoaug score-variants runs/quickstart --vcf variants.vcf --reference genome.fa --out scores.tsv\n"},
    {"filters", "",
     "usage: evoaug filters RUN_DIR|--checkpoint CKPT --in x.fa|x.h5 --out DIR [--threshold T] [--n N]\n"
     "                      [--motifs DB.meme [--exclude ID,ID] [--shuffles S] [--seed S] [--euclidean]]\n"
     "                      [--no-logos] [--batch-size B] [--pipeline P.toml] [--set table.key=value]...\n"
     "  the first Conv1d's filters as position frequency matrices by activation-based alignment:\n"
     "  DIR/filters.meme (MEME format), DIR/filter_K.svg; with --motifs, each filter's best\n"
     "  database match in DIR/matches.tsv and the hit rate and mean q-value in DIR/summary.txt\n"
     "  RUN_DIR            a run's output_dir: its finetune-best.pt, else pretrain-best.pt\n"
     "  --checkpoint CKPT  the model, instead of RUN_DIR\n"
     "  --in FILE          FASTA (every sequence of the training length) or HDF5 (its test split); also --data\n"
     "  --out DIR          the folder to write (created; files in it are replaced)\n"
     "  --threshold T      windows whose activation exceeds T x the filter's maximum (default 0.5)\n"
     "  --n N              the first N sequences only (default: all)\n"
     "  --motifs DB.meme   compare every filter with every motif of a MEME file (e.g. JASPAR's)\n"
     "  --exclude IDS      motif ids left out of the comparison, comma-separated (repeatable)\n"
     "  --shuffles S       column-shuffled copies of each motif for the p-values (default 1000)\n"
     "  --seed S           the shuffles' seed (default 1)\n"
     "  --euclidean        column similarity by Euclidean distance instead of Pearson correlation\n"
     "  --no-logos         write no SVG logos\n"
     "  --batch-size B     sequences per forward pass (default 256)\n"
     "  --pipeline P.toml  the configuration to build the model with (default: the checkpoint's)\n"
     "  --set K=V          change a value of the configuration (repeatable)\n"
     "example: evoaug filters runs/quickstart --in synth.h5 --motifs motifs.meme --out filters\n"},
    {"check", "",
     "usage: evoaug check P.toml [--set table.key=value]... [--resolved] [--header-only]\n"
     "  validate the pipeline file, load its plugins and data, build the model; no training\n"
     "  --set K=V       change a value of the pipeline file (repeatable)\n"
     "  --resolved      also print the configuration with every default filled in\n"
     "  --header-only   read only the data files' headers (data too large to load twice)\n"
     "example: evoaug check examples/quickstart.toml --resolved\n"},
    {"augment", "",
     "usage: evoaug augment --config P.toml --in x.fa --out y.fa [--seed S] [--copies K] [--force] [--set table.key=value]...\n"
     "  apply the pipeline's [augment] table to the sequences of a FASTA file\n"
     "  --config P.toml  the pipeline whose augmentations to apply\n"
     "  --in FILE        FASTA input\n"
     "  --out FILE       FASTA output (never an input; an existing file only with --force)\n"
     "  --force          replace an existing --out\n"
     "  --seed S         the augmentations' seed (default: the pipeline's)\n"
     "  --copies K       augmented copies of each sequence (default 1)\n"
     "  --set K=V        change a value of the pipeline file (repeatable)\n"
     "example: evoaug augment --config P.toml --in seqs.fa --out aug.fa --copies 3\n"},
    {"data", "inspect",
     "usage: evoaug data inspect FILE [--labels TSV] [--n-policy drop|uniform|zero]\n"
     "                           [--length-policy error|pad|trim|pad_or_trim] [--length L]\n"
     "                           [--axis-order auto|channels_first|channels_last]\n"
     "  what a data file holds: splits, shapes, labels, N and lengths (docs/data.md)\n"
     "example: evoaug data inspect peaks.fa.gz --labels peaks.tsv\n"},
    {"synth", "",
     "usage: evoaug synth --out FILE.h5 [--task binary|regression] [--num-sequences N] [--length L]\n"
     "                    [--tasks K] [--seed S] [--motifs-out M.meme] [--lower-case] [--channels-last] [--force]\n"
     "  write the built-in synthetic dataset as an HDF5 file in the paper's layout, with the\n"
     "  planted sites of each split (sites_train, sites_valid, sites_test)\n"
     "  --motifs-out M.meme  also the generator's motifs (the PWMs its sites are drawn from) in MEME\n"
     "                       format: a database with known answers for `evoaug filters --motifs`\n"
     "example: evoaug synth --out synthetic.h5 --num-sequences 2000 --motifs-out synthetic.meme\n"},
    {"plugins", "",
     "usage: evoaug plugins [--json] [--describe NAME] [--markdown]\n"
     "  the augmentations and models found, and the libraries that failed to load\n"
     "  --json           machine-readable (docs/writing-a-plugin.md)\n"
     "  --describe NAME  one component's TOML parameters\n"
     "  --markdown       the TOML reference (docs/toml-reference.md)\n"
     "example: evoaug plugins --describe deletion\n"},
    {"plugin", "check",
     "usage: evoaug plugin check PATH.so... [--length L] [--seed S] [--device cpu|cuda|cuda:N]\n"
     "                          [--component NAME] [--in-process]\n"
     "  the conformance checks every built-in plugin passes (docs/writing-a-plugin.md); each\n"
     "  component is checked in a child process, so a crash is a failed row with its signal\n"
     "  --length L        sequence length of the test batches (default 200)\n"
     "  --seed S          seed of the checks\n"
     "  --device D        also run the checks on this device (repeatable)\n"
     "  --component NAME  check this component of the library only\n"
     "  --in-process      run the checks in this process (a debugger sees the crash)\n"
     "  --rows            print rows as tab-separated lines (what the child processes send)\n"
     "example: evoaug plugin check build/evoaug_aug_window_mask.so\n"},
    {"bench", "augment",
     "usage: evoaug bench augment [--threads N[,M...]] [--repeats R] [--device D] [--json]\n"
     "  each augmentation and the pipeline (DeepSTARR settings) against a copy of the batch\n"
     "example: evoaug bench augment --threads 1,2\n"},
    {"bench", "train",
     "usage: evoaug bench train --model basset|deepstarr|chip_cnn [--threads N] [--repeats R]\n"
     "                          [--precision fp32|bf16|fp16] [--device D] [--system-malloc] [--profile] [--json]\n"
     "  the trainer's step, with and without augmentation (docs/performance.md)\n"
     "example: evoaug bench train --model deepstarr --threads 1\n"},
    {"bench", "compare",
     "usage: evoaug bench compare [--models a,b] [--threads 1,2] [--repeats R] [--steps S] [--epoch]\n"
     "                            [--train N] [--valid N] [--python PATH] [--worker PATH]\n"
     "                            [--python-malloc tuned|default] [--json]\n"
     "  evoaug against Python PyTorch on the same LibTorch, step by step and (--epoch) a whole epoch\n"
     "example: evoaug bench compare --models chip_cnn --threads 1\n"},
    {"bench", "distributed",
     "usage: evoaug bench distributed [--nproc 1,2] [--model chip_cnn|deepstarr] [--sequences N] [--epochs E]\n"
     "                                [--repeats R] [--json]\n"
     "  data-parallel scaling: the same pretraining as `evoaug run --nproc N` for each N (Gloo, one thread\n"
     "  per rank), interleaved; throughput, speed-up, efficiency and all-reduce wait per step\n"
     "example: evoaug bench distributed --nproc 1,2 --model deepstarr\n"},
};

}  // namespace

const char* command_help(const std::string& command, const std::string& sub) {
  const Help* first = nullptr;
  for (const Help& h : kHelp) {
    if (command != h.command) continue;
    if (sub == h.sub) return h.text;
    if (!first) first = &h;
  }
  // `bench --help`: every page of the command.
  if (first && sub.empty() && std::strlen(first->sub) > 0) {
    static std::string pages;
    pages.clear();
    for (const Help& h : kHelp)
      if (command == h.command) pages += std::string(pages.empty() ? "" : "\n") + h.text;
    return pages.c_str();
  }
  return first ? first->text : nullptr;
}

}  // namespace evoaug::cli
