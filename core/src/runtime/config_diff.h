// What changed between two resolved configurations, key by key: the message that tells a
// user why a checkpoint cannot be resumed with the pipeline as it is now.
#pragma once

#include <string>
#include <vector>

namespace evoaug {

/// A resolved TOML text as "[table] key = value" lines (a resolved file has one key per
/// line and tables as [headers]), so that two configurations compare line by line.
std::vector<std::string> qualified_lines(const std::string& toml_text);

/// The lines that decide what a run computes: qualified_lines() without the [runtime] keys
/// that only say how it executes (threads, prefetch, backend, distributed_timeout_s). A
/// run may resume when these are equal: on more threads, or with another prefetch depth.
std::vector<std::string> training_lines(const std::string& toml_text);

/// Whether a checkpoint written under `saved` may be resumed under `now`.
bool resumable_with(const std::string& saved, const std::string& now);

/// "was [t] k = 1; now [t] k = 2", six changes at most (then "; ..."); "the order of
/// keys" when the two hold the same lines.
/// Compares training_lines().
std::string config_differences(const std::string& saved, const std::string& now);

}  // namespace evoaug
