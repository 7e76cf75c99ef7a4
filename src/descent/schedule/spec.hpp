// Schedules from text. Each term is a spec of the shared grammar (descent/spec/spec.hpp); '+'
// and '*' compose terms:
//
//   schedule := part ( '+' part )*            one part after another (SequentialLR)
//   part     := term ( '*' term )*            terms stepped together (ChainedScheduler)
//   term     := name [ ':' key=value ( ',' key=value )* ]      lists are written a;b;c
//
// e.g. "cosine:T_max=50,eta_min=1e-5", "step:step_size=30,gamma=0.1",
// "warmup:steps=500+cosine:T_max=10000", "constant:factor=0.5,total_iters=4*exponential:gamma=0.9".
// In a sequence every part but the last needs a length: a term's `steps=N` key, or else the
// natural length of its first term that has one (warmup: steps; linear, constant, polynomial:
// total_iters; cosine: T_max; onecycle: total_steps; swa: anneal_epochs; cosine_decay:
// warmup_steps + decay_steps; polynomial_decay: decay_steps). The milestones are the running
// sums of the lengths. docs/schedules.md lists every name, key and default.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "descent/schedule/scheduler.hpp"
#include "descent/spec/spec.hpp"

namespace descent::optim {

// Builds the scheduler `spec` describes on `optimizer` (which it steps to epoch 0, as every
// scheduler constructor does). Throws ValueError naming the offending token and listing the
// valid names or keys.
std::unique_ptr<LRScheduler> make_scheduler(const std::string& spec, Optimizer& optimizer);

// One schedule name of the grammar: what it is, and its keys with their defaults.
struct ScheduleHelp {
  std::string name;
  std::string summary;
  std::vector<spec::KeyHelp> keys;
};

// Every schedule the grammar knows, sorted by name.
std::vector<ScheduleHelp> schedule_help();
std::vector<std::string> schedule_names();

}  // namespace descent::optim

// Temporary, until code outside schedule/ says optim::make_scheduler: the old name.
namespace descent {
using optim::make_scheduler;
}  // namespace descent
