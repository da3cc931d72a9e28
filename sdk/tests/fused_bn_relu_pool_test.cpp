// The fused batch norm -> ReLU -> max-pool of ConvBlock against LibTorch's separate
// modules: outputs, running statistics and every gradient agree; ties and NaN behave as
// LibTorch's max-pool; the result does not depend on the number of threads, and more
// than one is used.
#include "catch.h"
#include <evoaug/sdk/fused_bn_relu_pool.h>
#include <evoaug/sdk/layers.h>
#include <torch/torch.h>

#include <cmath>
#include <mutex>
#include <set>

namespace {

namespace fused = evoaug::sdk::fused;
namespace layers = evoaug::sdk::layers;

struct Outcome {
  at::Tensor out, running_mean, running_var, dz, dweight, dbias;
};

// z -> batch norm (training) -> ReLU -> max-pool, by LibTorch's modules or fused.
Outcome run(const at::Tensor& z0, const at::Tensor& weight0, const at::Tensor& bias0, const at::Tensor& grad,
            std::int64_t pool, bool use_fused) {
  auto z = z0.clone().requires_grad_();
  auto weight = weight0.clone().requires_grad_(), bias = bias0.clone().requires_grad_();
  auto running_mean = torch::full({z0.size(1)}, 0.5, z0.options()), running_var = torch::full({z0.size(1)}, 2.0, z0.options());
  at::Tensor out;
  if (use_fused) {
    REQUIRE(fused::can_fuse(z, weight, bias, running_mean, running_var, pool));
    out = fused::bn_relu_pool(z, weight, bias, running_mean, running_var, 0.1, 1e-5, pool);
  } else {
    out = torch::relu(torch::batch_norm(z, weight, bias, running_mean, running_var, true, 0.1, 1e-5, false));
    if (pool > 1) out = torch::max_pool1d(out, pool);
  }
  (out * grad).sum().backward();
  return {out.detach(), running_mean, running_var, z.grad(), weight.grad(), bias.grad()};
}

void check_close(const Outcome& a, const Outcome& b) {
  CHECK(a.out.sizes() == b.out.sizes());
  CHECK(torch::allclose(a.out, b.out, 1e-5, 1e-5));
  CHECK(torch::allclose(a.running_mean, b.running_mean, 1e-5, 1e-6));
  CHECK(torch::allclose(a.running_var, b.running_var, 1e-5, 1e-6));
  CHECK(torch::allclose(a.dz, b.dz, 1e-4, 1e-5));
  CHECK(torch::allclose(a.dweight, b.dweight, 1e-4, 1e-4));
  CHECK(torch::allclose(a.dbias, b.dbias, 1e-4, 1e-4));
}

}  // namespace

TEST_CASE("fused batch norm, ReLU and max-pool match LibTorch's modules", "[sdk][fused]") {
  for (std::int64_t pool : {1, 2, 3, 4, 5}) {
    for (std::int64_t length : {5, 37, 40}) {  // under one vector of windows; with and without a floored tail
      CAPTURE(pool, length);
      auto g = torch::make_generator<at::CPUGeneratorImpl>(pool * 100 + length);
      const auto z = torch::randn({6, 5, length}, g) * 3 + 1;
      const auto weight = torch::rand({5}, g) + 0.5, bias = torch::randn({5}, g);
      const auto grad = torch::randn({6, 5, length / pool}, g);
      check_close(run(z, weight, bias, grad, pool, true), run(z, weight, bias, grad, pool, false));
    }
  }
}

TEST_CASE("fused evaluation-mode batch norm, ReLU and max-pool match LibTorch's modules", "[sdk][fused]") {
  for (std::int64_t pool : {1, 2, 3, 4, 5}) {
    for (std::int64_t length : {5, 37, 40}) {
      CAPTURE(pool, length);
      auto g = torch::make_generator<at::CPUGeneratorImpl>(pool * 10 + length);
      const auto z = torch::randn({6, 5, length}, g) * 3 + 1;
      const auto weight = torch::rand({5}, g) + 0.5, bias = torch::randn({5}, g);
      const auto running_mean = torch::randn({5}, g), running_var = torch::rand({5}, g) + 0.1;
      torch::NoGradGuard no_grad;
      REQUIRE(fused::can_fuse(z, weight, bias, running_mean, running_var, pool));
      const auto fused_out = fused::bn_relu_pool_inference(z, weight, bias, running_mean, running_var, 1e-5, pool);
      auto expected = torch::relu(torch::batch_norm(z, weight, bias, running_mean, running_var, /*training=*/false,
                                                    0.1, 1e-5, /*cudnn_enabled=*/false));
      if (pool > 1) expected = torch::max_pool1d(expected, pool);
      CHECK(torch::allclose(fused_out, expected, 1e-5, 1e-5));
    }
  }
}

TEST_CASE("fused max-pool: the first of tied maxima takes the gradient, and NaN propagates", "[sdk][fused]") {
  // Every window holds equal values: LibTorch's max-pool routes the gradient to the first.
  // 16 windows a row, so that the vectorised loops (eight windows at a time) see them.
  auto g = torch::make_generator<at::CPUGeneratorImpl>(5);
  const auto weight = torch::ones({3}), bias = torch::zeros({3});
  for (std::int64_t pool : {2, 3, 4}) {
    CAPTURE(pool);
    const auto window_values = torch::randn({4, 3, 16, 1}, g);
    const auto z = window_values.expand({4, 3, 16, pool}).reshape({4, 3, 16 * pool}).contiguous();
    const auto grad = torch::randn({4, 3, 16}, g);
    check_close(run(z, weight, bias, grad, pool, true), run(z, weight, bias, grad, pool, false));
    // Ties between the last two positions only: the earlier of them wins.
    auto late_tie = torch::randn({4, 3, 16, pool}, g) - 3;
    late_tie.select(3, pool - 1).copy_(late_tie.select(3, pool - 2).fill_(2.0));
    const auto zt = late_tie.reshape({4, 3, 16 * pool});
    check_close(run(zt, weight, bias, grad, pool, true), run(zt, weight, bias, grad, pool, false));
  }

  auto with_nan = torch::randn({2, 2, 8}, g);
  with_nan[0][1][3] = NAN;  // NaN statistics for channel 1: every output of it is NaN, as in LibTorch
  const auto fused_out = run(with_nan, torch::ones({2}), torch::zeros({2}), torch::ones({2, 2, 4}), 2, true).out;
  const auto torch_out = run(with_nan, torch::ones({2}), torch::zeros({2}), torch::ones({2, 2, 4}), 2, false).out;
  CHECK(torch::equal(fused_out.isnan(), torch_out.isnan()));
  CHECK(fused_out.select(1, 1).isnan().all().item<bool>());
  CHECK(torch::allclose(fused_out.select(1, 0), torch_out.select(1, 0), 1e-5, 1e-5));
}

TEST_CASE("fused results do not depend on the number of threads", "[sdk][fused]") {
  auto g = torch::make_generator<at::CPUGeneratorImpl>(9);
  const auto z = torch::randn({16, 64, 50}, g);
  const auto weight = torch::rand({64}, g) + 0.5, bias = torch::randn({64}, g);
  const auto grad = torch::randn({16, 64, 25}, g);
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const auto one = run(z, weight, bias, grad, 2, true);
  at::set_num_threads(2);
  const auto two = run(z, weight, bias, grad, 2, true);
  at::set_num_threads(threads);
  CHECK(torch::equal(one.out, two.out));
  CHECK(torch::equal(one.dz, two.dz));
  CHECK(torch::equal(one.dweight, two.dweight));
  CHECK(torch::equal(one.running_var, two.running_var));
}

TEST_CASE("the SDK's kernels run on the threads asked for: its users compile with OpenMP", "[sdk][fused]") {
  // at::parallel_for is a header template: in a translation unit compiled without OpenMP
  // it runs every range on the calling thread, and the kernels above were serial whatever
  // [runtime] threads said. This file is compiled as the plugins are (EvoAug::sdk).
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  std::mutex mutex;
  std::set<int> seen;
  at::parallel_for(0, 64, 1, [&](std::int64_t, std::int64_t) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.insert(at::get_thread_num());
  });
  at::set_num_threads(threads);
  CHECK(seen.size() == 2);
}

TEST_CASE("ConvBlock trains and evaluates the same fused or not; float64 uses the modules", "[sdk][fused]") {
  torch::manual_seed(3);
  layers::ConvBlock fused_block(layers::ConvBlockOptions(4, 8, 5).pool(4));
  layers::ConvBlock plain_block(layers::ConvBlockOptions(4, 8, 5).pool(4).fused(false));
  {
    torch::NoGradGuard no_grad;
    auto from = fused_block->named_parameters();
    for (auto& p : plain_block->named_parameters()) p.value().copy_(from[p.key()]);
  }
  auto g = torch::make_generator<at::CPUGeneratorImpl>(2);
  const auto x = torch::rand({8, 4, 30}, g);
  for (int step = 0; step < 2; ++step) {  // twice: running stats and num_batches_tracked move alike
    fused_block->zero_grad();
    plain_block->zero_grad();
    const auto a = fused_block->forward(x), b = plain_block->forward(x);
    CHECK(torch::allclose(a, b, 1e-5, 1e-5));
    a.pow(2).sum().backward();
    b.pow(2).sum().backward();
    const auto gf = fused_block->conv->weight.grad(), gp = plain_block->conv->weight.grad();
    INFO("max |difference| " << (gf - gp).abs().max().item<double>() << ", max |grad| " << gp.abs().max().item<double>());
    CHECK(torch::allclose(gf, gp, 1e-4, 1e-4 * gp.abs().max().item<double>()));
    CHECK(torch::allclose(fused_block->bn->weight.grad(), plain_block->bn->weight.grad(), 1e-4, 1e-5));
  }
  CHECK(torch::allclose(fused_block->bn->running_mean, plain_block->bn->running_mean, 1e-5, 1e-6));
  CHECK(torch::allclose(fused_block->bn->running_var, plain_block->bn->running_var, 1e-5, 1e-6));
  CHECK(fused_block->bn->num_batches_tracked.item<std::int64_t>() == 2);
  fused_block->eval();
  plain_block->eval();
  // Evaluation: the fused block's one pass without gradients, the modules' path with them;
  // both agree with the plain block (the running statistics agree to rounding).
  {
    torch::NoGradGuard no_grad;
    CHECK(torch::allclose(fused_block->forward(x), plain_block->forward(x), 1e-4, 1e-5));
  }
  const auto x_attributed = x.clone().requires_grad_(true);
  const auto y = fused_block->forward(x_attributed);
  REQUIRE(y.requires_grad());  // input attribution needs the graph in evaluation mode
  y.sum().backward();
  CHECK(x_attributed.grad().abs().sum().item<double>() > 0);
  CHECK(torch::allclose(y, plain_block->forward(x), 1e-4, 1e-5));

  const auto z64 = torch::randn({4, 3, 10}, torch::kFloat64);
  CHECK_FALSE(fused::can_fuse(z64, torch::ones({3}, torch::kFloat64), torch::zeros({3}, torch::kFloat64),
                              torch::zeros({3}, torch::kFloat64), torch::ones({3}, torch::kFloat64), 2));
  CHECK_FALSE(fused::can_fuse(torch::randn({1, 3, 1}), torch::ones({3}), torch::zeros({3}), torch::zeros({3}),
                              torch::ones({3}), 1));  // one value per channel: LibTorch's own error applies
}
