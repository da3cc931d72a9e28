// A small command-line parser: the host's commands declare their options, anything
// else is an error that names the argument (with a "did you mean").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evoaug::cli {

class Args {
 public:
  /// `command` names the command in messages ("evoaug check"). `value_options` take a
  /// value (`--seed 3` or `--seed=3`, repeatable); `flags` take none.
  Args(std::string command, const std::vector<std::string>& argv, std::vector<std::string> value_options,
       std::vector<std::string> flags);

  const std::string& command() const { return command_; }
  bool flag(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;
  std::string required(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;  ///< every occurrence
  std::int64_t integer(const std::string& name, std::int64_t fallback) const;

  const std::vector<std::string>& positional() const { return positional_; }
  /// The positional argument at `index`; throws naming `what` when absent.
  const std::string& positional(std::size_t index, const std::string& what) const;
  /// Throws when there are more positional arguments than `count`.
  void expect_at_most(std::size_t count) const;

 private:
  std::string command_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> flags_set_;
  std::vector<std::string> positional_;
};

}  // namespace evoaug::cli
