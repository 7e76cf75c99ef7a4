// The mistakes the API refuses at run time, each with a one-line message that names the fix.
// (Others do not compile at all: an unknown option in optim::AdamW's designated initializers, or
// a module whose forward takes several tensors given to Sequential as a layer.)
#include <descent/descent.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using namespace descent;

namespace {

struct Mistake {
  std::string what;
  std::function<void()> attempt;
};

Sequential small_model(Generator& gen) {
  return Sequential{Linear(2, 4, true, DType::f32, &gen), ReLU(), Linear(4, 2, true, DType::f32, &gen)};
}

}  // namespace

int main() {
  Generator gen(7);
  const std::vector<Mistake> mistakes = {
      {"a scheduler that outlives its optimizer",
       [&] {
         Sequential model = small_model(gen);
         // The optimizer is a temporary: it is destroyed at the end of this statement.
         auto scheduler =
             optim::make_scheduler("cosine:T_max=10", *optim::make_optimizer("sgd:lr=0.1", model.parameters()));
         scheduler->step();
       }},
      {"an option the optimizer does not have",
       [&] { optim::make_optimizer("adam:lr=0.01,beta=0.9", small_model(gen).parameters()); }},
      {"an option out of its range", [&] { optim::AdamW optimizer(small_model(gen).parameters(), {.lr = -0.01}); }},
      {"an input of the wrong width",
       [&] {
         small_model(gen)(randn({4, 3}, DType::f32, &gen));
       }},
      {"a layer asked for as another type",
       [&] {
         Sequential model = small_model(gen);
         model.at<Linear>(1);
       }},
      {"backward to a tensor that does not require a gradient",
       [&] {
         Tensor w = randn({3}, DType::f32, &gen);
         (w * w).sum().backward();
       }},
      {"weights from another model",
       [&] {
         Sequential wider{Linear(2, 8, true, DType::f32, &gen), ReLU(), Linear(8, 2, true, DType::f32, &gen)};
         small_model(gen).load_state_dict(wider.state_dict());
       }},
      {"L-BFGS stepped without its closure",
       [&] {
         Sequential model = small_model(gen);
         optim::LBFGS optimizer(model.parameters());
         optimizer.step();
       }},
      {"a schedule that does not exist",
       [&] {
         Sequential model = small_model(gen);
         optim::SGD optimizer(model.parameters(), {.lr = 0.1});
         optim::make_scheduler("cosin:T_max=10", optimizer);
       }},
  };
  int accepted = 0;
  for (const Mistake& mistake : mistakes) {
    try {
      mistake.attempt();
      std::printf("NOT refused: %s\n", mistake.what.c_str());
      ++accepted;
    } catch (const Error& error) {
      std::printf("%s\n  -> %s\n", mistake.what.c_str(), error.what());
    }
  }
  return accepted == 0 ? 0 : 1;
}
