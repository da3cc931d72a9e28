// evoaug bench train — placeholder until its issue lands.
#include "bench.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int bench_train(const HostContext&, const Argv&) { throw Error("'evoaug bench train' is not available in this build yet"); }

}  // namespace evoaug::cli
