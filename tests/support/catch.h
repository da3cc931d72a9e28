// Catch2 for every test: version 2 (<catch2/catch.hpp>) or 3 (<catch2/catch_all.hpp>),
// whichever is installed. Tests include this header, never Catch2's own, and spell the
// few names that differ between the two as below.
#pragma once

#include <string>

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#define EVOAUG_CATCH2_MAJOR 3
#else
#include <catch2/catch.hpp>
#define EVOAUG_CATCH2_MAJOR 2
#endif

#if EVOAUG_CATCH2_MAJOR >= 3
// Catch2 2 declares Approx at global scope; Catch2 3 only as Catch::Approx.
using Catch::Approx;
#endif

namespace evoaug::testing {

/// Matches a string that contains `text`. Catch2 2 calls this matcher Contains;
/// Catch2 3 calls it ContainsSubstring, and its Contains is a range matcher.
inline auto Contains(const std::string& text) {
#if EVOAUG_CATCH2_MAJOR >= 3
  return Catch::Matchers::ContainsSubstring(text);
#else
  return Catch::Contains(text);
#endif
}

/// Matches a string that ends with `text` (Catch2 3 has it only in Catch::Matchers).
inline auto EndsWith(const std::string& text) { return Catch::Matchers::EndsWith(text); }

}  // namespace evoaug::testing
