// The fuzzing entry functions: one per parser that reads a user's bytes. Each feeds `bytes` to
// the parser as a user would (a file, a spec string) and returns normally when the parser
// accepts them or refuses them with a descent::Error; anything else (a crash, a sanitizer
// report, another exception) is a finding. The libFuzzer harnesses fuzz/fuzz_<name>.cpp and the
// corpus replay test tests/fuzz_replay both call them, so CI replays exactly what was fuzzed.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace descent::fuzz {

using Bytes = std::span<const uint8_t>;

void idx(Bytes bytes);          // data::read_idx on a file of these bytes
void csv(Bytes bytes);          // read_csv; the first byte picks the header mode, delimiter and label
void safetensors(Bytes bytes);  // load_safetensors
void checkpoint(Bytes bytes);   // load_checkpoint
void metrics(Bytes bytes);      // viz::read_metrics on a metrics.jsonl
void spec(Bytes bytes);         // spec::parse, the one grammar of every spec
void optimizer(Bytes bytes);    // optim::make_optimizer, then two steps
void schedule(Bytes bytes);     // make_scheduler on SGD, then three steps
void model(Bytes bytes);        // make_mlp: "MODEL\nINIT\nACTIVATION"
void conv_model(Bytes bytes);   // make_model on images: the first byte picks channels and side, the rest is the spec
void cifar(Bytes bytes);        // read_cifar10_batches on one file of these bytes

struct Entry {
  std::string_view name;  // the harness is fuzz_<name>, its corpus fuzz/corpus/<name>/
  void (*run)(Bytes bytes);
};

// Every entry function, by name.
const std::vector<Entry>& entries();

}  // namespace descent::fuzz
