#include "config/toml_source.h"

#include <sstream>

#include "evoaug/error.h"

namespace evoaug {
namespace {

constexpr const char* kOverridePrefix = "--set ";

std::string describe_parse_error(const toml::parse_error& e) {
  return position_of(e.source()) + ": TOML syntax error: " + std::string(e.description());
}

std::vector<std::string> split_dotted(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream in(key);
  for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
  return parts;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::string position_of(const toml::source_region& source) {
  const std::string path = source.path ? *source.path : std::string("<toml>");
  if (path.rfind(kOverridePrefix, 0) == 0) return path;
  return path + ":" + std::to_string(source.begin.line) + ":" + std::to_string(source.begin.column);
}

std::string position_of(const toml::node& node) { return position_of(node.source()); }

Override parse_override(const std::string& argument) {
  const auto eq = argument.find('=');
  if (eq == std::string::npos || eq == 0 || argument.find('.') > eq)
    throw Error("--set '" + argument + "': expected table.key=value, e.g. --set pretrain.max_epochs=5");
  return {argument.substr(0, eq), argument.substr(eq + 1), kOverridePrefix + argument};
}

void apply_overrides(toml::table& root, const std::vector<Override>& overrides) {
  for (const auto& o : overrides) {
    toml::table value_holder;
    try {
      value_holder = toml::parse("value = " + o.value_text, o.origin);
    } catch (const toml::parse_error&) {
      // Not a TOML value: take it as a string, re-parsed so the node keeps its origin.
      std::ostringstream quoted;
      quoted << "value = " << toml::value<std::string>(o.value_text);
      value_holder = toml::parse(quoted.str(), o.origin);
    }
    const std::vector<std::string> parts = split_dotted(o.dotted_key);
    toml::node* cursor = &root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      const std::string& part = parts[i];
      if (auto* table = cursor->as_table()) {
        if (!table->contains(part)) table->insert(part, toml::table{});
        cursor = table->get(part);
      } else if (auto* array = cursor->as_array(); array && is_index(part)) {
        const std::size_t index = std::stoul(part);
        if (index >= array->size())
          throw Error(o.origin + ": index " + part + " is past the end of an array of " +
                      std::to_string(array->size()));
        cursor = array->get(index);
      } else {
        throw Error(o.origin + ": '" + part + "' is not a table in the pipeline file");
      }
    }
    auto* table = cursor->as_table();
    if (!table) throw Error(o.origin + ": '" + o.dotted_key + "' does not name a key inside a table");
    // Moved, not copied: a copied TOML node forgets where it came from.
    table->insert_or_assign(parts.back(), std::move(*value_holder.get("value")));
  }
}

toml::table load_toml_file(const std::filesystem::path& file, const std::vector<Override>& overrides) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error("pipeline file '" + file.string() + "' does not exist or is not a file");
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw Error(describe_parse_error(e));
  }
  apply_overrides(root, overrides);
  return root;
}

toml::table parse_toml_text(const std::string& text, const std::string& source_name,
                            const std::vector<Override>& overrides) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw Error(describe_parse_error(e));
  }
  apply_overrides(root, overrides);
  return root;
}

}  // namespace evoaug
