// Merging caller options over an optimizer's defaults.
#include "descent/optim/hyperparameters.hpp"

namespace descent::optim {

Options with_defaults(const std::string& optimizer, const std::vector<Hyperparameter>& hyperparameters,
                      const Options& options) {
  Options out;
  for (const Hyperparameter& h : hyperparameters) out[h.name] = h.value;
  for (const auto& [key, value] : options) {
    if (!out.count(key)) {
      std::string valid;
      for (const Hyperparameter& h : hyperparameters) valid += (valid.empty() ? "" : ", ") + h.name;
      throw ValueError(optimizer + ": unknown hyperparameter '" + key + "' (valid: " + valid + ")");
    }
    out[key] = value;
  }
  return out;
}

}  // namespace descent::optim
