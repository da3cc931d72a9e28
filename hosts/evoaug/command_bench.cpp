// evoaug bench — placeholder until issues 3 and 4 lands.
#include "commands.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int command_bench(const HostContext&, const Argv&) { throw Error("'evoaug bench' is not available in this build yet"); }

}  // namespace evoaug::cli
