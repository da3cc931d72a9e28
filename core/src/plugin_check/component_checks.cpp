// The behavioural checks of `evoaug plugin check`: each component is built with its
// defaults and run on random one-hot batches, on every device at hand.
#include "plugin_check/component_checks.h"

#include <torch/torch.h>

#include <sstream>

#include "evoaug/augment_pipeline.h"
#include "evoaug/error.h"
#include "evoaug/error_text.h"

namespace evoaug::plugin_check {
namespace {

constexpr std::int64_t kAlphabet = 4;
/// Data seeds of the test batches (independent of the seed under test).
constexpr std::uint64_t kDataSeed = 12345;

std::vector<c10::Device> devices_of(const PluginCheckOptions& options) {
  if (!options.devices.empty()) return options.devices;
  std::vector<c10::Device> devices{c10::Device(c10::kCPU)};
  if (torch::cuda::is_available()) devices.emplace_back(c10::kCUDA, 0);
  return devices;
}

std::string shape_text(at::IntArrayRef sizes) {
  std::ostringstream out;
  out << "(";
  for (std::size_t i = 0; i < sizes.size(); ++i) out << (i ? ", " : "") << sizes[i];
  out << ")";
  return out.str();
}

/// Random one-hot DNA (n, 4, length) of `dtype` on `device`.
at::Tensor one_hot_batch(std::int64_t n, std::int64_t length, at::ScalarType dtype, c10::Device device,
                         std::uint64_t seed = kDataSeed) {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::one_hot(at::randint(0, kAlphabet, {n, length}, g, at::kLong), kAlphabet)
      .permute({0, 2, 1})
      .to(device, dtype)
      .contiguous();
}

bool is_one_hot(const at::Tensor& batch) {
  return ((batch == 0) | (batch == 1)).all().item<bool>() && batch.sum(1).eq(1).all().item<bool>();
}

/// The input variants an augmentation must accept: float32 and float64 on every device.
struct Case {
  c10::Device device;
  at::ScalarType dtype;
  std::string name() const { return device.str() + " " + c10::toString(dtype); }
};

std::vector<Case> cases_of(const PluginCheckOptions& options) {
  std::vector<Case> cases;
  for (const auto& device : devices_of(options))
    for (auto dtype : {at::kFloat, at::kDouble}) cases.push_back({device, dtype});
  return cases;
}

/// Applies `op` to a fresh batch of `c`, with a generator seeded by `seed`; an exception
/// becomes a failure that names the case.
at::Tensor apply_case(const sdk::Augmentation& op, const Case& c, std::int64_t n, std::int64_t length,
                      std::uint64_t seed, at::Tensor* input = nullptr) {
  at::Tensor x = one_hot_batch(n, length, c.dtype, c.device);
  if (input) *input = x;
  at::Generator generator = make_generator(c.device, seed);
  try {
    return op.apply(x, generator);
  } catch (const std::exception& e) {
    throw CheckFailure(c.name() + ", " + shape_text(x.sizes()) + ": apply() threw: " + first_line(e));
  }
}

/// Moves the global generators on, so that an op drawing from them (not from the
/// generator it was given) gives another result the second time.
void disturb_global_generators(c10::Device device) {
  (void)at::rand({97});
  if (device.is_cuda()) (void)at::rand({97}, at::TensorOptions().device(device));
}

void check_shape(const at::Tensor& out, std::int64_t n, std::int64_t expected_length, const std::string& where) {
  const std::vector<std::int64_t> expected{n, kAlphabet, expected_length};
  if (out.sizes() != at::IntArrayRef(expected))
    throw CheckFailure(where + ": output shape " + shape_text(out.sizes()) + " but output_length() promised " +
                       shape_text(expected));
}

}  // namespace

void check_augmentation(std::vector<CheckOutcome>& outcomes, const PluginRegistry& registry,
                        const ComponentListing& component, const PluginCheckOptions& options) {
  const std::string& name = component.name;
  const std::int64_t length = options.length, n = options.batch_size;
  const sdk::Params defaults = sdk::Params::defaults(*component.schema);
  std::shared_ptr<sdk::Augmentation> op;
  run_check(outcomes, name, "builds with its defaults", [&] {
    op = registry.make_augmentation(name, defaults, sdk::SequenceShape{kAlphabet, length});
    if (!op) throw CheckFailure("the factory returned no object");
    return "L = " + std::to_string(length);
  });
  if (!op) return;
  const auto cases = cases_of(options);

  run_check(outcomes, name, "keeps dtype and device", [&] {
    std::string seen;
    for (const auto& c : cases) {
      const at::Tensor out = apply_case(*op, c, n, length, options.seed);
      if (out.scalar_type() != c.dtype || out.device() != c.device)
        throw CheckFailure(c.name() + " input gave " + out.device().str() + " " + c10::toString(out.scalar_type()));
      seen += (seen.empty() ? "" : ", ") + c.name();
    }
    return seen;
  });

  run_check(outcomes, name, "reports its output length", [&] {
    const std::int64_t expected = op->output_length(length);
    if (expected < 1) throw CheckFailure("output_length(" + std::to_string(length) + ") = " + std::to_string(expected));
    // Several seeds: an op whose length depends on its draws shows it on some of them.
    for (const auto& c : cases)
      for (std::uint64_t s = 0; s < 4; ++s)
        check_shape(apply_case(*op, c, n, length, options.seed + s), n, expected, c.name());
    return "output_length(" + std::to_string(length) + ") = " + std::to_string(expected);
  });

  run_check(outcomes, name, "keeps columns one-hot", [&] {
    if (!op->keeps_one_hot()) return std::string("not checked: it declares keeps_one_hot() = false");
    for (const auto& c : cases)
      for (std::uint64_t s = 0; s < 4; ++s)
        if (!is_one_hot(apply_case(*op, c, n, length, options.seed + s)))
          throw CheckFailure(c.name() + ", seed " + std::to_string(options.seed + s) +
                             ": a column is not exactly one-hot, but keeps_one_hot() says true");
    return std::string("every column of every output");
  });

  run_check(outcomes, name, "reproducible under a seed", [&] {
    bool seeds_differ = false;
    for (const auto& c : cases) {
      const at::Tensor first = apply_case(*op, c, n, length, options.seed);
      disturb_global_generators(c.device);
      const at::Tensor again = apply_case(*op, c, n, length, options.seed);
      if (!first.equal(again))
        throw CheckFailure(c.name() + ": the same seed gave different outputs (does it draw from a generator other "
                                      "than the one apply() is given?)");
      seeds_differ = seeds_differ || !first.equal(apply_case(*op, c, n, length, options.seed + 1));
    }
    return std::string(seeds_differ ? "same seed, same output; another seed, another output"
                                    : "same seed, same output (deterministic: other seeds give it too)");
  });

  run_check(outcomes, name, "leaves its input untouched", [&] {
    for (const auto& c : cases) {
      at::Tensor input;
      apply_case(*op, c, n, length, options.seed, &input);
      if (!input.equal(one_hot_batch(n, length, c.dtype, c.device)))
        throw CheckFailure(c.name() + ": apply() modified its input batch in place");
    }
    return std::string("input unchanged");
  });

  run_check(outcomes, name, "survives the edge lengths", [&] {
    std::string detail;
    for (std::int64_t edge : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{1000}}) {
      std::shared_ptr<sdk::Augmentation> sized;
      try {
        sized = registry.make_augmentation(name, defaults, sdk::SequenceShape{kAlphabet, edge});
      } catch (const Error&) {
        detail += (detail.empty() ? "" : ", ") + ("L=" + std::to_string(edge) + " refused");
        continue;
      }
      const std::int64_t expected = sized->output_length(edge);
      for (const auto& c : cases)
        for (std::int64_t rows : {std::int64_t{1}, std::int64_t{3}}) {
          const std::string where = c.name() + ", L=" + std::to_string(edge) + ", N=" + std::to_string(rows);
          const at::Tensor out = apply_case(*sized, c, rows, edge, options.seed);
          check_shape(out, rows, expected, where);
          if (sized->keeps_one_hot() && !is_one_hot(out)) throw CheckFailure(where + ": a column is not one-hot");
        }
      detail += (detail.empty() ? "" : ", ") + ("L=" + std::to_string(edge) + " ok");
    }
    return detail + "; N=1 and 3";
  });
}

namespace {

/// Forward of (n, 4, length) on `device`; checks that it gives (n, tasks), finite.
at::Tensor forward_checked(sdk::Model& model, std::int64_t n, std::int64_t length, std::int64_t tasks,
                           c10::Device device, const std::string& where) {
  const at::Tensor x = one_hot_batch(n, length, at::kFloat, device);
  at::Tensor y;
  try {
    y = model.forward(x);
  } catch (const std::exception& e) {
    throw CheckFailure(where + ": forward" + shape_text(x.sizes()) + " threw: " + first_line(e));
  }
  if (y.sizes() != at::IntArrayRef({n, tasks}))
    throw CheckFailure(where + ": forward" + shape_text(x.sizes()) + " gave " + shape_text(y.sizes()) + ", expected (" +
                       std::to_string(n) + ", " + std::to_string(tasks) + ") = (N, T)");
  if (y.device() != device || y.scalar_type() != at::kFloat)
    throw CheckFailure(where + ": forward gave " + y.device().str() + " " + c10::toString(y.scalar_type()) +
                       " for float32 input on " + device.str());
  if (!at::isfinite(y).all().item<bool>()) throw CheckFailure(where + ": forward gave a value that is not finite");
  return y;
}

}  // namespace

void check_model(std::vector<CheckOutcome>& outcomes, const PluginRegistry& registry,
                 const ComponentListing& component, const PluginCheckOptions& options) {
  const std::string& name = component.name;
  const std::int64_t length = options.length, n = options.batch_size, tasks = options.tasks;
  const sdk::Params defaults = sdk::Params::defaults(*component.schema);
  auto build = [&](std::int64_t l, std::int64_t t) {
    return registry.make_model(name, defaults, sdk::ModelShape{kAlphabet, l, t});
  };
  std::shared_ptr<sdk::Model> model;
  run_check(outcomes, name, "builds with its defaults", [&] {
    model = build(length, tasks);
    if (!model) throw CheckFailure("the factory returned no object");
    if (model->parameters().empty()) throw CheckFailure("no parameters: were its layers registered (register_module)?");
    return "L = " + std::to_string(length) + ", T = " + std::to_string(tasks);
  });
  if (!model) return;

  run_check(outcomes, name, "forward gives (N, T)", [&] {
    const c10::Device cpu(c10::kCPU);
    model->train();
    forward_checked(*model, n, length, tasks, cpu, "train mode");
    model->eval();
    forward_checked(*model, n, length, tasks, cpu, "eval mode");
    forward_checked(*model, 1, length, tasks, cpu, "eval mode");
    for (std::int64_t t : {std::int64_t{1}, std::int64_t{3}}) {
      auto other = build(length, t);
      other->eval();
      forward_checked(*other, n, length, t, cpu, "T = " + std::to_string(t));
    }
    const auto kind = model->output_kind();
    return std::string("T = 1, ") + std::to_string(tasks) + ", 3; outputs are " +
           (kind == sdk::OutputKind::logits ? "logits" : "regression values");
  });

  run_check(outcomes, name, "backward reaches every parameter", [&] {
    model->train();
    model->zero_grad();
    const at::Tensor y = forward_checked(*model, n, length, tasks, c10::Device(c10::kCPU), "train mode");
    y.pow(2).mean().backward();
    std::size_t count = 0;
    for (const auto& p : model->named_parameters()) {
      if (!p.value().requires_grad()) continue;
      if (!p.value().grad().defined())
        throw CheckFailure("parameter '" + p.key() + "' got no gradient (is it used in forward?)");
      if (!at::isfinite(p.value().grad()).all().item<bool>())
        throw CheckFailure("parameter '" + p.key() + "' got a gradient that is not finite");
      ++count;
    }
    if (count == 0) throw CheckFailure("no trainable parameter");
    return std::to_string(count) + " trainable tensor(s)";
  });

  run_check(outcomes, name, "runs on every device", [&] {
    std::string seen;
    for (const auto& device : devices_of(options)) {
      auto placed = build(length, tasks);
      placed->to(device);
      placed->eval();
      forward_checked(*placed, n, length, tasks, device, device.str());
      seen += (seen.empty() ? "" : ", ") + device.str();
    }
    return seen;
  });

  run_check(outcomes, name, "initialisation reproducible under a seed", [&] {
    // The core seeds LibTorch's global generator before it builds a model.
    torch::manual_seed(options.seed);
    auto first = build(length, tasks);
    torch::manual_seed(options.seed);
    auto again = build(length, tasks);
    const auto a = first->named_parameters(), b = again->named_parameters();
    if (a.size() != b.size()) throw CheckFailure("two builds have different parameters");
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!a[i].value().equal(b[i].value()))
        throw CheckFailure("parameter '" + a[i].key() + "' differs between two builds under the same seed");
    return std::string("same seed, same weights");
  });

  run_check(outcomes, name, "survives the edge lengths", [&] {
    std::string detail;
    for (std::int64_t edge : {std::int64_t{1}, std::int64_t{8}, std::int64_t{1000}}) {
      std::shared_ptr<sdk::Model> sized;
      try {
        sized = build(edge, tasks);
      } catch (const Error&) {
        detail += (detail.empty() ? "" : ", ") + ("L=" + std::to_string(edge) + " refused");
        continue;
      }
      sized->eval();
      forward_checked(*sized, 2, edge, tasks, c10::Device(c10::kCPU), "L = " + std::to_string(edge));
      detail += (detail.empty() ? "" : ", ") + ("L=" + std::to_string(edge) + " ok");
    }
    return detail;
  });
}

}  // namespace evoaug::plugin_check
