// evoaug's one JSON writer: report.json, the resolved configuration, the benchmarks'
// --json output and `plugins --json`. Numbers that are not finite are written as null
// (JSON has no NaN; toml++'s own formatter writes `nan`, which JSON readers refuse).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace evoaug {

/// A JSON string literal: quotes, backslashes and control characters escaped.
std::string json_quoted(std::string_view text);

/// A JSON number with 10 significant digits; null when `value` is NaN or infinite.
std::string json_number(double value);

/// A JSON object written member by member, indented by nesting `depth` (2 spaces a level);
/// members take values already written as JSON.
class JsonObject {
 public:
  explicit JsonObject(int depth) : depth_(depth) {}
  JsonObject& add(const std::string& key, const std::string& json_value);
  std::string str() const;

 private:
  int depth_;
  std::vector<std::string> members_;
};

/// A JSON array of values already written as JSON, one per line at nesting `depth`.
std::string json_array(const std::vector<std::string>& items, int depth);

/// A TOML table as JSON, indented like JsonObject at nesting `depth`: strings, integers,
/// floats (non-finite as null), booleans, arrays and tables; dates and times as strings.
std::string to_json(const toml::table& table, int depth = 0);

}  // namespace evoaug
