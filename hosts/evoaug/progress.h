// Progress display for the command line, as Callbacks: on a terminal, a live line per
// stage (epoch, batch/total, loss, sequences/s, ETA) redrawn in place; otherwise one log
// line per epoch, which suits log files and CI.
#pragma once

#include "evoaug/runtime.h"

namespace evoaug {

/// `terminal`: whether stderr is a terminal (isatty(2)).
Callbacks progress_callbacks(bool terminal);

/// "1:05" / "1:02:03".
std::string format_duration(double seconds);

}  // namespace evoaug
