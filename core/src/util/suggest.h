// "Did you mean" for unknown names (public: evoaug/suggest.h), and joining names for the
// "known: a, b, c" lists.
#pragma once

#include <string>
#include <vector>

#include "evoaug/suggest.h"

namespace evoaug {

/// Joins with ", ".
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

}  // namespace evoaug
