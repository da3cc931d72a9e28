#include "config/problem_list.h"

#include <algorithm>
#include <regex>
#include <tuple>

namespace evoaug {
namespace {

std::string listing(const std::vector<std::string>& problems) {
  std::string text = std::to_string(problems.size()) + " problems:";
  for (const auto& problem : problems) {
    text += "\n  ";
    // A problem of several lines stays one indented item.
    for (char c : problem) text += c == '\n' ? std::string("\n    ") : std::string(1, c);
  }
  return text;
}

// "file:line:col: ..." -> (file, line, col); problems without a position sort last.
std::tuple<bool, std::string, long, long> position_key(const std::string& problem) {
  static const std::regex positioned(R"(^(.*?):(\d+):(\d+): )");
  std::smatch match;
  if (!std::regex_search(problem, match, positioned)) return {true, "", 0, 0};
  return {false, match[1].str(), std::stol(match[2].str()), std::stol(match[3].str())};
}

// In the order of the file, as a compiler reports them.
std::vector<std::string> in_file_order(std::vector<std::string> problems) {
  std::stable_sort(problems.begin(), problems.end(),
                   [](const std::string& a, const std::string& b) { return position_key(a) < position_key(b); });
  return problems;
}

}  // namespace

ProblemsError::ProblemsError(std::vector<std::string> problems)
    : Error(listing(in_file_order(problems))), problems_(in_file_order(std::move(problems))) {}

void ProblemList::throw_if_any() const {
  if (problems_.empty()) return;
  if (problems_.size() == 1) throw Error(problems_.front());
  throw ProblemsError(problems_);
}

}  // namespace evoaug
