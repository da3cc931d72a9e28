// evoaug bench augment — placeholder until its issue lands.
#include "bench.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int bench_augment(const HostContext&, const Argv&) { throw Error("'evoaug bench augment' is not available in this build yet"); }

}  // namespace evoaug::cli
