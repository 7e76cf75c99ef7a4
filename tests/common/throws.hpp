// An assertion for tests of error messages: f() must throw E with exactly `message`, so a change
// to a message is a deliberate change in its test too.
#pragma once
#include <gtest/gtest.h>

#include <exception>
#include <string>

namespace descent::testing {

// Runs f, expecting exception type E with exactly `message`.
template <class E, class F>
::testing::AssertionResult throws(F&& f, const std::string& message) {
  try {
    f();
  } catch (const E& e) {
    if (e.what() == message) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "message was\n  " << e.what() << "\nexpected\n  " << message;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a different type: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw; expected: " << message;
}

}  // namespace descent::testing
