// The one Catch2 main, compiled once for every test suite.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
