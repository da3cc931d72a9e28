// evoaug data inspect FILE [--labels TSV] [--n-policy P] [--length-policy P] [--length L]
//                          [--axis-order A]
// Per split: number of sequences, length, N content, and per task the positive rate
// (0/1 labels) or mean and standard deviation (evoaug/data_inspect.h). FASTA is one set,
// read with the N policy.
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/data_inspect.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int command_data(const HostContext&, const Argv& argv) {
  Args args("evoaug data", argv, {"--labels", "--n-policy", "--length-policy", "--length", "--axis-order"}, {});
  const std::string sub = args.positional(0, "a subcommand (evoaug data inspect FILE)");
  if (sub != "inspect") throw Error("evoaug data: unknown subcommand '" + sub + "'; known: inspect");
  const std::string path = args.positional(1, "the file to inspect (evoaug data inspect FILE)");
  args.expect_at_most(2);
  DataInspectOptions options;
  options.labels = args.value("--labels").value_or("");
  options.n_policy = args.value("--n-policy").value_or("drop");
  options.length_policy = args.value("--length-policy").value_or("error");
  options.length = args.integer("--length", 0);
  options.axis_order = args.value("--axis-order").value_or("");
  std::cout << inspect_data_file(path, options);
  return 0;
}

}  // namespace evoaug::cli
