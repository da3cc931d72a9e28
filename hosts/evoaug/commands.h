// The host's commands. Each lives in its own command_<name>.cpp, parses its own
// options with cli::Args, and reports failure by throwing evoaug::Error; main.cpp
// catches once and turns it into a message on stderr and a non-zero exit.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "evoaug/plugin_registry.h"

namespace evoaug::cli {

/// What every command gets from the host: global options and the plugin folders.
struct HostContext {
  std::vector<std::filesystem::path> extra_plugin_folders;  ///< from --plugin-path
  /// A registry with every plugin of the default folders and --plugin-path loaded.
  std::unique_ptr<PluginRegistry> make_registry() const;
};

using Argv = std::vector<std::string>;

int command_plugins(const HostContext& host, const Argv& argv);     // evoaug plugins
int command_plugin(const HostContext& host, const Argv& argv);      // evoaug plugin check
int command_check(const HostContext& host, const Argv& argv);       // evoaug check
int command_augment(const HostContext& host, const Argv& argv);     // evoaug augment
int command_bench(const HostContext& host, const Argv& argv);       // evoaug bench augment|train
int command_data(const HostContext& host, const Argv& argv);        // evoaug data inspect
int command_synth(const HostContext& host, const Argv& argv);       // evoaug synth
int command_run(const HostContext& host, const Argv& argv);         // evoaug run
int command_pretrain(const HostContext& host, const Argv& argv);    // evoaug pretrain
int command_finetune(const HostContext& host, const Argv& argv);    // evoaug finetune
int command_evaluate(const HostContext& host, const Argv& argv);    // evoaug evaluate
int command_predict(const HostContext& host, const Argv& argv);     // evoaug predict
int command_report(const HostContext& host, const Argv& argv);      // evoaug report
int command_sweep(const HostContext& host, const Argv& argv);       // evoaug sweep
int command_attribute(const HostContext& host, const Argv& argv);   // evoaug attribute
int command_score_variants(const HostContext& host, const Argv& argv);  // evoaug score-variants
int command_filters(const HostContext& host, const Argv& argv);     // evoaug filters

}  // namespace evoaug::cli
