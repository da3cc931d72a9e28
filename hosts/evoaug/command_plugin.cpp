// evoaug plugin check — placeholder until issue 7 lands.
#include "commands.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int command_plugin(const HostContext&, const Argv&) { throw Error("'evoaug plugin check' is not available in this build yet"); }

}  // namespace evoaug::cli
