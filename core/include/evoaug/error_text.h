// The text of an exception as a user should read it: LibTorch's c10::Error carries a
// C++ backtrace in what(); users get its message only, on one line.
#pragma once

#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace evoaug {

/// what() without LibTorch's backtrace.
inline std::string without_backtrace(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

/// The first line of without_backtrace(e): what a one-line message can quote.
inline std::string first_line(const std::exception& e) {
  std::string text = without_backtrace(e);
  const auto end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace evoaug
