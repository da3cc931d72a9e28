#!/usr/bin/env python3
"""Every snippet of README.md and docs/*.md runs as written (issue 17).

    doc_snippets_test.py EVOAUG_BINARY SOURCE_DIR WORK_DIR [--only toml|sh|examples|numbers]

- Every fenced ```toml block is written to a file and passes `evoaug check`. A block whose
  first line is `# partial: WHY` is a fragment: it is merged into a minimal pipeline (the
  tables it lacks are added). A block whose first line is `# NAME.toml` is also saved under
  that name, for the commands after it.
- Every line of a fenced ```sh block whose command is `evoaug` or `build/bin/evoaug` is run
  (continuation lines joined) with its training shrunk through `--set`: one epoch per
  stage, a few hundred synthetic sequences. A line may be excused by a comment line
  `# docs-test: skip: WHY` just before it in the block, or a block by that comment as its
  first line.
- examples/*.toml run end to end on tiny stand-ins of their data.
- The parameter counts of docs/models.md are what `evoaug check` prints.

Everything runs in a sandbox under WORK_DIR that holds a copy of examples/ and
build/bin/evoaug (a link to the binary), so the snippets' relative paths mean what they
mean in a checkout, and nothing is written to the source tree. Files a snippet names that
a checkout does not have (the paper's data, a user's P.toml) get small stand-ins below.
"""
import gzip
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

EVOAUG = Path(sys.argv[1]).resolve()
SOURCE = Path(sys.argv[2]).resolve()
WORK = Path(sys.argv[3]).resolve()
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None

# The tables a partial block is completed with: tiny, fast, valid.
MINIMAL = {
    "runtime": 'output_dir = "out"\nthreads = 1\n',
    "data": 'format = "synthetic"\nnum_sequences = 300\nlength = 200\ntasks = 2\n',
    "model": 'type = "chip_cnn"\n',
}
SHRINK = ["--set", "pretrain.max_epochs=1", "--set", "finetune.max_epochs=1", "--set", "runtime.threads=1"]
SYNTHETIC_SHRINK = ["--set", "data.num_sequences=300"]

failures = []


def fail(where, message):
    failures.append(f"{where}: {message}")
    print(f"FAIL {where}: {message}", flush=True)


def run(args, cwd, where, expect_ok=True):
    env = dict(os.environ, EVOAUG_PLUGIN_PATH="")
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    output = proc.stdout + proc.stderr
    if expect_ok and proc.returncode != 0:
        fail(where, f"`{shlex.join(str(a) for a in args)}` exited {proc.returncode}:\n{output[-2000:]}")
    else:
        print(f"ok   {where}: {shlex.join(str(a) for a in args)}", flush=True)
    return proc.returncode, output


def fenced_blocks(path):
    """(language, first line number, text) of every fenced block."""
    text = path.read_text()
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M):
        yield m.group(1), text[: m.start()].count("\n") + 2, m.group(2)


def doc_files():
    return [SOURCE / "README.md"] + sorted((SOURCE / "docs").glob("*.md"))


# ---- stand-ins for what the snippets name -----------------------------------------

def write_fasta_standin(fasta, labels, count=300, length=200, tasks=("bound",)):
    rng = random.Random(7)
    opener = gzip.open if fasta.suffix == ".gz" else open
    with opener(fasta, "wt") as f:
        for i in range(count):
            f.write(f">seq{i}\n{''.join(rng.choice('ACGT') for _ in range(length))}\n")
    with open(labels, "w") as f:
        f.write("id\t" + "\t".join(tasks) + "\n")
        for i in range(count):
            f.write(f"seq{i}\t" + "\t".join(str(rng.randint(0, 1)) for _ in tasks) + "\n")


def synth(out, *extra):
    run([EVOAUG, "synth", "--out", out, "--num-sequences", "300", *extra], WORK, f"stand-in {out}")


def make_sandbox():
    sandbox = WORK / "sandbox"
    shutil.rmtree(sandbox, ignore_errors=True)
    (sandbox / "build" / "bin").mkdir(parents=True)
    (sandbox / "build" / "bin" / "evoaug").symlink_to(EVOAUG)
    shutil.copytree(SOURCE / "examples", sandbox / "examples")
    synth(sandbox / "DeepSTARR_data.h5", "--task", "regression", "--length", "249", "--tasks", "2")
    write_fasta_standin(sandbox / "peaks.fa.gz", sandbox / "peaks.tsv")
    write_fasta_standin(sandbox / "seqs.fa", sandbox / "seqs.tsv")
    # P.toml: "your pipeline" in the docs' command lines.
    (sandbox / "P.toml").write_text("".join(f"[{t}]\n{body}\n" for t, body in MINIMAL.items()))
    return sandbox


# ---- toml blocks --------------------------------------------------------------------

def table_headers(text):
    return {m.group(1).strip() for m in re.finditer(r"^\[\[?([^\[\]]+)\]\]?", text, re.M)}


def check_toml_blocks(sandbox):
    count = 0
    for doc in doc_files():
        for lang, line, body in fenced_blocks(doc):
            if lang != "toml":
                continue
            where = f"{doc.relative_to(SOURCE)}:{line}"
            first = body.splitlines()[0] if body.strip() else ""
            if first.startswith("# docs-test: skip:"):
                print(f"skip {where}: {first[len('# docs-test: skip:'):].strip()}")
                continue
            text = body
            if first.startswith("# partial:"):
                present = {h.split(".")[0] for h in table_headers(body)}
                text = "".join(f"[{t}]\n{b}\n" for t, b in MINIMAL.items() if t not in present) + body
            name = f"block-{doc.stem}-{line}.toml"
            saved = re.match(r"#\s*([\w.-]+\.toml)\s*$", first)
            if saved:
                (sandbox / saved.group(1)).write_text(text)
            (sandbox / name).write_text(text)
            try:
                tomllib.loads(text)
            except tomllib.TOMLDecodeError as e:
                fail(where, f"not valid TOML: {e}")
                continue
            run([EVOAUG, "check", name], sandbox, where)
            count += 1
    print(f"{count} toml blocks checked")


# ---- sh blocks ----------------------------------------------------------------------

def command_lines(body):
    """(line offset, words, skip reason) of each evoaug command of a block."""
    lines = body.splitlines()
    skip_block = lines and lines[0].startswith("# docs-test: skip:")
    pending_skip = None
    i = 0
    while i < len(lines):
        offset, line = i, lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        stripped = line.strip()
        if stripped.startswith("# docs-test: skip:"):
            pending_skip = stripped[len("# docs-test: skip:"):].strip()
            continue
        words = shlex.split(stripped, comments=True) if stripped else []
        if words and words[0] in ("evoaug", "build/bin/evoaug"):
            reason = lines[0][len("# docs-test: skip:"):].strip() if skip_block else pending_skip
            yield offset, words, reason
        pending_skip = None


def shrunk(words, sandbox):
    args = list(words[1:])
    if args and args[0] in ("run", "pretrain", "finetune"):
        args += SHRINK
        pipeline = next((a for a in args[1:] if a.endswith(".toml")), None)
        if pipeline and (sandbox / pipeline).is_file():
            data = tomllib.loads((sandbox / pipeline).read_text()).get("data", {})
            if data.get("format") == "synthetic":
                args += SYNTHETIC_SHRINK
    return args


def run_sh_blocks(sandbox):
    count = 0
    for doc in doc_files():
        for lang, line, body in fenced_blocks(doc):
            if lang not in ("sh", "bash"):
                continue
            for offset, words, skip in command_lines(body):
                where = f"{doc.relative_to(SOURCE)}:{line + offset}"
                if skip:
                    print(f"skip {where}: {skip}")
                    continue
                run([EVOAUG, *shrunk(words, sandbox)], sandbox, where)
                count += 1
    print(f"{count} commands run")


# ---- examples -----------------------------------------------------------------------

def run_examples(sandbox):
    """Each example on a stand-in of its data: a FASTA file and labels of the length and
    number of tasks the example declares (the paper's files are gigabytes)."""
    for example in sorted((sandbox / "examples").glob("*.toml")):
        where = f"examples/{example.name}"
        data = tomllib.loads(example.read_text()).get("data", {})
        if data.get("format") == "synthetic":
            extra = SYNTHETIC_SHRINK
        else:
            length, tasks = data.get("length", 0), data.get("tasks", 0)
            if not length or not tasks:
                fail(where, "declares no [data] length and tasks to make a stand-in of its data from")
                continue
            fasta, labels = sandbox / f"standin-{example.stem}.fa", sandbox / f"standin-{example.stem}.tsv"
            write_fasta_standin(fasta, labels, length=length, tasks=[f"task_{t}" for t in range(tasks)])
            extra = ["--set", f"data.path={fasta}", "--set", f"data.labels={labels}"]
        out = sandbox / "example-runs" / example.stem
        run([EVOAUG, "run", f"examples/{example.name}", *SHRINK, *extra, "--set", f"runtime.output_dir={out}"],
            sandbox, where)
        if not (out / "report.json").is_file():
            fail(where, f"no report.json in {out}")


# ---- numbers in prose -----------------------------------------------------------------

def check_parameter_counts(sandbox):
    """docs/models.md: `| name | ..., T = K | ... | N (L = X), M (L = Y) |`."""
    rows = 0
    for m in re.finditer(r"^\| `(\w+)` \|[^|]*T = (\d+)[^|]*\|[^|]*\|([^|]*)\|", (SOURCE / "docs/models.md").read_text(), re.M):
        model, tasks = m.group(1), m.group(2)
        for count, length in re.findall(r"([\d,]+) \(L = (\d+)\)", m.group(3)):
            where = f"docs/models.md: {model} at L = {length}"
            shape_only = sandbox / f"count-{model}-{length}.toml"
            shape_only.write_text(f"[data]\nlength = {length}\ntasks = {tasks}\n\n[model]\ntype = \"{model}\"\n")
            code, output = run([EVOAUG, "check", shape_only.name], sandbox, where)
            found = re.search(r"parameters: ([\d,]+)", output)
            if not found or found.group(1).replace(",", "") != count.replace(",", ""):
                fail(where, f"the page says {count} parameters; evoaug check says {found.group(1) if found else output}")
            rows += 1
    if rows < 5:
        fail("docs/models.md", f"found {rows} parameter counts in the models table; expected at least 5")


def check_synthetic_numbers(sandbox):
    """docs/data.md: the ChIP-seq CNN's size and the training split on the synthetic defaults."""
    text = (SOURCE / "docs/data.md").read_text().replace("\n", " ")
    claim = re.search(r"ChIP-seq CNN \(([\d,]+) parameters.*?on the defaults \(([\d,]+) training sequences\)", text)
    if not claim:
        fail("docs/data.md", "the sentence on the ChIP-seq CNN and the synthetic defaults is gone: update this test")
        return
    defaults = sandbox / "synthetic-defaults.toml"
    defaults.write_text('[data]\nformat = "synthetic"\n\n[model]\ntype = "chip_cnn"\n')
    _, output = run([EVOAUG, "check", defaults.name], sandbox, "docs/data.md: synthetic defaults")
    params = re.search(r"parameters: ([\d,]+)", output)
    train = re.search(r"data checked: (\d+) train", output)
    if not params or params.group(1).replace(",", "") != claim.group(1).replace(",", ""):
        fail("docs/data.md", f"says {claim.group(1)} parameters; evoaug check says {params.group(1) if params else output}")
    if not train or train.group(1) != claim.group(2).replace(",", ""):
        fail("docs/data.md", f"says {claim.group(2)} training sequences; evoaug check says {train.group(1) if train else output}")


def check_plugins_json(sandbox):
    """docs/writing-a-plugin.md's `plugins --json` example has the program's fields."""
    import json
    example = next(body for doc in [SOURCE / "docs/writing-a-plugin.md"]
                   for lang, _, body in fenced_blocks(doc) if lang == "json")
    documented = json.loads(re.sub(r'"\.\.\.[^"]*"', '""', example.replace("...", "x")))
    _, output = run([EVOAUG, "plugins", "--json"], sandbox, "docs/writing-a-plugin.md: plugins --json")
    actual = json.loads(output[output.index("{"):])
    shape = lambda d: sorted(d.keys())
    doc_component, real = documented["components"][0], next(c for c in actual["components"] if c["kind"] == "augmentation")
    for what, a, b in [("top level", documented, actual), ("a component", doc_component, real),
                       ("a parameter", doc_component["schema"]["parameters"][0], real["schema"]["parameters"][0])]:
        if shape(a) != shape(b):
            fail("docs/writing-a-plugin.md", f"plugins --json, {what}: the page shows {shape(a)}, the program writes {shape(b)}")


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    sandbox = make_sandbox()
    steps = {"toml": check_toml_blocks, "sh": run_sh_blocks, "examples": run_examples,
             "numbers": lambda sandbox: (check_parameter_counts(sandbox), check_synthetic_numbers(sandbox),
                                         check_plugins_json(sandbox))}
    for name, step in steps.items():
        if ONLY in (None, name):
            step(sandbox)
    if failures:
        print(f"\n{len(failures)} snippet(s) disagree with the program:")
        for f in failures:
            print("  " + f.splitlines()[0])
        sys.exit(1)
    print("every snippet agrees with the program")


if __name__ == "__main__":
    main()
