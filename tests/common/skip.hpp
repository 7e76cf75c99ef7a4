// Skipping a test that needs what this machine lacks (a program, a data set, a Python package):
// locally a skip, as GTEST_SKIP, but under CI=true a failure with the same message, so a CI
// machine that lacks what the suite needs fails loudly instead of passing with tests unrun.
//
//   if (!fs::exists(mnist)) DESCENT_SKIP() << "MNIST not fetched (bash scripts/fetch_mnist.sh)";
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace descent::testing {

// True under CI=true (set by CI services and by .ci/run).
inline bool skips_are_failures() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

inline ::testing::TestPartResult::Type skip_result() {
  return skips_are_failures() ? ::testing::TestPartResult::kFatalFailure : ::testing::TestPartResult::kSkip;
}

inline const char* skip_heading() {
  return skips_are_failures() ? "Skipped, which fails under CI=true (CI must provide what the test needs)" : "Skipped";
}

}  // namespace descent::testing

// As GTEST_SKIP(): returns from the current function; stream the reason into it.
#define DESCENT_SKIP() return GTEST_MESSAGE_(::descent::testing::skip_heading(), ::descent::testing::skip_result())
