// Damage a checkpoint as a careless copy or a crafted file would, keeping the zip valid.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace evoaug::testing {

/// Rewrites `file` as a valid zip (fresh CRCs) with its largest tensor record passed
/// through `edit` (cut short, a byte flipped): damage that only the checkpoint's own
/// checks (tensor sizes, checksum) can see.
void rewrite_largest_record(const std::filesystem::path& file, const std::function<void(std::string&)>& edit);

}  // namespace evoaug::testing
