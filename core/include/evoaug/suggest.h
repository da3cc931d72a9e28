// "Did you mean" for names a user typed: options, commands, keys, component types. What
// the core's own messages use, for an application's messages to read the same.
#pragma once

#include <string>
#include <vector>

namespace evoaug {

/// The closest candidate to `wrong` when it is close enough to be a typo, else "".
std::string closest_match(const std::string& wrong, const std::vector<std::string>& candidates);

/// "unknown X 'wrong' (did you mean 'y'?); known: a, b, c" as a sentence fragment.
std::string unknown_name_message(const std::string& what, const std::string& wrong,
                                 const std::vector<std::string>& known);

}  // namespace evoaug
