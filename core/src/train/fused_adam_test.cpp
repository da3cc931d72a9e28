// FusedAdam: LibTorch's Adam, in one pass per parameter. Same results up to float
// rounding, the same state and serialization, LibTorch's own code where it cannot fuse.
#include "catch.h"
#include <torch/torch.h>

#include <sstream>

#include "train/fused_adam.h"

namespace {

// Parameters of awkward sizes: one below the vector width, one with a tail, one large
// enough to be split across threads.
std::vector<at::Tensor> make_parameters(std::uint64_t seed, at::ScalarType dtype = at::kFloat) {
  auto g = torch::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<at::Tensor> params;
  for (std::int64_t n : {5, 67, 70001}) params.push_back(torch::randn({n}, g).to(dtype).set_requires_grad(true));
  return params;
}

std::vector<at::Tensor> copies(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().set_requires_grad(true));
  return out;
}

// The same gradients for both optimizers: a fixed function of the step and the values.
void set_gradients(std::vector<at::Tensor>& params, int step) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    at::NoGradGuard no_grad;
    const at::Tensor g = torch::sin(params[i].detach() * (1.0 + step)) * (0.1 * static_cast<double>(i + 1)) +
                         1e-3 * static_cast<double>(step);
    params[i].mutable_grad() = g.contiguous();
  }
}

void run_steps(torch::optim::Optimizer& optimizer, std::vector<at::Tensor>& params, int first, int count) {
  for (int s = first; s < first + count; ++s) {
    set_gradients(params, s);
    optimizer.step();
  }
}

// The largest difference between two sets of parameters, in units of the learning rates
// used here (1e-2 and below): what one step can move a parameter by.
double max_difference(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, (a[i].detach().to(at::kDouble) - b[i].detach().to(at::kDouble)).abs().max().item<double>());
  return worst;
}

}  // namespace

TEST_CASE("FusedAdam takes LibTorch Adam's steps, up to float rounding", "[train][optimizer]") {
  for (const double decay : {0.0, 1e-2}) {
    INFO("weight_decay " << decay);
    auto reference = make_parameters(11), fused = copies(reference);
    const auto options = torch::optim::AdamOptions(3e-3).weight_decay(decay).betas({0.8, 0.95}).eps(1e-6);
    torch::optim::Adam adam(reference, options);
    evoaug::FusedAdam fused_adam(fused, options);
    run_steps(adam, reference, 0, 6);
    run_steps(fused_adam, fused, 0, 6);
    CHECK(max_difference(fused, reference) < 1e-5);
    // The parameters moved: a step that did nothing would pass the comparison above.
    CHECK(max_difference(fused, make_parameters(11)) > 1e-3);
    // One LibTorch AdamParamState per parameter, six steps in each.
    CHECK(fused_adam.state().size() == fused.size());
    for (const auto& entry : fused_adam.state())
      CHECK(static_cast<const torch::optim::AdamParamState&>(*entry.second).step() == 6);
  }
}

TEST_CASE("FusedAdam's results do not depend on the number of threads", "[train][optimizer]") {
  const int threads_before = at::get_num_threads();
  std::vector<std::vector<at::Tensor>> results;
  for (const int threads : {1, 2}) {
    at::set_num_threads(threads);
    auto params = make_parameters(5);
    evoaug::FusedAdam adam(params, torch::optim::AdamOptions(1e-2));
    run_steps(adam, params, 0, 4);
    results.push_back(params);
  }
  at::set_num_threads(threads_before);
  for (std::size_t i = 0; i < results[0].size(); ++i) CHECK(torch::equal(results[0][i], results[1][i]));
}

TEST_CASE("FusedAdam's state moves to and from LibTorch's Adam", "[train][optimizer]") {
  const auto options = torch::optim::AdamOptions(1e-2);
  auto fused = make_parameters(7), reference = copies(fused);
  evoaug::FusedAdam fused_adam(fused, options);
  torch::optim::Adam adam(reference, options);
  run_steps(fused_adam, fused, 0, 3);
  run_steps(adam, reference, 0, 3);

  // Each hands its state to an optimizer of the other kind, which takes three more steps.
  std::ostringstream from_fused, from_reference;
  {
    torch::serialize::OutputArchive archive;
    fused_adam.save(archive);
    archive.save_to(from_fused);
  }
  {
    torch::serialize::OutputArchive archive;
    adam.save(archive);
    archive.save_to(from_reference);
  }
  auto resumed_plain = copies(fused), resumed_fused = copies(reference);
  torch::optim::Adam plain(resumed_plain, options);
  evoaug::FusedAdam fused_again(resumed_fused, options);
  {
    std::istringstream in(from_fused.str());
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    plain.load(archive);
  }
  {
    std::istringstream in(from_reference.str());
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    fused_again.load(archive);
  }
  run_steps(plain, resumed_plain, 3, 3);
  run_steps(fused_again, resumed_fused, 3, 3);
  run_steps(fused_adam, fused, 3, 3);
  CHECK(max_difference(resumed_plain, fused) < 1e-5);
  CHECK(max_difference(resumed_fused, fused) < 1e-5);
  // Without the moment estimates, a fresh optimizer takes a different path.
  auto fresh = copies(reference);
  torch::optim::Adam restarted(fresh, options);
  run_steps(restarted, fresh, 3, 3);
  CHECK(max_difference(fresh, fused) > 1e-4);
}

TEST_CASE("FusedAdam leaves to LibTorch what it does not fuse, with LibTorch's exact results", "[train][optimizer]") {
  SECTION("AMSGrad") {
    auto reference = make_parameters(3), fused = copies(reference);
    const auto options = torch::optim::AdamOptions(1e-2).amsgrad(true);
    torch::optim::Adam adam(reference, options);
    evoaug::FusedAdam fused_adam(fused, options);
    run_steps(adam, reference, 0, 3);
    run_steps(fused_adam, fused, 0, 3);
    for (std::size_t i = 0; i < fused.size(); ++i) CHECK(torch::equal(fused[i], reference[i]));
  }
  SECTION("float64 parameters") {
    auto reference = make_parameters(3, at::kDouble), fused = copies(reference);
    torch::optim::Adam adam(reference, torch::optim::AdamOptions(1e-2));
    evoaug::FusedAdam fused_adam(fused, torch::optim::AdamOptions(1e-2));
    run_steps(adam, reference, 0, 3);
    run_steps(fused_adam, fused, 0, 3);
    for (std::size_t i = 0; i < fused.size(); ++i) CHECK(torch::equal(fused[i], reference[i]));
  }
}

TEST_CASE("adam_update computes Adam's formula for one element", "[train][optimizer]") {
  float p = 1.0f, m = 0.5f, v = 0.25f;
  const float g = 2.0f;
  evoaug::detail::AdamCoefficients c{0.9f, 0.99f, 0.1f, 1e-8f, 2.0f, 0.01f};
  evoaug::detail::adam_update(&p, &m, &v, &g, 1, c);
  const double grad = 2.0 + 0.1 * 1.0;
  const double m_expected = 0.9 * 0.5 + 0.1 * grad, v_expected = 0.99 * 0.25 + 0.01 * grad * grad;
  CHECK(m == Approx(m_expected).epsilon(1e-6));
  CHECK(v == Approx(v_expected).epsilon(1e-6));
  CHECK(p == Approx(1.0 - 0.01 * m_expected / (std::sqrt(v_expected) * 2.0 + 1e-8)).epsilon(1e-6));
}
