#include "util/json.h"

#include <toml++/toml.h>

#include <cmath>

#include "catch.h"

using namespace evoaug;

TEST_CASE("JSON: strings are escaped, non-finite numbers are null", "[util]") {
  CHECK(json_quoted("a\"b\\c\nd\te\x01") == "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  CHECK(json_number(0.25) == "0.25");
  CHECK(json_number(NAN) == "null");
  CHECK(json_number(INFINITY) == "null");
  CHECK(json_number(-INFINITY) == "null");
  CHECK(JsonObject(0).str() == "{}");
  CHECK(JsonObject(0).add("k", "1").add("s", json_quoted("x")).str() == "{\n  \"k\": 1,\n  \"s\": \"x\"\n}");
  CHECK(json_array({}, 0) == "[]");
}

TEST_CASE("JSON: a TOML table becomes the same JSON, NaN included as null", "[util]") {
  const toml::table table = toml::parse(R"(
    name = "deepstarr"
    epochs = 5
    rate = 0.001
    bad = nan
    flag = true
    list = [1, 2]
    [inner]
    when = 2026-12-03
  )");
  const std::string json = to_json(table);
  CHECK(json ==
        "{\n"
        "  \"bad\": null,\n"
        "  \"epochs\": 5,\n"
        "  \"flag\": true,\n"
        "  \"inner\": {\n"
        "    \"when\": \"2026-12-03\"\n"
        "  },\n"
        "  \"list\": [\n"
        "    1,\n"
        "    2\n"
        "  ],\n"
        "  \"name\": \"deepstarr\",\n"
        "  \"rate\": 0.001\n"
        "}");
}
