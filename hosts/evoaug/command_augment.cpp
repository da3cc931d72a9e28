// evoaug augment — placeholder until issue 3 lands.
#include "commands.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int command_augment(const HostContext&, const Argv&) { throw Error("'evoaug augment' is not available in this build yet"); }

}  // namespace evoaug::cli
