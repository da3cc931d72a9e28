#include "runtime/config_diff.h"

#include <algorithm>
#include <sstream>

namespace evoaug {

std::vector<std::string> qualified_lines(const std::string& toml_text) {
  std::vector<std::string> out;
  std::istringstream in(toml_text);
  std::string line, table;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.front() == '[') {
      table = line;
      continue;
    }
    out.push_back(table + " " + line);
  }
  return out;
}

std::vector<std::string> training_lines(const std::string& toml_text) {
  static const char* const execution_only[] = {"[runtime] threads = ", "[runtime] prefetch = ", "[runtime] backend = ",
                                               "[runtime] distributed_timeout_s = "};
  std::vector<std::string> out;
  for (auto& line : qualified_lines(toml_text)) {
    const bool skip = std::any_of(std::begin(execution_only), std::end(execution_only),
                                  [&](const char* prefix) { return line.rfind(prefix, 0) == 0; });
    if (!skip) out.push_back(std::move(line));
  }
  return out;
}

bool resumable_with(const std::string& saved, const std::string& now) { return training_lines(saved) == training_lines(now); }

std::string config_differences(const std::string& saved, const std::string& now) {
  const std::vector<std::string> before = training_lines(saved), after = training_lines(now);
  const auto missing_from = [](const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) == lines.end();
  };
  std::vector<std::string> changes;
  for (const auto& line : before)
    if (missing_from(after, line)) changes.push_back("was " + line);
  for (const auto& line : after)
    if (missing_from(before, line)) changes.push_back("now " + line);
  std::string out;
  for (std::size_t i = 0; i < changes.size() && i < 6; ++i) out += (i ? "; " : "") + changes[i];
  if (changes.size() > 6) out += "; ...";
  return out.empty() ? "the order of keys" : out;
}

}  // namespace evoaug
