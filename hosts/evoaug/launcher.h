// `evoaug run P.toml --nproc N`: the command run again as N local processes, ranks 0 to
// N - 1 of one data-parallel job (docs/distributed.md). The launcher owns them: it hands
// each its RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT,
// forwards SIGINT and SIGTERM to all of them, stops the others when one fails, and exits
// with the failing rank's status after naming it.
#pragma once

#include <string>
#include <vector>

namespace evoaug::cli {

/// Runs this executable with `arguments` as `processes` ranks and waits for all of them.
/// Returns the exit status for the command: 0 when every rank succeeded, else the first
/// failing rank's (128 + the signal for a rank killed by one).
int launch_local_ranks(int processes, const std::vector<std::string>& arguments);

}  // namespace evoaug::cli
