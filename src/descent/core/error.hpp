// descent's exceptions: every error a user can cause is one of these, with a message that
// names the op or file, the shapes or values involved, and what was expected.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace descent {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor's shape, dim or dtype does not fit the operation.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A hyperparameter, option or argument is out of its valid range.
class ValueError : public Error {
 public:
  using Error::Error;
};

// A file is missing, truncated, corrupt, or could not be written.
class IOError : public Error {
 public:
  using Error::Error;
};

// A number as a message shows it: 1, 0.5, 1e-08 (not std::to_string's 1.000000).
inline std::string format_number(double value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

}  // namespace descent
