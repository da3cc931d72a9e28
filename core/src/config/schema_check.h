// Validating a TOML table against a parameter schema, with positioned errors.
#pragma once

#include <toml++/toml.h>

#include <set>
#include <string>

#include "evoaug/sdk/params.h"

namespace evoaug {

/// Checks every key of `table` against `schema` and returns the values with defaults
/// filled in. An unknown key (with a "did you mean"), a wrong type or an out-of-range
/// value throws Error "file:line:col: <context>: ..." naming the key and what was
/// expected. Keys in `reserved` (such as `type`) belong to the caller and are skipped.
sdk::Params params_from_table(const toml::table& table, const sdk::Schema& schema, const std::string& context,
                              const std::set<std::string>& reserved = {});

/// Re-throws a plugin factory's ParamError as Error positioned at its key in `table`
/// (or at the table when the key was left to its default).
[[noreturn]] void throw_positioned(const sdk::ParamError& error, const toml::table& table,
                                   const std::string& context);

/// Human-readable type and range of a parameter: "integer in [0, 100]".
std::string describe_expected(const sdk::ParamSpec& spec);
/// The value as it would be written in TOML.
std::string format_value(const sdk::ParamValue& value);

}  // namespace evoaug
