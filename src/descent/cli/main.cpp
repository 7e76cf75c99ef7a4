// descent: train neural networks by gradient-based optimization. Errors become one line on
// stderr and a non-zero exit.
#include <iostream>
#include <map>
#include <optional>

#include "descent/cli/command.hpp"
#include "descent/core/error.hpp"
#include "descent/core/threads.hpp"
#include "descent/dist/communicator.hpp"

namespace descent::cli {

std::vector<CommandEntry>& commands() {
  static std::vector<CommandEntry> list;
  return list;
}

Command::Command(std::string name, std::string description, Setup setup) {
  commands().push_back({std::move(name), std::move(description), std::move(setup)});
}

}  // namespace descent::cli

int main(int argc, char** argv) {
  using namespace descent::cli;
  // Under mpirun each process is one rank of a data-parallel job (docs/distributed.md).
  std::optional<descent::dist::Session> session;
  try {
    session.emplace(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "descent: error: " << e.what() << "\n";
    return 2;
  }
  descent::dist::Communicator& world = descent::dist::Communicator::world();
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
    return world.is_root() ? app.exit(e) : e.get_exit_code();
  }
  try {
    for (auto& [sub, run] : runs)
      if (sub->parsed()) return run();
  } catch (const descent::dist::CollectiveError& e) {  // every rank has it: rank 0 says it
    if (world.is_root()) std::cerr << "descent: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    // An error of this rank alone: the other ranks would wait for it, so the job ends here.
    if (!world.distributed()) {
      std::cerr << "descent: error: " << e.what() << "\n";
      return 2;
    }
    std::cerr << "descent: error: rank " << world.rank() << ": " << e.what() << "\n";
    world.abort(2);
  }
  return 0;
}
