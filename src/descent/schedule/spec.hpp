// Schedules from text, in the optimizer specs' style. The grammar:
//
//   spec     := part ( '+' part )*            one part after another (SequentialLR)
//   part     := term ( '*' term )*            terms stepped together (ChainedScheduler)
//   term     := name [ ':' key '=' value ( ',' key '=' value )* ]
//   value    := number | word | number ( ';' number )*      (a list: milestones=30;60;90)
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

namespace descent {

// Builds the scheduler `spec` describes on `optimizer` (which it steps to epoch 0, as every
// scheduler constructor does). Throws ValueError naming the offending token and listing the
// valid names or keys.
std::unique_ptr<LRScheduler> make_scheduler(const std::string& spec, Optimizer& optimizer);

// Every schedule name the grammar knows, sorted.
std::vector<std::string> schedule_names();

// The keys (with defaults, "" when required) of one schedule name, in documentation order.
std::vector<std::pair<std::string, std::string>> schedule_keys(const std::string& name);

}  // namespace descent
