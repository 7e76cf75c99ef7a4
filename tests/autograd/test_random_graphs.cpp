// Random-graph autograd tests: seeded graphs of ops over a (rows, cols) working shape, with
// shared subexpressions (an operand is any earlier node, so nodes are reused), views
// (transposes, narrow and strided slices, reshapes of non-contiguous tensors, expand) and
// broadcasting (row and column statistics, a (cols,) leaf), gradient-checked in float64 against
// central differences (ops/gradcheck.hpp, as torch.autograd.gradcheck). A failure names the
// seed and the graph, which the seed rebuilds.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "descent/descent.hpp"

using namespace descent;

namespace {

constexpr int kGraphs = 300;
constexpr int kMinNodes = 3, kMaxNodes = 10;
constexpr int kMaxReportedFailures = 5;

// What an op sees besides its operands: the working shape and the broadcast leaf.
struct GraphInputs {
  int64_t rows, cols;
  Tensor col_scale;  // (cols,)
};

// Each op maps operands p, q of shape (rows, cols) to one of that shape, staying within a few
// units of magnitude so that no graph overflows, and smooth (no kinks for finite differences
// to straddle).
struct GraphOp {
  const char* name;
  Tensor (*apply)(const Tensor& p, const Tensor& q, const GraphInputs& in);
  bool reads_q = true;  // false: a function of p alone
};

const GraphOp kOps[] = {
    {"add", [](const Tensor& p, const Tensor& q, const GraphInputs&) { return p + q; }},
    {"sub_half", [](const Tensor& p, const Tensor& q, const GraphInputs&) { return p - q * 0.5; }},
    {"mul_tanh", [](const Tensor& p, const Tensor& q, const GraphInputs&) { return p * tanh(q); }},
    {"div", [](const Tensor& p, const Tensor& q, const GraphInputs&) { return p / (square(q) + 1.0); }},
    {"tanh", [](const Tensor& p, const Tensor&, const GraphInputs&) { return tanh(p); }, false},
    {"sigmoid", [](const Tensor& p, const Tensor&, const GraphInputs&) { return sigmoid(p) * 2.0; }, false},
    {"softplus", [](const Tensor& p, const Tensor&, const GraphInputs&) { return softplus(p); }, false},
    {"gelu", [](const Tensor& p, const Tensor&, const GraphInputs&) { return gelu(p); }, false},
    {"log1p_square", [](const Tensor& p, const Tensor&, const GraphInputs&) { return log(square(p) + 1.0); }, false},
    {"pow_075", [](const Tensor& p, const Tensor&, const GraphInputs&) { return pow(square(p) + 1.0, 0.75); }, false},
    {"exp_tanh", [](const Tensor& p, const Tensor&, const GraphInputs&) { return exp(tanh(p)); }, false},
    {"softmax_rows",
     [](const Tensor& p, const Tensor&, const GraphInputs& in) {
       return softmax(p, -1) * static_cast<double>(in.cols);
     },
     false},
    {"log_softmax_cols", [](const Tensor& p, const Tensor&, const GraphInputs&) { return log_softmax(p, 0); }, false},
    // (rows, cols) @ (cols, rows) @ (rows, cols), the middle a transposed view.
    {"matmul_transposed",
     [](const Tensor& p, const Tensor& q, const GraphInputs& in) {
       return matmul(matmul(tanh(p), q.t()), tanh(p)) * (1.0 / static_cast<double>(in.rows * in.cols));
     }},
    // Transposed operands broadcast against a (cols, 1) column, then transposed back.
    {"transposed_broadcast",
     [](const Tensor& p, const Tensor& q, const GraphInputs& in) {
       return (p.t() * q.sum(0, true).t()).t() * (1.0 / static_cast<double>(in.rows));
     }},
    {"center_rows", [](const Tensor& p, const Tensor&, const GraphInputs&) { return p - p.mean(0, true); }, false},
    {"scale_cols", [](const Tensor& p, const Tensor&, const GraphInputs& in) { return p * in.col_scale; }, false},
    {"add_row_means", [](const Tensor& p, const Tensor& q, const GraphInputs&) { return p + q.mean(1, true); }},
    {"expand_first_row",
     [](const Tensor& p, const Tensor& q, const GraphInputs& in) {
       return p * q.narrow(0, 0, 1).expand({in.rows, in.cols});
     }},
    // Columns rotated by one: two narrow views joined.
    {"roll_cols",
     [](const Tensor& p, const Tensor&, const GraphInputs& in) {
       return concat({p.narrow(1, 1, in.cols - 1), p.narrow(1, 0, 1)}, 1);
     },
     false},
    // Even rows then odd rows: two strided slices joined.
    {"interleave_rows",
     [](const Tensor& p, const Tensor&, const GraphInputs& in) {
       return concat({p.slice(0, 0, in.rows, 2), p.slice(0, 1, in.rows, 2)}, 0);
     },
     false},
    {"flat_log_softmax",
     [](const Tensor& p, const Tensor&, const GraphInputs& in) {
       return log_softmax(p.reshape({in.rows * in.cols}), 0).reshape({in.rows, in.cols});
     },
     false},
    // A reshape of a transposed (non-contiguous) view: a copy that permutes the elements.
    {"transpose_reshape",
     [](const Tensor& p, const Tensor&, const GraphInputs& in) {
       return p.t().reshape({in.rows, in.cols});
     },
     false},
};
constexpr auto kOpCount = static_cast<uint64_t>(std::size(kOps));

// One node: kOps[op] of two earlier nodes.
struct Node {
  std::size_t op, lhs, rhs;
};

// Nodes 0 and 1 are the inputs x and the transposed view of w; node k + 2 is graph[k]. The
// output adds half of an earlier node to the last, so more than one path reaches the inputs.
struct Graph {
  std::vector<Node> nodes;
  std::size_t extra_output;
};

Graph random_graph(Generator& gen) {
  Graph graph;
  const auto count = kMinNodes + static_cast<int>(gen.randint(kMaxNodes - kMinNodes + 1));
  for (int k = 0; k < count; ++k) {
    const uint64_t available = static_cast<uint64_t>(k) + 2;
    graph.nodes.push_back({gen.randint(kOpCount), gen.randint(available), gen.randint(available)});
  }
  graph.extra_output = gen.randint(graph.nodes.size() + 1);
  return graph;
}

std::string describe(const Graph& graph) {
  std::string text;
  for (std::size_t k = 0; k < graph.nodes.size(); ++k) {
    const Node& node = graph.nodes[k];
    text += "n" + std::to_string(k + 2) + "=" + kOps[node.op].name + "(n" + std::to_string(node.lhs) +
            (kOps[node.op].reads_q ? ",n" + std::to_string(node.rhs) : "") + ") ";
  }
  return text + "out=n" + std::to_string(graph.nodes.size() + 1) + "+0.5*n" + std::to_string(graph.extra_output);
}

// inputs: x (rows, cols), w stored as (cols, rows), the column scale (cols,).
Tensor run_graph(const Graph& graph, const std::vector<Tensor>& inputs) {
  const GraphInputs in{inputs[0].size(0), inputs[0].size(1), inputs[2]};
  std::vector<Tensor> values{inputs[0], inputs[1].t()};
  for (const Node& node : graph.nodes) values.push_back(kOps[node.op].apply(values[node.lhs], values[node.rhs], in));
  return values.back() + values[graph.extra_output] * 0.5;
}

TEST(RandomGraphs, GradientsMatchFiniteDifferencesInFloat64) {
  int failures = 0;
  for (uint64_t seed = 1; seed <= kGraphs && failures < kMaxReportedFailures; ++seed) {
    Generator gen(seed);
    const auto rows = 2 + static_cast<int64_t>(gen.randint(3)), cols = 2 + static_cast<int64_t>(gen.randint(3));
    const Graph graph = random_graph(gen);
    const std::vector<Tensor> inputs{Tensor::normal({rows, cols}, 0, 1, DType::f64, &gen),
                                     Tensor::normal({cols, rows}, 0, 1, DType::f64, &gen),
                                     Tensor::normal({cols}, 0, 1, DType::f64, &gen)};
    const GradcheckResult result =
        gradcheck([&graph](const std::vector<Tensor>& in) { return run_graph(graph, in); }, inputs);
    if (!result.ok) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << ", shape (" << rows << ", " << cols << "): " << describe(graph) << "\n"
                    << result.message;
    }
  }
}

// The generator reaches every op, and most graphs reuse a node.
TEST(RandomGraphs, CoverEveryOpAndShareSubexpressions) {
  std::vector<int> uses(kOpCount, 0);
  int shared = 0;
  for (uint64_t seed = 1; seed <= kGraphs; ++seed) {
    Generator gen(seed);
    gen.randint(3);
    gen.randint(3);
    const Graph graph = random_graph(gen);
    std::vector<int> operand_uses(graph.nodes.size() + 2, 0);
    for (const Node& node : graph.nodes) {
      ++uses[node.op];
      ++operand_uses[node.lhs];
      ++operand_uses[node.rhs];
    }
    shared += std::any_of(operand_uses.begin(), operand_uses.end(), [](int n) { return n > 1; });
  }
  for (uint64_t op = 0; op < kOpCount; ++op) EXPECT_GT(uses[op], 10) << kOps[op].name;
  EXPECT_GT(shared, kGraphs / 2);
}

}  // namespace
