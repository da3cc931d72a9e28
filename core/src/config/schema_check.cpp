#include "config/schema_check.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "config/problem_list.h"
#include "config/toml_source.h"
#include "evoaug/error.h"
#include "util/suggest.h"

namespace evoaug {
namespace {

const char* type_name(sdk::ParamType type) {
  switch (type) {
    case sdk::ParamType::integer: return "integer";
    case sdk::ParamType::real: return "number";
    case sdk::ParamType::boolean: return "boolean (true or false)";
    case sdk::ParamType::string: return "string";
  }
  return "?";
}

std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

const char* toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date/time";
  }
}

[[noreturn]] void fail(const toml::node& node, const std::string& context, const std::string& message) {
  throw Error(position_of(node) + ": " + context + ": " + message);
}

sdk::ParamValue read_value(const toml::node& node, const sdk::ParamSpec& spec, const std::string& context) {
  const std::string wrong_type = "key '" + spec.name + "' must be " + describe_expected(spec) + ", not " +
                                 toml_type_name(node);
  switch (spec.type) {
    case sdk::ParamType::integer:
      if (auto v = node.value_exact<std::int64_t>()) return *v;
      if (auto f = node.value_exact<double>(); f && std::floor(*f) == *f)
        fail(node, context, wrong_type + " (write " + format_number(*f) + " without a decimal point)");
      fail(node, context, wrong_type);
    case sdk::ParamType::real:
      if (auto v = node.value_exact<double>()) return *v;
      if (auto i = node.value_exact<std::int64_t>()) return static_cast<double>(*i);
      fail(node, context, wrong_type);
    case sdk::ParamType::boolean:
      if (auto v = node.value_exact<bool>()) return *v;
      fail(node, context, wrong_type);
    case sdk::ParamType::string:
      if (auto v = node.value_exact<std::string>()) return *v;
      // `--set runtime.output_dir=nan` or `=2024`: TOML reads a number, the key wants text.
      if (auto typed = override_text(node); typed && !node.is_table() && !node.is_array()) return *typed;
      fail(node, context, wrong_type);
  }
  fail(node, context, wrong_type);
}

void check_range(const toml::node& node, const sdk::ParamSpec& spec, const sdk::ParamValue& value,
                 const std::string& context) {
  if (spec.type == sdk::ParamType::integer || spec.type == sdk::ParamType::real) {
    const double v = spec.type == sdk::ParamType::integer ? static_cast<double>(std::get<std::int64_t>(value))
                                                          : std::get<double>(value);
    if (!std::isfinite(v) || (spec.min && v < *spec.min) || (spec.max && v > *spec.max))
      fail(node, context, "key '" + spec.name + "' = " + format_value(value) + " is out of range; expected " +
                              describe_expected(spec));
    // Reals become float32 in tensors and optimizers: a value beyond float's range would
    // pass here and fail later inside LibTorch ("cannot be converted to type float").
    if (spec.type == sdk::ParamType::real && std::fabs(v) > std::numeric_limits<float>::max())
      fail(node, context, "key '" + spec.name + "' = " + format_value(value) +
                              " does not fit in a 32-bit float (largest " +
                              format_number(std::numeric_limits<float>::max()) + ")");
  }
  if (spec.type == sdk::ParamType::string && !spec.choices.empty()) {
    const auto& s = std::get<std::string>(value);
    if (std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end()) {
      std::string message = "key '" + spec.name + "' = \"" + s + "\" is not allowed; expected one of: " +
                            join(spec.choices);
      const std::string close = closest_match(s, spec.choices);
      if (!close.empty()) message += " (did you mean \"" + close + "\"?)";
      fail(node, context, message);
    }
  }
}

}  // namespace

std::string describe_expected(const sdk::ParamSpec& spec) {
  std::string out = type_name(spec.type);
  if (spec.min && spec.max)
    out += " in [" + format_number(*spec.min) + ", " + format_number(*spec.max) + "]";
  else if (spec.min)
    out += " >= " + format_number(*spec.min);
  else if (spec.max)
    out += " <= " + format_number(*spec.max);
  if (!spec.choices.empty()) out += ", one of: " + join(spec.choices);
  return out;
}

std::string format_value(const sdk::ParamValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return "\"" + v + "\"";
        else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>) return format_number(v);
        else return std::to_string(v);
      },
      value);
}

sdk::Params params_from_table(const toml::table& table, const sdk::Schema& schema, const std::string& context,
                              const std::set<std::string>& reserved) {
  sdk::Params params = sdk::Params::defaults(schema);
  std::vector<std::string> known;
  for (const auto& spec : schema.specs()) known.push_back(spec.name);
  for (const auto& key : reserved) known.push_back(key);

  // Each key is checked on its own, so every bad key of the table is reported at once.
  ProblemList problems;
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (reserved.count(name)) continue;
    problems.attempt([&, &node = node, &key = key] {
      const sdk::ParamSpec* spec = schema.find(name);
      if (!spec) {
        const auto& where = key.source().begin ? key.source() : node.source();
        throw Error(position_of(where) + ": " + context + ": " + unknown_name_message("key", name, known));
      }
      sdk::ParamValue value = read_value(node, *spec, context);
      check_range(node, *spec, value, context);
      params.set(name, std::move(value));
    });
  }
  problems.throw_if_any();
  return params;
}

void throw_positioned(const sdk::ParamError& error, const toml::table& table, const std::string& context) {
  if (const toml::node* node = table.get(error.key()))
    throw Error(position_of(*node) + ": " + context + ": key '" + error.key() + "': " + error.what());
  throw Error(position_of(table) + ": " + context + ": key '" + error.key() + "' (default value): " +
              error.what());
}

}  // namespace evoaug
