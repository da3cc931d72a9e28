// The help page of a command (`evoaug run --help`) or subcommand (`evoaug bench train --help`).
#pragma once

#include <string>

namespace evoaug::cli {

/// The page for `command` (and `sub`, for commands with subcommands; "" gives all of the
/// command's pages); nullptr for an unknown command.
const char* command_help(const std::string& command, const std::string& sub);

}  // namespace evoaug::cli
