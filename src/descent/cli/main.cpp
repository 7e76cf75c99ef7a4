// descent: train neural networks by gradient-based optimization. Errors become one line on
// stderr and a non-zero exit.
#include <exception>
#include <iostream>
#include <map>

#include "descent/cli/command.hpp"
#include "descent/core/threads.hpp"

namespace descent::cli {

std::vector<CommandEntry>& commands() {
  static std::vector<CommandEntry> list;
  return list;
}

Command::Command(std::string name, std::string description, Setup setup) {
  commands().push_back({std::move(name), std::move(description), std::move(setup)});
}

}  // namespace descent::cli

namespace {

// Parses the command line and runs the chosen subcommand; returns its exit code.
int run_command_line(int argc, char** argv) {
  using namespace descent::cli;
  CLI::App app{"descent: train neural networks by gradient-based optimization", "descent"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "descent 0.1.0");
  std::map<CLI::App*, Run> runs;
  for (auto& entry : commands()) {
    CLI::App* sub = app.add_subcommand(entry.name, entry.description);
    runs[sub] = entry.setup(*sub);
  }
  if (argc == 1) {  // no subcommand: show what there is
    std::cout << app.help();
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : runs)
    if (sub->parsed()) return run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_command_line(argc, argv);
  } catch (const std::exception& e) {  // descent::Error and the standard library's alike
    std::cerr << "descent: error: " << e.what() << "\n";
    return 2;
  }
}
