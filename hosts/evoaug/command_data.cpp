// evoaug data inspect — placeholder until issue 5 lands.
#include "commands.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int command_data(const HostContext&, const Argv&) { throw Error("'evoaug data inspect' is not available in this build yet"); }

}  // namespace evoaug::cli
