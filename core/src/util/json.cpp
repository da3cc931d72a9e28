#include "util/json.h"

#include <toml++/toml.h>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace evoaug {

std::string json_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

JsonObject& JsonObject::add(const std::string& key, const std::string& json_value) {
  members_.push_back(json_quoted(key) + ": " + json_value);
  return *this;
}

std::string JsonObject::str() const {
  if (members_.empty()) return "{}";
  const std::string inner(2 * (depth_ + 1), ' ');
  std::string out = "{\n";
  for (std::size_t i = 0; i < members_.size(); ++i) out += inner + members_[i] + (i + 1 < members_.size() ? ",\n" : "\n");
  return out + std::string(2 * depth_, ' ') + "}";
}

std::string json_array(const std::vector<std::string>& items, int depth) {
  if (items.empty()) return "[]";
  const std::string inner(2 * (depth + 1), ' ');
  std::string out = "[\n";
  for (std::size_t i = 0; i < items.size(); ++i) out += inner + items[i] + (i + 1 < items.size() ? ",\n" : "\n");
  return out + std::string(2 * depth, ' ') + "]";
}

namespace {

std::string node_json(const toml::node& node, int depth) {
  if (const auto* table = node.as_table()) return to_json(*table, depth);
  if (const auto* array = node.as_array()) {
    std::vector<std::string> items;
    for (const auto& item : *array) items.push_back(node_json(item, depth + 1));
    return json_array(items, depth);
  }
  if (const auto* text = node.as_string()) return json_quoted(text->get());
  if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
  if (const auto* real = node.as_floating_point()) return json_number(real->get());
  if (const auto* flag = node.as_boolean()) return flag->get() ? "true" : "false";
  std::ostringstream text;  // a date, time or date-time: TOML's own spelling
  if (const auto* date = node.as_date()) text << *date;
  else if (const auto* time = node.as_time()) text << *time;
  else if (const auto* date_time = node.as_date_time()) text << *date_time;
  return json_quoted(text.str());
}

}  // namespace

std::string to_json(const toml::table& table, int depth) {
  JsonObject object(depth);
  for (const auto& [key, value] : table) object.add(std::string(key.str()), node_json(value, depth + 1));
  return object.str();
}

}  // namespace evoaug
