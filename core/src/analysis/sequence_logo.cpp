#include "analysis/sequence_logo.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "evoaug/error.h"

namespace evoaug::analysis {
namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

}  // namespace

std::string sequence_logo_svg(const std::vector<std::vector<float>>& values, const std::string& title, double height,
                              double column_width) {
  static const char kLetters[] = "ACGT";
  static const char* kColours[] = {"#109648", "#255C99", "#F7B32B", "#D62839"};
  if (values.size() != 4) throw Error("sequence logo: 4 rows (A, C, G, T) needed, not " + std::to_string(values.size()));
  const std::size_t length = values[0].size();
  double top = 0.0, bottom = 0.0;  // the largest stack above and below the axis
  for (std::size_t l = 0; l < length; ++l) {
    double up = 0.0, down = 0.0;
    for (const auto& row : values) {
      if (row.size() != length) throw Error("sequence logo: rows of unequal length");
      (row[l] > 0 ? up : down) += std::fabs(row[l]);
    }
    top = std::max(top, up);
    bottom = std::max(bottom, down);
  }
  const double scale = top + bottom > 0 ? height / (top + bottom) : 0.0;
  const double axis = 20.0 + top * scale;
  char buffer[512];
  std::string svg;
  std::snprintf(buffer, sizeof buffer,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"monospace\">\n",
                column_width * static_cast<double>(length) + 20.0, height + 40.0);
  svg += buffer;
  svg += "<text x=\"10\" y=\"14\" font-size=\"12\">" + escape(title) + "</text>\n";
  for (std::size_t l = 0; l < length; ++l) {
    std::vector<int> order(4);
    std::iota(order.begin(), order.end(), 0);
    // The largest letter farthest from the axis, as logos are drawn.
    std::sort(order.begin(), order.end(), [&](int a, int b) { return std::fabs(values[a][l]) < std::fabs(values[b][l]); });
    double up = axis, down = axis;
    const double x = 10.0 + column_width * static_cast<double>(l);
    for (int a : order) {
      const double h = std::fabs(values[a][l]) * scale;
      if (h < 0.05) continue;
      double y_base;
      if (values[a][l] > 0) {
        y_base = up;
        up -= h;
      } else {
        down += h;
        y_base = down;
      }
      // A glyph of font-size 1 has a cap height of about 0.72: scale it to the stack height.
      std::snprintf(buffer, sizeof buffer,
                    "<text transform=\"translate(%.2f,%.2f) scale(%.3f,%.3f)\" font-size=\"1\" fill=\"%s\">%c</text>\n",
                    x, y_base, column_width / 0.6, h / 0.72, kColours[a], kLetters[a]);
      svg += buffer;
    }
  }
  std::snprintf(buffer, sizeof buffer, "<line x1=\"10\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#888\"/>\n", axis,
                10.0 + column_width * static_cast<double>(length), axis);
  svg += buffer;
  svg += "</svg>\n";
  return svg;
}

}  // namespace evoaug::analysis
