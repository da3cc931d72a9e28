// The checks of one component, shared by plugin_check.cpp (which loads the library and
// writes the report) and component_checks.cpp (augmentations and models).
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "evoaug/plugin_check.h"
#include "evoaug/plugin_registry.h"

namespace evoaug::plugin_check {

/// Thrown by a check to fail with `message` as its reason.
class CheckFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Makes run_check() on this thread call the on_start/on_outcome hooks of `options`
/// while it lives.
class ActiveHooks {
 public:
  explicit ActiveHooks(const PluginCheckOptions& options);
  ~ActiveHooks();
  ActiveHooks(const ActiveHooks&) = delete;
  ActiveHooks& operator=(const ActiveHooks&) = delete;

 private:
  const PluginCheckOptions* previous_;
};

/// Runs `body` as the check `check` of `component` and records its outcome: what it
/// returns is the detail of a pass; a CheckFailure is a failure with its message; any
/// other exception is a failure that says the component threw.
void run_check(std::vector<CheckOutcome>& outcomes, const std::string& component, const std::string& check,
               const std::function<std::string()>& body);

/// The schema is well-formed (names, types, bounds, choices, docs) and its defaults pass
/// the core's own validation of an empty TOML table.
void check_schema(std::vector<CheckOutcome>& outcomes, const ComponentListing& component);

void check_augmentation(std::vector<CheckOutcome>& outcomes, const PluginRegistry& registry,
                        const ComponentListing& component, const PluginCheckOptions& options);
void check_model(std::vector<CheckOutcome>& outcomes, const PluginRegistry& registry,
                 const ComponentListing& component, const PluginCheckOptions& options);

}  // namespace evoaug::plugin_check
