// descent: train neural networks by gradient-based optimization. Errors become one line on
// stderr and a non-zero exit.
#include <algorithm>
#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <string_view>

#include "descent/cli/command.hpp"
#include "descent/core/error.hpp"
#include "descent/core/threads.hpp"
#include "descent/dist/communicator.hpp"
#include "descent/kernels/cpu.hpp"

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

// The Levenshtein distance between two words, for "did you mean" (the edit distance of
// Wagner and Fischer 1974).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Refuses a first word that names no command, suggesting the nearest one.
void check_command_name(std::string_view word) {
  using descent::cli::commands;
  std::string nearest, names;
  std::size_t best = 3;  // suggest only a name within two edits
  for (const auto& entry : commands()) {
    if (entry.name == word) return;
    names += (names.empty() ? "" : ", ") + entry.name;
    if (const std::size_t d = edit_distance(word, entry.name); d < best) {
      best = d;
      nearest = entry.name;
    }
  }
  throw descent::ValueError("unknown command '" + std::string(word) + "'; " +
                            (nearest.empty() ? "the commands are " + names : "did you mean '" + nearest + "'?"));
}

// CLI11's message as one line, and the command whose --help explains the flags.
std::string one_line(const CLI::ParseError& e, const CLI::App& app) {
  std::string message = e.what();
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') message.pop_back();
  std::string help = "descent";
  for (const CLI::App* sub : app.get_subcommands()) help += " " + sub->get_name();
  return message + " (see " + help + " --help)";
}

// Parses the command line and runs the chosen subcommand; returns its exit code.
int run_command_line(int argc, char** argv) {
  using namespace descent::cli;
  // The instruction set level of the hot loops: a bad DESCENT_CPU ends the run here.
  const descent::kernels::CpuLevel level = descent::kernels::cpu_level();
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
  app.set_version_flag("--version",
                       std::string("descent 0.1.0 (") + descent::kernels::cpu_level_name(level) + " loops)");
  std::map<CLI::App*, Run> runs;
  for (auto& entry : commands()) {
    CLI::App* sub = app.add_subcommand(entry.name, entry.description);
    runs[sub] = entry.setup(*sub);
  }
  if (argc == 1) {  // no subcommand: show what there is
    std::cout << app.help();
    return 0;
  }
  if (argv[1][0] != '-') check_command_name(argv[1]);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {  // one line and exit code 2, as every other error
    throw descent::ValueError(one_line(e, app));
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

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_command_line(argc, argv);
  } catch (const std::exception& e) {  // descent::Error and the standard library's alike
    std::cerr << "descent: error: " << e.what() << "\n";
    return 2;
  }
}
