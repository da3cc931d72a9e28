// LibTorch's errors reach users as their message's first line, never a C++ backtrace.
#include "evoaug/error_text.h"

#include "catch.h"
#include <c10/util/Exception.h>

#include <stdexcept>

using evoaug::testing::Contains;

TEST_CASE("A LibTorch error is quoted without its backtrace, on one line", "[error]") {
  try {
    TORCH_CHECK(false, "Expected more than 1 value per channel when training");
  } catch (const std::exception& e) {
    // what() carries the backtrace ("Exception raised from ..."); the quote does not.
    CHECK_THAT(std::string(e.what()), Contains("Exception raised from"));
    const std::string quoted = evoaug::first_line(e);
    CHECK(quoted == "Expected more than 1 value per channel when training");
    CHECK_THAT(evoaug::without_backtrace(e), !Contains("Exception raised from"));
  }
  const std::runtime_error plain("first\nsecond");
  CHECK(evoaug::first_line(plain) == "first");
  CHECK(evoaug::without_backtrace(plain) == "first\nsecond");
}
