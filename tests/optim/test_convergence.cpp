// Every optimizer reaches the known minimum of the sphere and of Rosenbrock's function
// (ensmallen-style: tests named Optimizer_Problem, hyperparameters recorded here), run
// through the same trajectory() that `descent trajectory` prints.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "descent/optim/factory.hpp"
#include "descent/optim/trajectory.hpp"

using namespace descent::optim;

namespace {

// Each coordinate within this of the minimizer, as ensmallen's tests check.
constexpr double kCoordinateTolerance = 1e-3;

void expect_reaches_minimum(const std::string& function, const std::string& spec, int64_t steps,
                            std::optional<Point> start = std::nullopt) {
  const TestFunction& fn = test_function(function);
  std::vector<TrajectoryPoint> path = trajectory(fn, spec, start.value_or(fn.start), steps);
  const TrajectoryPoint& end = path.back();
  const Point& minimizer = fn.minima.front();
  EXPECT_NEAR(end.x, minimizer[0], kCoordinateTolerance) << spec << " on " << function;
  EXPECT_NEAR(end.y, minimizer[1], kCoordinateTolerance) << spec << " on " << function;
  EXPECT_NEAR(end.f, fn.minimum, 1e-3) << spec << " on " << function;
}

}  // namespace

#define DESCENT_CONVERGES(NAME, FUNCTION_NAME, FUNCTION, SPEC, STEPS) \
  TEST(NAME, FUNCTION_NAME) { expect_reaches_minimum(FUNCTION, SPEC, STEPS); }

// ---- sphere x² + y² from (1.5, −1) ----
DESCENT_CONVERGES(SGD, Sphere, "sphere", "sgd:lr=0.1", 500)
DESCENT_CONVERGES(SGDNesterov, Sphere, "sphere", "sgd:lr=0.1,momentum=0.9,nesterov=true", 500)
DESCENT_CONVERGES(Momentum, Sphere, "sphere", "momentum:lr=0.1,momentum=0.5", 500)
DESCENT_CONVERGES(Adam, Sphere, "sphere", "adam:lr=0.1", 500)
DESCENT_CONVERGES(AdamAMSGrad, Sphere, "sphere", "adam:lr=0.1,amsgrad=true", 500)
DESCENT_CONVERGES(AdamW, Sphere, "sphere", "adamw:lr=0.1", 500)
DESCENT_CONVERGES(AdamEfficient, Sphere, "sphere", "adam_efficient:lr=0.1", 500)
DESCENT_CONVERGES(Adagrad, Sphere, "sphere", "adagrad:lr=0.5", 500)
DESCENT_CONVERGES(RMSprop, Sphere, "sphere", "rmsprop:lr=0.01", 500)
DESCENT_CONVERGES(RMSpropCentered, Sphere, "sphere", "rmsprop:lr=0.01,centered=true,momentum=0.5", 1000)
DESCENT_CONVERGES(Adadelta, Sphere, "sphere", "adadelta:lr=1", 5000)
DESCENT_CONVERGES(Adamax, Sphere, "sphere", "adamax:lr=0.1", 500)
DESCENT_CONVERGES(NAdam, Sphere, "sphere", "nadam:lr=0.1", 500)
DESCENT_CONVERGES(RAdam, Sphere, "sphere", "radam:lr=0.1", 500)
DESCENT_CONVERGES(Rprop, Sphere, "sphere", "rprop:lr=0.1", 500)
DESCENT_CONVERGES(ASGD, Sphere, "sphere", "asgd:lr=0.1", 500)
DESCENT_CONVERGES(LBFGS, Sphere, "sphere", "lbfgs", 5)
DESCENT_CONVERGES(LBFGSStrongWolfe, Sphere, "sphere", "lbfgs:line_search_fn=strong_wolfe", 5)
DESCENT_CONVERGES(AdaptiveGains, Sphere, "sphere", "adaptive_gains:lr=0.1", 500)
DESCENT_CONVERGES(SWATS, Sphere, "sphere", "swats:lr=0.1", 500)
DESCENT_CONVERGES(AdaBelief, Sphere, "sphere", "adabelief:lr=0.1", 500)
DESCENT_CONVERGES(Lion, Sphere, "sphere", "lion:lr=0.01", 500)
DESCENT_CONVERGES(LAMB, Sphere, "sphere", "lamb:lr=0.1", 500)
DESCENT_CONVERGES(ScheduleFreeAdamW, Sphere, "sphere", "schedule_free_adamw:lr=0.1", 500)
DESCENT_CONVERGES(Adopt, Sphere, "sphere", "adopt:lr=0.1", 500)
DESCENT_CONVERGES(Adafactor, Sphere, "sphere", "adafactor:lr=1", 500)
DESCENT_CONVERGES(Prodigy, Sphere, "sphere", "prodigy", 500)
// Muon sees the point as a 1 × 2 matrix: normalized momentum steps of length ≈ lr.
DESCENT_CONVERGES(Muon, Sphere, "sphere", "muon:lr=0.003", 2000)
// SAM minimizes the worst loss within ρ, so it settles O(ρ) from the minimum: a small ρ.
DESCENT_CONVERGES(Sam, Sphere, "sphere", "sam(sgd:lr=0.1):rho=0.005", 500)
DESCENT_CONVERGES(Lookahead, Sphere, "sphere", "lookahead(adam:lr=0.1):k=5,alpha=0.5", 500)

// ---- Rosenbrock (1 − x)² + 100(y − x²)² from (−1.2, 1) ----
DESCENT_CONVERGES(SGD, Rosenbrock, "rosenbrock", "sgd:lr=1e-3,momentum=0.9", 5000)
DESCENT_CONVERGES(SGDNesterov, Rosenbrock, "rosenbrock", "sgd:lr=1e-3,momentum=0.9,nesterov=true", 5000)
DESCENT_CONVERGES(Momentum, Rosenbrock, "rosenbrock", "momentum:lr=1e-3,momentum=0.9", 5000)
DESCENT_CONVERGES(Adam, Rosenbrock, "rosenbrock", "adam:lr=0.02", 5000)
DESCENT_CONVERGES(AdamAMSGrad, Rosenbrock, "rosenbrock", "adam:lr=0.02,amsgrad=true", 20000)
DESCENT_CONVERGES(AdamW, Rosenbrock, "rosenbrock", "adamw:lr=0.02,weight_decay=0", 5000)
DESCENT_CONVERGES(AdamEfficient, Rosenbrock, "rosenbrock", "adam_efficient:lr=0.02", 5000)
DESCENT_CONVERGES(Adagrad, Rosenbrock, "rosenbrock", "adagrad:lr=1", 20000)
DESCENT_CONVERGES(RMSprop, Rosenbrock, "rosenbrock", "rmsprop:lr=3e-4,momentum=0.9", 20000)
DESCENT_CONVERGES(Adadelta, Rosenbrock, "rosenbrock", "adadelta:lr=0.01,rho=0.9,eps=1e-8", 100000)
DESCENT_CONVERGES(Adamax, Rosenbrock, "rosenbrock", "adamax:lr=0.02", 5000)
DESCENT_CONVERGES(NAdam, Rosenbrock, "rosenbrock", "nadam:lr=2e-3", 50000)
DESCENT_CONVERGES(RAdam, Rosenbrock, "rosenbrock", "radam:lr=2e-3", 20000)
DESCENT_CONVERGES(Rprop, Rosenbrock, "rosenbrock", "rprop:lr=0.01,step_sizes=1e-9/50", 50000)
DESCENT_CONVERGES(ASGD, Rosenbrock, "rosenbrock", "asgd:lr=1e-3,lambd=0,t0=1e9", 20000)
DESCENT_CONVERGES(LBFGS, Rosenbrock, "rosenbrock", "lbfgs", 100)
DESCENT_CONVERGES(LBFGSStrongWolfe, Rosenbrock, "rosenbrock",
                  "lbfgs:line_search_fn=strong_wolfe,tolerance_change=1e-14", 100)
DESCENT_CONVERGES(AdaptiveGains, Rosenbrock, "rosenbrock", "adaptive_gains:lr=1e-4,beta=0.01", 20000)
DESCENT_CONVERGES(SWATS, Rosenbrock, "rosenbrock", "swats:lr=0.02", 5000)
DESCENT_CONVERGES(AdaBelief, Rosenbrock, "rosenbrock", "adabelief:lr=0.02", 5000)
DESCENT_CONVERGES(Lion, Rosenbrock, "rosenbrock", "lion:lr=1e-3", 5000)
// LAMB's step is lr·‖θ‖ in size: from (−1.2, 1) the valley passes the origin, where the
// trust ratio ‖θ‖/‖r‖ all but stops it, and near (1, 1) it circles at a distance of about lr.
// So it starts on the other side of the minimum, with a small lr.
TEST(LAMB, Rosenbrock) { expect_reaches_minimum("rosenbrock", "lamb:lr=3e-4,eps=1e-3", 50000, Point{2.0, 3.0}); }
DESCENT_CONVERGES(ScheduleFreeAdamW, Rosenbrock, "rosenbrock", "schedule_free_adamw:lr=0.01", 20000)
DESCENT_CONVERGES(Adopt, Rosenbrock, "rosenbrock", "adopt:lr=0.03,betas=0.9/0.999", 50000)
// Adafactor's step is ρ_t·RMS(θ) with ρ_t = min(lr, 1/√t): lr = 1 lets it shrink from the start.
DESCENT_CONVERGES(Adafactor, Rosenbrock, "rosenbrock", "adafactor:lr=1,beta2_decay=-1", 50000)
DESCENT_CONVERGES(Prodigy, Rosenbrock, "rosenbrock", "prodigy", 5000)
DESCENT_CONVERGES(Muon, Rosenbrock, "rosenbrock", "muon:lr=3e-4,weight_decay=0", 20000)
DESCENT_CONVERGES(Sam, Rosenbrock, "rosenbrock", "sam(sgd:lr=1e-3,momentum=0.9):rho=1e-4", 20000)
DESCENT_CONVERGES(Lookahead, Rosenbrock, "rosenbrock", "lookahead(adam:lr=0.02):k=5,alpha=0.5", 5000)

TEST(Convergence, EveryRegisteredOptimizerHasBothTests) {
  // The list above names optimizers by test suite; this keeps it complete as optimizers are added.
  const std::vector<std::string> covered = {"sgd",       "momentum",  "adam",      "adamw",   "adam_efficient",
                                            "adagrad",   "rmsprop",   "adadelta",  "adamax",  "nadam",
                                            "radam",     "rprop",     "asgd",      "lbfgs",   "adaptive_gains",
                                            "swats",     "adabelief", "lion",      "lamb",    "schedule_free_adamw",
                                            "lookahead", "adopt",     "adafactor", "prodigy", "sam",
                                            "muon"};
  for (const OptimizerInfo& info : optimizer_registry())
    EXPECT_NE(std::find(covered.begin(), covered.end(), info.name), covered.end()) << info.name;
}
