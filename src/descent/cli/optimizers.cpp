// `descent optimizers`: every optimizer with its hyperparameters (PyTorch's names) and defaults.
#include <iostream>

#include "descent/cli/command.hpp"
#include "descent/optim/factory.hpp"

namespace descent::cli {

static Command
    optimizers_command{"optimizers", "List every optimizer with its hyperparameters and defaults",
                       [](CLI::App&) -> Run {
                         return [] {
                           std::cout
                               << "Optimizer specs: NAME[:key=value,...], e.g. sgd:lr=0.1,momentum=0.9,nesterov=true "
                                  "or\n"
                                  "adam:lr=1e-3,betas=0.9/0.999; a wrapper takes its inner spec in parentheses.\n\n"
                               << descent::optim::describe_optimizers();
                           return 0;
                         };
                       }};

}  // namespace descent::cli
