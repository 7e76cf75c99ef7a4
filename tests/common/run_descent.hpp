// Runs the built `descent` program as a user would, for the tests of its subcommands.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace descent::testing {

struct CliOutput {
  int code;         // the exit status (128 when a signal ended it)
  std::string out;  // stdout and stderr together
};

// `descent ARGS` with stderr merged into stdout, with `env` ("NAME=VALUE ...") set.
inline CliOutput run_descent(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + " " + std::string(DESCENT_BINARY_DIR) + "/descent " + args + " 2>&1";
  CliOutput o{0, ""};
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) o.out.append(buf, n);
  const int status = pclose(p);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return o;
}

}  // namespace descent::testing
