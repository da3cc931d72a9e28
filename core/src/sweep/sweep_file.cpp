#include "sweep/sweep_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "evoaug/error.h"

namespace evoaug {
namespace {

namespace fs = std::filesystem;

bool bare_key(const std::string& key) {
  return !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                             std::string::npos;
}

std::string quoted(const std::string& text) {
  std::ostringstream out;
  out << toml::value<std::string>(text);
  return out.str();
}

std::string inline_text(const toml::node& node) {
  if (auto* t = node.as_table()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : *t) {
      out += std::string(first ? "" : ", ") + (bare_key(std::string(key.str())) ? std::string(key.str()) : quoted(std::string(key.str()))) +
             " = " + inline_text(value);
      first = false;
    }
    return out + "}";
  }
  if (auto* a = node.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) out += (i ? ", " : "") + inline_text(*a->get(i));
    return out + "]";
  }
  if (auto* s = node.as_string()) return quoted(s->get());
  std::ostringstream out;
  if (auto* i = node.as_integer()) out << i->get();
  else if (auto* f = node.as_floating_point()) out << *f;
  else if (auto* b = node.as_boolean()) out << (b->get() ? "true" : "false");
  else throw Error(std::to_string(node.source().begin.line) + ": dates and times are not sweep values");
  return out.str();
}

std::string label_of(const toml::node& node) {
  if (auto* s = node.as_string()) return s->get();
  return inline_text(node);
}

std::string where(const fs::path& file, const toml::node& node) {
  return file.string() + ":" + std::to_string(node.source().begin.line);
}

// The members of a table in the order the file wrote them (toml++ sorts them by key).
std::vector<std::pair<std::string, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (const auto& [key, value] : table) out.emplace_back(std::string(key.str()), &value);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto& sa = a.second->source().begin;
    const auto& sb = b.second->source().begin;
    return sa.line != sb.line ? sa.line < sb.line : sa.column < sb.column;
  });
  return out;
}

}  // namespace

SweepFile read_sweep_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw Error("sweep file '" + file.string() + "' does not exist or is not a file");
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw Error(file.string() + ":" + std::to_string(e.source().begin.line) + ":" +
                std::to_string(e.source().begin.column) + ": TOML syntax error: " + std::string(e.description()));
  }
  SweepFile sweep;
  sweep.path = fs::absolute(file);
  const std::vector<std::string> known{"base", "mode", "samples", "seed", "axes", "variants", "baseline", "stage", "metric"};
  for (const auto& [key, value] : root)
    if (std::find(known.begin(), known.end(), std::string(key.str())) == known.end())
      throw Error(where(file, value) + ": unknown key '" + std::string(key.str()) +
                  "' in a sweep file (known: base, mode, samples, seed, stage, metric, [axes], [variants], [baseline])");

  const auto base = root["base"].value<std::string>();
  if (!base) throw Error(file.string() + ": 'base' is missing: name the base pipeline, e.g. base = \"pipeline.toml\"");
  sweep.base = fs::absolute(sweep.path.parent_path() / *base);
  if (!fs::is_regular_file(sweep.base, ec))
    throw Error(where(file, *root.get("base")) + ": base pipeline '" + *base + "' not found (looked for " +
                sweep.base.string() + "; it is relative to the sweep file)");
  sweep.mode = root["mode"].value_or(std::string("grid"));
  if (sweep.mode != "grid" && sweep.mode != "random")
    throw Error(where(file, *root.get("mode")) + ": mode = \"" + sweep.mode + "\": expected \"grid\" or \"random\"");
  if (sweep.mode == "random") {
    const auto samples = root["samples"].value<std::int64_t>();
    if (!samples || *samples < 1)
      throw Error(file.string() + ": mode = \"random\" needs samples = N (N >= 1): how many settings to draw");
    sweep.samples = *samples;
    sweep.seed = static_cast<std::uint64_t>(root["seed"].value_or(std::int64_t{0}));
  } else if (root.contains("samples")) {
    throw Error(where(file, *root.get("samples")) + ": samples applies to mode = \"random\" only");
  }
  sweep.stage = root["stage"].value_or(std::string());
  sweep.metric = root["metric"].value_or(std::string());

  if (const toml::node* node = root.get("axes")) {
    const toml::table* axes = node->as_table();
    if (!axes) throw Error(where(file, *node) + ": [axes] must be a table of dotted keys to arrays of values");
    for (const auto& [key, value] : in_file_order(*axes)) {
      const toml::array* values = value->as_array();
      if (!values || values->empty())
        throw Error(where(file, *value) + ": axis \"" + key + "\": expected a non-empty array of values, e.g. [1, 2, 3]");
      if (key.find('.') == std::string::npos && key != kAugmentAxis)
        throw Error(where(file, *value) + ": axis \"" + key +
                    "\": expected a dotted key of the pipeline, table.key (e.g. \"pretrain.learning_rate\")");
      SweepAxis axis{key, {}, {}};
      for (const auto& v : *values) {
        axis.labels.push_back(label_of(v));
        axis.values.push_back(inline_text(v));
        if (std::count(axis.labels.begin(), axis.labels.end(), axis.labels.back()) > 1)
          throw Error(where(file, v) + ": axis \"" + key + "\": value " + axis.labels.back() + " is listed twice");
      }
      sweep.axes.push_back(std::move(axis));
    }
  }

  // Named [augment] tables: the "augment" axis names them (all of them, in the file's
  // order, when [axes] does not).
  if (const toml::node* node = root.get("variants")) {
    const toml::table* variants = node->as_table();
    if (!variants) throw Error(where(file, *node) + ": [variants] must hold named [augment] tables: [variants.NAME]");
    std::vector<std::pair<std::string, std::string>> named;
    for (const auto& [name, value] : in_file_order(*variants)) {
      if (!value->as_table())
        throw Error(where(file, *value) + ": variant \"" + name + "\": expected a table (the [augment] table of that variant)");
      named.emplace_back(name, inline_text(*value));
    }
    auto axis = std::find_if(sweep.axes.begin(), sweep.axes.end(), [](const SweepAxis& a) { return a.key == kAugmentAxis; });
    if (axis == sweep.axes.end()) {
      SweepAxis all{kAugmentAxis, {}, {}};
      for (const auto& [name, text] : named) {
        all.labels.push_back(name);
        all.values.push_back(text);
      }
      sweep.axes.insert(sweep.axes.begin(), std::move(all));
    } else {
      for (std::size_t i = 0; i < axis->labels.size(); ++i) {
        auto it = std::find_if(named.begin(), named.end(), [&](const auto& n) { return n.first == axis->labels[i]; });
        if (it == named.end()) {
          std::string list;
          for (const auto& n : named) list += (list.empty() ? "" : ", ") + n.first;
          throw Error(file.string() + ": axis \"augment\": value \"" + axis->labels[i] + "\" names no [variants." +
                      axis->labels[i] + "] (variants: " + list + ")");
        }
        axis->values[i] = it->second;
      }
    }
  } else if (std::any_of(sweep.axes.begin(), sweep.axes.end(), [](const SweepAxis& a) { return a.key == kAugmentAxis; })) {
    throw Error(file.string() + ": axis \"augment\" names [variants] tables, but the file has no [variants]");
  }
  if (sweep.axes.empty()) throw Error(file.string() + ": no axes: add [axes] (dotted key = [values]) or [variants]");

  if (const toml::node* node = root.get("baseline")) {
    const toml::table* baseline = node->as_table();
    if (!baseline) throw Error(where(file, *node) + ": [baseline] must be a table of axis = value");
    for (const auto& [baseline_key, value] : in_file_order(*baseline)) {
      const std::string key = baseline_key;  // a lambda may not capture a structured binding before C++20
      auto axis = std::find_if(sweep.axes.begin(), sweep.axes.end(), [&](const SweepAxis& a) { return a.key == key; });
      if (axis == sweep.axes.end() || key == kSeedAxis)
        throw Error(where(file, *value) + ": [baseline] \"" + key + "\" is not an axis of the sweep (other than the seed)");
      const std::string label = label_of(*value);
      if (std::find(axis->labels.begin(), axis->labels.end(), label) == axis->labels.end())
        throw Error(where(file, *value) + ": [baseline] \"" + key + "\" = " + label + " is not one of the axis' values");
      sweep.baseline.emplace_back(key, label);
    }
  }
  return sweep;
}

}  // namespace evoaug
