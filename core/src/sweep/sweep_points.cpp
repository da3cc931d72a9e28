#include "sweep/sweep_points.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <random>

#include "evoaug/error.h"

namespace evoaug {
namespace {

std::string short_key(const std::string& key) {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

std::string folder_safe(const std::string& text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == '_' ? c : '-';
  if (out.size() > 40) out = out.substr(0, 40);
  return out.empty() ? "x" : out;
}

// Each combination of the axes `which` (indices into sweep.axes), first varying slowest.
std::vector<std::vector<std::size_t>> combinations(const SweepFile& sweep, const std::vector<std::size_t>& which) {
  std::vector<std::vector<std::size_t>> out{{}};
  for (std::size_t a : which) {
    std::vector<std::vector<std::size_t>> next;
    for (const auto& prefix : out)
      for (std::size_t v = 0; v < sweep.axes[a].labels.size(); ++v) {
        next.push_back(prefix);
        next.back().push_back(v);
      }
    out = std::move(next);
  }
  return out;
}

}  // namespace

std::vector<SweepPoint> expand_points(const SweepFile& sweep) {
  // Names: the last segment of each key, or the whole key where two axes share it.
  std::vector<std::string> names;
  for (const auto& axis : sweep.axes) names.push_back(short_key(axis.key));
  for (std::size_t i = 0; i < names.size(); ++i)
    if (std::count(names.begin(), names.end(), names[i]) > 1)
      for (std::size_t j = 0; j < names.size(); ++j)
        if (short_key(sweep.axes[j].key) == short_key(sweep.axes[i].key)) names[j] = sweep.axes[j].key;

  std::vector<std::size_t> setting_axes;
  std::ptrdiff_t seed_axis = -1;
  for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
    if (sweep.axes[a].key == kSeedAxis) seed_axis = static_cast<std::ptrdiff_t>(a);
    else setting_axes.push_back(a);
  }

  std::vector<std::vector<std::size_t>> choices;  // one value index per axis
  if (sweep.mode == "grid") {
    std::vector<std::size_t> all(sweep.axes.size());
    for (std::size_t a = 0; a < all.size(); ++a) all[a] = a;
    choices = combinations(sweep, all);
  } else {
    auto settings = combinations(sweep, setting_axes);
    if (static_cast<std::size_t>(sweep.samples) > settings.size())
      throw Error(sweep.path.string() + ": samples = " + std::to_string(sweep.samples) + " but the axes have only " +
                  std::to_string(settings.size()) + " settings (without the seed): lower samples or use mode = \"grid\"");
    std::vector<std::size_t> order(settings.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::mt19937_64 generator(sweep.seed);
    // A partial Fisher-Yates shuffle written out: std::shuffle's draws differ between
    // standard libraries, and the same file must give the same points everywhere.
    for (std::size_t i = 0; i < static_cast<std::size_t>(sweep.samples); ++i) {
      const std::size_t j = i + static_cast<std::size_t>(generator() % (order.size() - i));
      std::swap(order[i], order[j]);
    }
    order.resize(static_cast<std::size_t>(sweep.samples));
    std::sort(order.begin(), order.end());
    const std::size_t seeds = seed_axis < 0 ? 1 : sweep.axes[static_cast<std::size_t>(seed_axis)].labels.size();
    for (std::size_t s : order)
      for (std::size_t k = 0; k < seeds; ++k) {
        std::vector<std::size_t> choice(sweep.axes.size(), 0);
        for (std::size_t i = 0; i < setting_axes.size(); ++i) choice[setting_axes[i]] = settings[s][i];
        if (seed_axis >= 0) choice[static_cast<std::size_t>(seed_axis)] = k;
        choices.push_back(choice);
      }
  }

  std::vector<SweepPoint> points;
  std::map<std::string, int> used;
  for (const auto& choice : choices) {
    SweepPoint p;
    p.index = points.size();
    std::string setting;
    for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
      const auto& axis = sweep.axes[a];
      p.labels.push_back(axis.labels[choice[a]]);
      p.overrides.push_back(axis.key + "=" + axis.values[choice[a]]);
      const std::string part = folder_safe(names[a]) + "-" + folder_safe(axis.labels[choice[a]]);
      p.name += (p.name.empty() ? "" : "_") + part;
      if (static_cast<std::ptrdiff_t>(a) == seed_axis) p.seed = axis.labels[choice[a]];
      else setting += (setting.empty() ? "" : "_") + part;
    }
    p.setting = setting.empty() ? "all" : setting;
    // Values that differ only in characters a folder name cannot hold get a suffix.
    if (const int n = used[p.name]++; n > 0) p.name += "_" + std::to_string(n);
    points.push_back(std::move(p));
  }
  return points;
}

bool is_baseline(const SweepFile& sweep, const SweepPoint& point) {
  if (sweep.baseline.empty()) return false;
  for (const auto& [key, label] : sweep.baseline)
    for (std::size_t a = 0; a < sweep.axes.size(); ++a)
      if (sweep.axes[a].key == key && point.labels[a] != label) return false;
  return true;
}

}  // namespace evoaug
