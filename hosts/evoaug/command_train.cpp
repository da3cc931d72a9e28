// evoaug run | pretrain | finetune | evaluate | predict — placeholder until issue 6 lands.
#include "commands.h"
#include "evoaug/error.h"

namespace evoaug::cli {

int command_run(const HostContext&, const Argv&) { throw Error("'evoaug run' is not available in this build yet"); }
int command_pretrain(const HostContext&, const Argv&) { throw Error("'evoaug pretrain' is not available yet"); }
int command_finetune(const HostContext&, const Argv&) { throw Error("'evoaug finetune' is not available yet"); }
int command_evaluate(const HostContext&, const Argv&) { throw Error("'evoaug evaluate' is not available yet"); }
int command_predict(const HostContext&, const Argv&) { throw Error("'evoaug predict' is not available yet"); }

}  // namespace evoaug::cli
