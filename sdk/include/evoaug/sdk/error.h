// The one exception type of evoaug, shared by the core and every plugin.
#pragma once

#include <stdexcept>
#include <string>

// Types that cross the plugin boundary keep default visibility even though every
// evoaug target is built with -fvisibility=hidden: otherwise an exception thrown in a
// plugin could not be caught by type in the host (their typeinfo would differ).
#define EVOAUG_SDK_VISIBLE __attribute__((visibility("default")))

namespace evoaug::sdk {

/// Every failure evoaug reports to a user. The message says what is wrong and, where
/// there is one, which file, key or value is at fault.
class EVOAUG_SDK_VISIBLE Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A parameter value a plugin refuses. Thrown by plugin factories (for checks that
/// involve several parameters or the sequence shape, such as `delete_max < L`); the
/// core adds the file, line and column of `key` before the user sees it.
class EVOAUG_SDK_VISIBLE ParamError : public Error {
 public:
  ParamError(std::string key, const std::string& message)
      : Error(message), key_(std::move(key)) {}
  /// The parameter at fault, as spelled in the TOML table.
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

}  // namespace evoaug::sdk
