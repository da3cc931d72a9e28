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
  // A whole table is replaced by an inline table (--set 'augment={ops = []}', what a
  // sweep's [variants] do); any other value needs table.key.
  const bool whole_table = eq != std::string::npos && argument.compare(eq + 1, 1, "{") == 0;
  if (eq == std::string::npos || eq == 0 || (argument.find('.') > eq && !whole_table))
    throw Error("--set '" + argument + "': expected table.key=value, e.g. --set pretrain.max_epochs=5");
  return {argument.substr(0, eq), argument.substr(eq + 1), kOverridePrefix + argument};
}

namespace {

// A table created for an override carries the override as its source, so a message
// about it (an unknown table, say) names the `--set` argument.
toml::table new_table(const Override& o) {
  toml::table holder = toml::parse("value = {}", o.origin);
  return std::move(*holder.get("value")->as_table());
}

toml::table parse_value(const Override& o) {
  try {
    return toml::parse("value = " + o.value_text, o.origin);
  } catch (const toml::parse_error&) {
    // Not a TOML value: take it as a string, re-parsed so the node keeps its origin.
    std::ostringstream quoted;
    quoted << "value = " << toml::value<std::string>(o.value_text);
    return toml::parse(quoted.str(), o.origin);
  }
}

std::size_t array_index(const Override& o, const std::string& part, std::size_t size) {
  if (part.size() > 9)
    throw Error(o.origin + ": index " + part + " is past the end of an array of " + std::to_string(size));
  const std::size_t index = std::stoul(part);
  if (index >= size)
    throw Error(o.origin + ": index " + part + " is past the end of an array of " + std::to_string(size) +
                " (append an element with '+', e.g. --set 'augment.ops.+={type = \"deletion\"}')");
  return index;
}

}  // namespace

void apply_overrides(toml::table& root, const std::vector<Override>& overrides) {
  for (const auto& o : overrides) {
    toml::table value_holder = parse_value(o);
    const std::vector<std::string> parts = split_dotted(o.dotted_key);
    for (const auto& part : parts)
      if (part.empty()) throw Error(o.origin + ": empty key segment in '" + o.dotted_key + "'");
    toml::node* cursor = &root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      const std::string& part = parts[i];
      if (auto* table = cursor->as_table()) {
        if (!table->contains(part)) {
          if (parts[i + 1] == "+") table->insert(part, toml::array{});
          else table->insert(part, new_table(o));
        }
        cursor = table->get(part);
      } else if (auto* array = cursor->as_array(); array && part == "+") {
        array->push_back(new_table(o));
        cursor = array->back().as_table();
      } else if (auto* array = cursor->as_array(); array && is_index(part)) {
        cursor = array->get(array_index(o, part, array->size()));
      } else {
        throw Error(o.origin + ": '" + part + "' is not a table in the pipeline file");
      }
    }
    toml::node& value = *value_holder.get("value");
    if (auto* array = cursor->as_array(); array && parts.back() == "+") {
      array->push_back(std::move(value));
      continue;
    }
    auto* table = cursor->as_table();
    if (!table) throw Error(o.origin + ": '" + o.dotted_key + "' does not name a key inside a table");
    // Moved, not copied: a copied TOML node forgets where it came from.
    table->insert_or_assign(parts.back(), std::move(value));
  }
}

std::optional<std::string> override_text(const toml::node& node) {
  const auto& path = node.source().path;
  if (!path || path->rfind(kOverridePrefix, 0) != 0) return std::nullopt;
  // Only the whole value (parsed as "value = TEXT": line 1, column 9), not a part of an
  // inline table or array.
  if (node.source().begin.line != 1 || node.source().begin.column != 9) return std::nullopt;
  const auto eq = path->find('=');
  if (eq == std::string::npos) return std::nullopt;
  return path->substr(eq + 1);
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
