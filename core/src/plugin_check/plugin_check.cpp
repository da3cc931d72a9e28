// The driver of `evoaug plugin check`: loads the library on its own, checks each
// component's schema, hands augmentations and models to their checks, and formats the
// report.
#include "evoaug/plugin_check.h"

#include <toml++/toml.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "config/schema_check.h"
#include "evoaug/error.h"
#include "plugin_check/component_checks.h"
#include "evoaug/error_text.h"
#include "util/names.h"

namespace evoaug {
namespace plugin_check {
namespace {

/// Whether `value` holds what a parameter of `type` holds (a real may be given as integer).
bool has_type(const sdk::ParamValue& value, sdk::ParamType type) {
  switch (type) {
    case sdk::ParamType::integer: return std::holds_alternative<std::int64_t>(value);
    case sdk::ParamType::real:
      return std::holds_alternative<double>(value) || std::holds_alternative<std::int64_t>(value);
    case sdk::ParamType::boolean: return std::holds_alternative<bool>(value);
    case sdk::ParamType::string: return std::holds_alternative<std::string>(value);
  }
  return false;
}

/// What is wrong with one declaration, or an empty string.
std::string spec_problem(const sdk::ParamSpec& spec, ComponentKind kind) {
  const std::string name = "parameter '" + spec.name + "'";
  if (!is_snake_case(spec.name)) return name + ": the name is not snake_case ([a-z][a-z0-9_]*)";
  // `type` chooses the component and `priority` orders an op: both belong to the core.
  if (spec.name == "type" || (kind == ComponentKind::augmentation && spec.name == "priority"))
    return name + ": the name is reserved by the core";
  if (spec.doc.empty()) return name + ": no doc string (it is the line `evoaug plugins --describe` shows)";
  if (!has_type(spec.default_value, spec.type))
    return name + ": the default " + format_value(spec.default_value) + " is not of the declared type";
  const bool numeric = spec.type == sdk::ParamType::integer || spec.type == sdk::ParamType::real;
  if (!numeric && (spec.min || spec.max)) return name + ": bounds on a parameter that is not a number";
  if (spec.min && spec.max && *spec.min > *spec.max)
    return name + ": min " + std::to_string(*spec.min) + " exceeds max " + std::to_string(*spec.max);
  if (numeric) {
    const double value = std::holds_alternative<double>(spec.default_value)
                             ? std::get<double>(spec.default_value)
                             : static_cast<double>(std::get<std::int64_t>(spec.default_value));
    if ((spec.min && value < *spec.min) || (spec.max && value > *spec.max))
      return name + ": the default " + format_value(spec.default_value) + " is outside its own range (" +
             describe_expected(spec) + ")";
  }
  if (!spec.choices.empty()) {
    if (spec.type != sdk::ParamType::string) return name + ": choices on a parameter that is not a string";
    const std::string& value = std::get<std::string>(spec.default_value);
    if (std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end())
      return name + ": the default \"" + value + "\" is not one of its choices";
  }
  return {};
}

}  // namespace

namespace {
// The hooks of the check_component() running on this thread, if any.
thread_local const PluginCheckOptions* active_hooks = nullptr;
}  // namespace

ActiveHooks::ActiveHooks(const PluginCheckOptions& options) : previous_(active_hooks) { active_hooks = &options; }
ActiveHooks::~ActiveHooks() { active_hooks = previous_; }

void run_check(std::vector<CheckOutcome>& outcomes, const std::string& component, const std::string& check,
               const std::function<std::string()>& body) {
  if (active_hooks && active_hooks->on_start) active_hooks->on_start(component, check);
  try {
    outcomes.push_back({component, check, true, body()});
  } catch (const CheckFailure& failure) {
    outcomes.push_back({component, check, false, failure.what()});
  } catch (const std::exception& e) {
    outcomes.push_back({component, check, false, "threw: " + first_line(e)});
  }
  if (active_hooks && active_hooks->on_outcome) active_hooks->on_outcome(outcomes.back());
}

void check_schema(std::vector<CheckOutcome>& outcomes, const ComponentListing& component) {
  run_check(outcomes, component.name, "schema is well-formed", [&] {
    if (!is_snake_case(component.name))
      throw CheckFailure("component name '" + component.name + "' is not snake_case ([a-z][a-z0-9_]*)");
    if (component.version.empty()) throw CheckFailure("no component version");
    if (component.summary.empty()) throw CheckFailure("no summary (the line `evoaug plugins` shows)");
    std::set<std::string> seen;
    for (const auto& spec : component.schema->specs()) {
      if (!seen.insert(spec.name).second) throw CheckFailure("parameter '" + spec.name + "' is declared twice");
      if (auto problem = spec_problem(spec, component.kind); !problem.empty()) throw CheckFailure(problem);
    }
    return std::to_string(seen.size()) + " parameter(s)";
  });
  run_check(outcomes, component.name, "defaults pass validation", [&] {
    // The core's own validation of a table that sets nothing but the type.
    try {
      params_from_table(toml::table{}, *component.schema, "[" + component.name + "] defaults");
    } catch (const Error& e) {
      throw CheckFailure(e.what());
    }
    return std::string("an empty table validates");
  });
}

}  // namespace plugin_check

std::size_t PluginCheckReport::failures() const {
  return static_cast<std::size_t>(
      std::count_if(outcomes.begin(), outcomes.end(), [](const CheckOutcome& o) { return !o.passed; }));
}

std::string PluginCheckReport::table() const {
  std::size_t component_width = 9, check_width = 5;
  for (const auto& o : outcomes) {
    component_width = std::max(component_width, o.component.size());
    check_width = std::max(check_width, o.check.size());
  }
  auto pad = [](const std::string& text, std::size_t width) { return text + std::string(width - text.size() + 2, ' '); };
  std::ostringstream out;
  out << "plugin check: " << file.string() << "\n\n"
      << pad("COMPONENT", component_width) << pad("CHECK", check_width) << "RESULT  DETAIL\n";
  for (const auto& o : outcomes)
    out << pad(o.component, component_width) << pad(o.check, check_width) << (o.passed ? "pass  " : "FAIL  ")
        << "  " << o.detail << "\n";
  out << "\n";
  if (passed())
    out << "PASS: all " << outcomes.size() << " checks passed\n";
  else
    out << "FAIL: " << failures() << " of " << outcomes.size() << " checks failed\n";
  return out.str();
}

namespace {

// Loads `file` into `registry` (a registry of its own: only this plugin, so its names
// cannot clash with others) and records the library's own rows.
bool load_library(const std::filesystem::path& file, PluginRegistry& registry, std::vector<CheckOutcome>& outcomes) {
  using namespace plugin_check;
  const std::string library = "(library)";
  bool loaded = false;
  run_check(outcomes, library, "loads", [&] {
    if (!std::filesystem::is_regular_file(file)) throw CheckFailure("no such file: " + file.string());
    try {
      registry.load(file);
    } catch (const Error& e) {
      throw CheckFailure(e.what());
    }
    loaded = true;
    const auto components = registry.components();
    if (components.empty()) return std::string("loaded");
    return "plugin '" + components.front().plugin + "'";
  });
  if (!loaded) return false;
  const auto components = registry.components();
  run_check(outcomes, library, "registers components", [&] {
    if (components.empty()) throw CheckFailure("the registration function added no augmentation and no model");
    std::string names;
    for (const auto& c : components) names += (names.empty() ? "" : ", ") + c.name + " (" + to_string(c.kind) + ")";
    return names;
  });
  return true;
}

void check_component(const PluginRegistry& registry, const ComponentListing& component,
                     const PluginCheckOptions& options, std::vector<CheckOutcome>& outcomes) {
  using namespace plugin_check;
  const ActiveHooks hooks(options);
  check_schema(outcomes, component);
  if (component.kind == ComponentKind::augmentation)
    check_augmentation(outcomes, registry, component, options);
  else
    check_model(outcomes, registry, component, options);
}

}  // namespace

PluginCheckReport check_plugin(const std::filesystem::path& file, const PluginCheckOptions& options) {
  PluginCheckReport report;
  report.file = file;
  PluginRegistry registry;
  if (!load_library(file, registry, report.outcomes)) return report;
  for (const auto& component : registry.components()) check_component(registry, component, options, report.outcomes);
  return report;
}

PluginCheckReport check_plugin_library(const std::filesystem::path& file, std::vector<std::string>& components) {
  PluginCheckReport report;
  report.file = file;
  PluginRegistry registry;
  components.clear();
  if (load_library(file, registry, report.outcomes))
    for (const auto& component : registry.components()) components.push_back(component.name);
  return report;
}

std::vector<CheckOutcome> check_plugin_component(const std::filesystem::path& file, const std::string& name,
                                                 const PluginCheckOptions& options) {
  PluginRegistry registry;
  try {
    registry.load(file);
  } catch (const Error& e) {
    return {{name, "loads", false, e.what()}};
  }
  for (const auto& component : registry.components())
    if (component.name == name) {
      std::vector<CheckOutcome> outcomes;
      check_component(registry, component, options, outcomes);
      return outcomes;
    }
  return {{name, "is registered", false, "the library registers no component named '" + name + "'"}};
}

}  // namespace evoaug
