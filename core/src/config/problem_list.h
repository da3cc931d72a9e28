// Independent problems of one input, reported together as a compiler does: a pipeline
// file with an unknown key in [runtime], a value out of range in [pretrain] and a
// misspelt augmentation gets all three in one run of `evoaug check`, not one per run.
#pragma once

#include <string>
#include <vector>

#include "evoaug/error.h"

namespace evoaug {

/// An Error that holds several problems, each a complete one-line (or multi-line)
/// message of its own. what() lists them: "3 problems:\n  <first>\n  <second>\n ...".
class ProblemsError final : public Error {
 public:
  explicit ProblemsError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

class ProblemList {
 public:
  /// Runs `step`; the Error it throws (each of the problems of a ProblemsError) is
  /// recorded instead of propagating. Returns whether `step` succeeded: a later step that
  /// needs its result should not run (its errors would only repeat this one).
  template <class Step>
  bool attempt(Step&& step) {
    try {
      step();
      return true;
    } catch (const ProblemsError& e) {
      problems_.insert(problems_.end(), e.problems().begin(), e.problems().end());
    } catch (const Error& e) {
      problems_.emplace_back(e.what());
    }
    return false;
  }

  void add(std::string problem) { problems_.push_back(std::move(problem)); }
  bool empty() const { return problems_.empty(); }

  /// Nothing when empty; the problem itself (as an Error) when there is one, so a single
  /// mistake reads as it always did; otherwise a ProblemsError with all of them.
  void throw_if_any() const;

 private:
  std::vector<std::string> problems_;
};

}  // namespace evoaug
