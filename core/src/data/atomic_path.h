// Writing files atomically: write to a temporary sibling, then rename it over the target,
// so that a reader never sees a half-written file and a failed write leaves the old one.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

#include "evoaug/error.h"

namespace evoaug {

/// A temporary path next to `target` (same folder, so the final rename is atomic).
inline std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  std::random_device device;
  const auto tag = std::to_string(device()) + std::to_string(device() % 10000);
  std::filesystem::path temp = target;
  temp += ".tmp-" + tag;
  return temp;
}

/// Renames `temp` over `target`; on failure removes `temp` and throws Error naming both.
inline void commit_temporary(const std::filesystem::path& temp, const std::filesystem::path& target) {
  std::error_code error;
  std::filesystem::rename(temp, target, error);
  if (error) {
    std::filesystem::remove(temp, error);
    throw Error("cannot write '" + target.string() + "': renaming the temporary file failed");
  }
}

}  // namespace evoaug
