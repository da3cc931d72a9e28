// evoaug bench augment | train | compare | distributed
#include "bench.h"
#include "evoaug/error.h"
#include "evoaug/suggest.h"

namespace evoaug::cli {

int command_bench(const HostContext& host, const Argv& argv) {
  if (argv.empty()) throw Error("evoaug bench: which benchmark? augment, train, compare or distributed (e.g. evoaug bench augment --json)");
  const Argv rest(argv.begin() + 1, argv.end());
  if (argv[0] == "augment") return bench_augment(host, rest);
  if (argv[0] == "train") return bench_train(host, rest);
  if (argv[0] == "compare") return bench_compare(host, rest);
  if (argv[0] == "distributed") return bench_distributed(host, rest);
  throw Error("evoaug bench: " +
              unknown_name_message("benchmark", argv[0], {"augment", "train", "compare", "distributed"}));
}

}  // namespace evoaug::cli
