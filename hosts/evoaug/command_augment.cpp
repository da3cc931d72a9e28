// evoaug augment --config P.toml --in seqs.fa --out aug.fa [--seed S] [--copies K]
//                [--set table.key=value]... [--force]
//
// Applies the training-time augmentation pipeline of P.toml (a file with only an
// [augment] table is enough) to the sequences of a FASTA file and writes the results as
// FASTA: a way to look at what the model is trained on (evoaug/augment_fasta.h). Gaussian
// noise cannot be written as letters, so ops that do not keep columns one-hot are
// skipped, with a warning.
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/augment_fasta.h"

namespace evoaug::cli {

int command_augment(const HostContext& host, const Argv& argv) {
  Args args("evoaug augment", argv, {"--config", "--in", "--out", "--seed", "--copies", "--set"}, {"--force"});
  args.expect_at_most(0);
  AugmentFastaRequest request;
  request.config = args.required("--config");
  request.input = args.required("--in");
  request.output = args.required("--out");
  request.replace_existing = args.flag("--force");
  request.seed = static_cast<std::uint64_t>(args.integer("--seed", 0));
  request.copies = args.integer("--copies", 1);
  request.overrides = args.values("--set");
  const auto registry = host.make_registry();
  std::cout << augment_fasta(*registry, request);
  return 0;
}

}  // namespace evoaug::cli
