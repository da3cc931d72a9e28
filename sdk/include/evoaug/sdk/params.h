// Parameters: a plugin declares them once, as a Schema; the core validates a TOML
// table against it and hands the plugin's factory a Params holding every declared
// value (defaults filled in). The same schema feeds `evoaug plugins --describe` and
// the generated TOML reference, so docs cannot drift from code.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "evoaug/sdk/error.h"

namespace evoaug::sdk {

/// The value types a parameter can have, as written in TOML.
enum class ParamType { integer, real, boolean, string };

/// One parameter value. A `real` parameter also accepts a TOML integer.
using ParamValue = std::variant<std::int64_t, double, bool, std::string>;

/// Declaration of one parameter: name, type, default, allowed range, one-line doc.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::integer;
  ParamValue default_value;
  std::optional<double> min;          ///< inclusive lower bound (integer and real)
  std::optional<double> max;          ///< inclusive upper bound (integer and real)
  std::vector<std::string> choices;   ///< allowed strings; empty means any
  std::string doc;
};

/// An ordered list of parameter declarations, written with chainable adders:
/// @code
///   Schema().integer("delete_min", 0, "shortest deletion (nt)", 0)
///           .integer("delete_max", 30, "longest deletion (nt)", 0);
/// @endcode
class Schema {
 public:
  Schema& integer(std::string name, std::int64_t default_value, std::string doc,
                  std::optional<std::int64_t> min = {}, std::optional<std::int64_t> max = {}) {
    return add({std::move(name), ParamType::integer, default_value, to_bound(min),
                to_bound(max), {}, std::move(doc)});
  }
  Schema& real(std::string name, double default_value, std::string doc,
               std::optional<double> min = {}, std::optional<double> max = {}) {
    return add({std::move(name), ParamType::real, default_value, min, max, {}, std::move(doc)});
  }
  Schema& boolean(std::string name, bool default_value, std::string doc) {
    return add({std::move(name), ParamType::boolean, default_value, {}, {}, {}, std::move(doc)});
  }
  /// A free-form string (a path, say).
  Schema& string(std::string name, std::string default_value, std::string doc) {
    return add({std::move(name), ParamType::string, std::move(default_value), {}, {}, {},
                std::move(doc)});
  }
  /// A string restricted to `choices`.
  Schema& choice(std::string name, std::string default_value, std::vector<std::string> choices,
                 std::string doc) {
    return add({std::move(name), ParamType::string, std::move(default_value), {}, {},
                std::move(choices), std::move(doc)});
  }

  Schema& add(ParamSpec spec) {
    specs_.push_back(std::move(spec));
    return *this;
  }
  const std::vector<ParamSpec>& specs() const { return specs_; }
  const ParamSpec* find(const std::string& name) const {
    for (const auto& spec : specs_)
      if (spec.name == name) return &spec;
    return nullptr;
  }

 private:
  static std::optional<double> to_bound(std::optional<std::int64_t> v) {
    return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
  }
  std::vector<ParamSpec> specs_;
};

/// Validated parameter values, one per schema entry. Getters throw ParamError for a
/// name that is not there or has another type (a bug in the plugin, named clearly).
class Params {
 public:
  std::int64_t integer(const std::string& name) const { return get<std::int64_t>(name, "integer"); }
  double real(const std::string& name) const {
    const ParamValue& v = at(name);
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    return get<double>(name, "real");
  }
  bool boolean(const std::string& name) const { return get<bool>(name, "boolean"); }
  const std::string& string(const std::string& name) const { return get<std::string>(name, "string"); }

  bool contains(const std::string& name) const { return values_.count(name) != 0; }
  void set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }
  const std::map<std::string, ParamValue>& values() const { return values_; }

  /// Every default of `schema`: what a component gets from an empty table.
  static Params defaults(const Schema& schema) {
    Params p;
    for (const auto& spec : schema.specs()) p.set(spec.name, spec.default_value);
    return p;
  }

 private:
  const ParamValue& at(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw ParamError(name, "parameter '" + name + "' is not declared");
    return it->second;
  }
  template <typename T>
  const T& get(const std::string& name, const char* type) const {
    const T* v = std::get_if<T>(&at(name));
    if (!v) throw ParamError(name, "parameter '" + name + "' is not of type " + type);
    return *v;
  }
  std::map<std::string, ParamValue> values_;
};

}  // namespace evoaug::sdk
