#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/html_page.h"

namespace evoaug {
namespace {

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string tick_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
  void pad() {  // a flat range gets some height; every range a margin
    if (hi - lo < 1e-12) {
      const double d = std::abs(lo) > 0 ? std::abs(lo) * 0.05 : 0.5;
      lo -= d;
      hi += d;
    } else {
      const double d = (hi - lo) * 0.05;
      lo -= d;
      hi += d;
    }
  }
};

}  // namespace

std::string svg_plot(const PlotSpec& spec) {
  const double left = 64, right = 16, top = 28;
  // Category names that would overlap side by side are drawn slanted, with the room
  // below the axis they need (about 6.2 px per character at font size 11).
  std::size_t longest = 0;
  for (const auto& name : spec.x_categories) longest = std::max(longest, name.size());
  const double spacing = (spec.width - left - right) / std::max<double>(1.0, static_cast<double>(spec.x_categories.size()));
  const bool slanted = !spec.x_categories.empty() && static_cast<double>(longest) * 6.2 + 6 > spacing;
  const double slanted_room = slanted ? static_cast<double>(longest) * 6.2 * 0.574 : 0.0;  // sin 35°
  const double bottom = 44 + slanted_room;
  const double w = spec.width, h = spec.height + slanted_room;
  const double pw = w - left - right, ph = h - top - bottom;
  Range xr, yr;
  for (const auto& s : spec.series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xr.add(s.x[i]);
      const double e = i < s.error.size() && std::isfinite(s.error[i]) ? s.error[i] : 0.0;
      yr.add(s.y[i] - e);
      yr.add(s.y[i] + e);
    }
  std::string out = "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w) + "\" height=\"" +
                    num(h) + "\" viewBox=\"0 0 " + num(w) + " " + num(h) + "\" role=\"img\" aria-label=\"" +
                    html_escape(spec.title) + "\">\n";
  out += "<text x=\"" + num(w / 2) + "\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">" +
         html_escape(spec.title) + "</text>\n";
  if (yr.empty()) {
    out += "<text x=\"" + num(w / 2) + "\" y=\"" + num(h / 2) + "\" text-anchor=\"middle\">no data</text>\n</svg>";
    return out;
  }
  for (const auto& r : spec.horizontal) yr.add(r.at);
  if (!spec.x_categories.empty()) {
    xr.add(-0.5);
    xr.add(static_cast<double>(spec.x_categories.size()) - 0.5);
  }
  for (const auto& r : spec.vertical) xr.add(r.at);
  yr.pad();
  if (spec.x_categories.empty()) xr.pad();
  auto px = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto py = [&](double y) { return top + (yr.hi - y) / (yr.hi - yr.lo) * ph; };

  out += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) +
         "\" fill=\"none\" stroke=\"#333\"/>\n";
  // Axes' ticks: five on y; on x five, or one per category.
  for (int k = 0; k <= 4; ++k) {
    const double y = yr.lo + (yr.hi - yr.lo) * k / 4.0;
    out += "<line x1=\"" + num(left - 4) + "\" x2=\"" + num(left) + "\" y1=\"" + num(py(y)) + "\" y2=\"" +
           num(py(y)) + "\" stroke=\"#333\"/><text x=\"" + num(left - 6) + "\" y=\"" + num(py(y) + 4) +
           "\" text-anchor=\"end\" font-size=\"11\">" + tick_text(y) + "</text>\n";
  }
  if (spec.x_categories.empty()) {
    for (int k = 0; k <= 4; ++k) {
      const double x = xr.lo + (xr.hi - xr.lo) * k / 4.0;
      out += "<text x=\"" + num(px(x)) + "\" y=\"" + num(top + ph + 16) + "\" text-anchor=\"middle\" font-size=\"11\">" +
             tick_text(x) + "</text>\n";
    }
  } else {
    for (std::size_t k = 0; k < spec.x_categories.size(); ++k) {
      const std::string x = num(px(static_cast<double>(k))), y = num(top + ph + 16);
      out += slanted ? "<text x=\"" + x + "\" y=\"" + y + "\" transform=\"rotate(-35 " + x + " " + y +
                           ")\" text-anchor=\"end\" font-size=\"11\">"
                     : "<text x=\"" + x + "\" y=\"" + y + "\" text-anchor=\"middle\" font-size=\"11\">";
      out += html_escape(spec.x_categories[k]) + "</text>\n";
    }
  }
  out += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(h - 6) + "\" text-anchor=\"middle\" font-size=\"12\">" +
         html_escape(spec.x_label) + "</text>\n";
  out += "<text transform=\"translate(14," + num(top + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">" +
         html_escape(spec.y_label) + "</text>\n";

  for (const auto& r : spec.vertical) {
    out += "<line class=\"rule\" x1=\"" + num(px(r.at)) + "\" x2=\"" + num(px(r.at)) + "\" y1=\"" + num(top) +
           "\" y2=\"" + num(top + ph) + "\" stroke=\"" + r.color + "\"" +
           (r.dashed ? " stroke-dasharray=\"4 3\"" : "") + "><title>" + html_escape(r.label) + "</title></line>\n";
  }
  for (const auto& r : spec.horizontal) {
    out += "<line class=\"rule\" x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(py(r.at)) +
           "\" y2=\"" + num(py(r.at)) + "\" stroke=\"" + r.color + "\"" +
           (r.dashed ? " stroke-dasharray=\"6 3\"" : "") + "><title>" + html_escape(r.label) + "</title></line>\n" +
           "<text x=\"" + num(left + pw - 4) + "\" y=\"" + num(py(r.at) - 4) + "\" text-anchor=\"end\" font-size=\"11\" fill=\"" +
           r.color + "\">" + html_escape(r.label) + "</text>\n";
  }
  double legend_y = top + 14;
  for (const auto& s : spec.series) {
    std::string path;
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      const double x = px(s.x[i]), y = py(s.y[i]);
      path += (path.empty() ? "M" : " L") + num(x) + " " + num(y);
      if (i < s.error.size() && std::isfinite(s.error[i]) && s.error[i] > 0)
        out += "<line class=\"errorbar\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(py(s.y[i] - s.error[i])) +
               "\" y2=\"" + num(py(s.y[i] + s.error[i])) + "\" stroke=\"" + s.color + "\"/>\n";
      out += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"" + (s.lines ? "2" : "4") + "\" fill=\"" +
             s.color + "\"><title>" + html_escape(s.name) + ": " + tick_text(s.x[i]) + ", " + tick_text(s.y[i]) +
             "</title></circle>\n";
    }
    if (s.lines && !path.empty())
      out += "<path class=\"series\" d=\"" + path + "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"1.5\"/>\n";
    out += "<text x=\"" + num(left + 8) + "\" y=\"" + num(legend_y) + "\" font-size=\"11\" fill=\"" + s.color + "\">" +
           html_escape(s.name) + "</text>\n";
    legend_y += 14;
  }
  return out + "</svg>";
}

}  // namespace evoaug
