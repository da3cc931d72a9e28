// Sequence logos as SVG, written by hand (no plotting library): one letter stack per
// position, positive values above the axis and negative ones below.
#pragma once

#include <string>
#include <vector>

namespace evoaug::analysis {

/// `values[a][l]` for a = A, C, G, T; heights are scaled so that the tallest stack is
/// `height` pixels. `title` is written above the logo (XML-escaped).
std::string sequence_logo_svg(const std::vector<std::vector<float>>& values, const std::string& title,
                              double height = 120.0, double column_width = 12.0);

}  // namespace evoaug::analysis
