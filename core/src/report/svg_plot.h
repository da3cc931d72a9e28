// Line and point plots as inline SVG text: the learning curves of a run's report and the
// metric-against-axis plots of a sweep's report. No scripts, no external resources.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace evoaug {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  std::vector<double> error;  ///< half-height of an error bar per point; empty for none
  bool lines = true;          ///< joined by a line (else points only)
  std::string color = "#1f77b4";
};

/// A line across the plot: vertical at an x (the best epoch, a learning-rate change) or
/// horizontal at a y (a baseline).
struct PlotRule {
  double at = 0.0;
  std::string label;
  std::string color = "#888";
  bool dashed = true;
};

struct PlotSpec {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  std::vector<PlotRule> vertical, horizontal;
  /// Categorical x axis: ticks at 0, 1, ... named by these (the series' x are indices).
  std::vector<std::string> x_categories;
  int width = 560, height = 300;
};

/// The plot as an <svg> element (class "plot"). Non-finite values are left out; a plot
/// without any finite value says "no data". Text is escaped.
std::string svg_plot(const PlotSpec& spec);

}  // namespace evoaug
