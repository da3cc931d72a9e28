#include "config/problem_list.h"

#include "catch.h"

using evoaug::testing::Contains;

namespace evoaug {

TEST_CASE("A problem list records each failing step and reports them in file order", "[foundation][problems]") {
  ProblemList problems;
  CHECK(problems.attempt([] {}));
  CHECK_FALSE(problems.attempt([] { throw Error("p.toml:9:1: [pretrain]: second"); }));
  CHECK_FALSE(problems.attempt([] { throw Error("p.toml:3:14: [runtime]: first"); }));
  CHECK_FALSE(problems.attempt([] { throw Error("p.toml: no position, so last"); }));
  CHECK_FALSE(problems.attempt([] { throw Error("p.toml:10:2: [pretrain]: third\nwith a second line"); }));
  try {
    problems.throw_if_any();
    FAIL("no error");
  } catch (const ProblemsError& e) {
    REQUIRE(e.problems().size() == 4);
    CHECK(e.problems()[0] == "p.toml:3:14: [runtime]: first");
    CHECK(e.problems()[1] == "p.toml:9:1: [pretrain]: second");
    CHECK(e.problems()[3] == "p.toml: no position, so last");
    CHECK(std::string(e.what()) ==
          "4 problems:\n  p.toml:3:14: [runtime]: first\n  p.toml:9:1: [pretrain]: second\n"
          "  p.toml:10:2: [pretrain]: third\n    with a second line\n  p.toml: no position, so last");
  }
}

TEST_CASE("One problem reads as it always did, and nested problem lists flatten", "[foundation][problems]") {
  ProblemList none;
  CHECK_NOTHROW(none.throw_if_any());

  ProblemList one;
  one.add("p.toml:1:1: only");
  try {
    one.throw_if_any();
    FAIL("no error");
  } catch (const ProblemsError&) {
    FAIL("a single problem must not be wrapped in a list");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "p.toml:1:1: only");
  }

  ProblemList outer;
  outer.add("p.toml:2:1: outer");
  outer.attempt([] {
    ProblemList inner;
    inner.add("p.toml:5:1: inner a");
    inner.add("p.toml:1:1: inner b");
    inner.throw_if_any();
  });
  CHECK_THROWS_MATCHES(outer.throw_if_any(), ProblemsError,
                       Catch::Matchers::Message("3 problems:\n  p.toml:1:1: inner b\n  p.toml:2:1: outer\n  "
                                                "p.toml:5:1: inner a"));
}

}  // namespace evoaug
