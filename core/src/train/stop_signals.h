// SIGINT and SIGTERM during training: the handler only sets a flag, which the trainer
// checks after each batch (it then writes a checkpoint and stops). Signal dispositions
// are process-wide by nature, so this is opt-in (RunOptions::handle_signals).
#pragma once

namespace evoaug {

/// Installs the handlers for its lifetime and restores the previous ones after. Nested
/// guards share one installation.
class StopSignalGuard {
 public:
  StopSignalGuard();
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;
};

/// The signal received since the outermost guard was installed, or 0.
int received_stop_signal();
/// "SIGINT", "SIGTERM" or "signal N".
const char* signal_name(int signal);

}  // namespace evoaug
