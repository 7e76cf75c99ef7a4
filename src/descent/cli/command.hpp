// The descent command's subcommands. Each lives in its own file and registers itself here
// with a static Command object, so adding one touches no other file:
//
//   static Command train_command{"train", "Train a model on a dataset", [](CLI::App& app) {
//     auto opts = std::make_shared<TrainFlags>();
//     app.add_option(...);
//     return [opts] { return run_train(*opts); };   // returns the exit code
//   }};
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace descent::cli {

using Run = std::function<int()>;
using Setup = std::function<Run(CLI::App& subcommand)>;

struct Command {
  Command(std::string name, std::string description, Setup setup);
};

// The setup of a subcommand whose flags fill a Flags struct: add_flags(app, flags) declares
// them, and run(flags) runs the command once they are parsed.
template <class Flags, class AddFlags, class RunCommand>
Setup setup_with(AddFlags add_flags, RunCommand run) {
  return [add_flags, run](CLI::App& app) -> Run {
    auto flags = std::make_shared<Flags>();
    add_flags(app, *flags);
    return [flags, run] { return run(*flags); };
  };
}

struct CommandEntry {
  std::string name;
  std::string description;
  Setup setup;
};
std::vector<CommandEntry>& commands();

}  // namespace descent::cli
