// Module bookkeeping: names, modes, state dicts, dtype conversion, printing.
#include "descent/nn/module.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "descent/tensor/grad_mode.hpp"

namespace descent {

std::string class_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status),
                                                   std::free);
  const std::string qualified = status == 0 ? demangled.get() : type.name();
  // Drop the qualifiers before the last "::" outside template arguments and parentheses
  // ("descent::Linear", "(anonymous namespace)::Net", "Test::TestBody()::Net").
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i + 1 < qualified.size(); ++i) {
    const char c = qualified[i];
    if (c == '<' || c == '(')
      ++depth;
    else if (c == '>' || c == ')')
      --depth;
    else if (depth == 0 && c == ':' && qualified[i + 1] == ':')
      start = i + 2;
  }
  return qualified.substr(start);
}

Tensor Module::forward(const Tensor&) {
  throw Error("Module " + name() +
              " has no single-input forward: override `Tensor forward(const Tensor& x) override` "
              "(a forward taking the tensor by value or several tensors does not override it)");
}

std::string Module::name() const { return name_.empty() ? class_name(typeid(*this)) : name_; }

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  t.requires_grad_(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  buffers_.emplace_back(name, t);
  return t;
}

void Module::collect(const std::string& prefix, NamedTensors& out, bool buffers) const {
  for (const auto& [n, t] : buffers ? buffers_ : params_) out.emplace_back(prefix + n, t);
  for (const auto& [n, child] : children_) child->collect(prefix + n + ".", out, buffers);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", out, false);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", out, true);
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out = named_parameters();
  for (auto& nb : named_buffers()) out.push_back(nb);
  return out;
}

void Module::load_state_dict(const NamedTensors& tensors) {
  std::map<std::string, const Tensor*> given;
  for (const auto& [n, t] : tensors) given[n] = &t;
  const NamedTensors mine = state_dict();
  // Check everything first, so a mismatch leaves the model unchanged.
  for (const auto& [n, t] : mine) {
    auto it = given.find(n);
    if (it == given.end())
      throw ShapeError("load_state_dict: missing tensor '" + n + "' (shape " + t.shape().str() + ")");
    if (!(it->second->shape() == t.shape()))
      throw ShapeError("load_state_dict: tensor '" + n + "' has shape " + it->second->shape().str() +
                       " but the model expects " + t.shape().str());
  }
  if (given.size() != mine.size()) {
    std::map<std::string, bool> known;
    for (const auto& [n, t] : mine) known[n] = true;
    for (const auto& [n, t] : tensors)
      if (!known.count(n)) throw ShapeError("load_state_dict: unexpected tensor '" + n + "' not in the model");
  }
  NoGradGuard guard;
  for (const auto& [n, t] : mine) Tensor(t).copy_(*given[n]);
}

void Module::to(DType dtype) {
  check_floating(dtype, "Module::to");  // parameters need a gradient
  NoGradGuard guard;
  for (const auto& [key, tensor] : state_dict()) {
    if (tensor.dtype() == dtype) continue;
    const Tensor converted = tensor.to(dtype);  // contiguous
    TensorImpl& impl = tensor.impl();
    impl.storage = converted.impl().storage;
    impl.offset = 0;
    impl.strides = converted.strides();
    impl.dtype = dtype;
    impl.grad.reset();
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.zero_grad();
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& t : parameters()) n += t.numel();
  return n;
}

std::string Module::repr(int indent) const {
  std::ostringstream os;
  os << name() << "(" << extra_repr();
  if (!children_.empty()) {
    os << "\n";
    for (const auto& [n, child] : children_)
      os << std::string(static_cast<std::size_t>(indent + 2), ' ') << "(" << n << "): " << child->repr(indent + 2)
         << "\n";
    os << std::string(static_cast<std::size_t>(indent), ' ');
  }
  os << ")";
  return os.str();
}

}  // namespace descent
