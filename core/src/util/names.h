// The one rule for the names a plugin gives its components and parameters.
#pragma once

#include <string>

namespace evoaug {

/// [a-z][a-z0-9_]*: what a TOML key and `type = "..."` can hold without quoting games,
/// and what every built-in component is called.
inline bool is_snake_case(const std::string& name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace evoaug
