// A small JSON reader for what evoaug itself writes (report.json): the report and sweep
// pages read runs back without a JSON library. Objects keep their members' order.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace evoaug {

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<JsonValue> items;                             ///< an array's elements
  std::vector<std::pair<std::string, JsonValue>> members;  ///< an object's members, in order

  /// The member `key` of an object; nullptr when absent or when this is not an object.
  const JsonValue* find(const std::string& key) const;
  /// The value at a path of member names ({"stages", "pretrain", "best_epoch"}), or nullptr.
  const JsonValue* at(const std::vector<std::string>& path) const;
  /// The number, or NaN for null and for anything that is not a number.
  double as_number() const;
  /// Text for display: strings as they are, numbers in short form, null as "".
  std::string display() const;
};

/// Parses JSON text; throws Error naming `source_name` and the byte offset on bad input.
JsonValue parse_json(const std::string& text, const std::string& source_name);

}  // namespace evoaug
