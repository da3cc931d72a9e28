// evoaug synth — placeholder until issue 5 lands.
#include "commands.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int command_synth(const HostContext&, const Argv&) { throw Error("'evoaug synth' is not available in this build yet"); }

}  // namespace evoaug::cli
