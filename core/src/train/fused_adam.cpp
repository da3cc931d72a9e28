#include "train/fused_adam.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

#include "evoaug/sdk/cpu_features.h"
#ifdef EVOAUG_SDK_X86
#include <immintrin.h>
#endif

namespace evoaug {
namespace detail {
namespace {

// The order of operations is LibTorch's (torch/csrc/api/src/optim/adam.cpp), so that the
// two differ by rounding only: the scalar divisor sqrt(bias_correction2) becomes a
// multiplication by its float reciprocal, as ATen's div does with a CPU scalar.
inline void adam_update_loop(float* __restrict p, float* __restrict m, float* __restrict v,
                             const float* __restrict g, std::int64_t n, AdamCoefficients c) {
  const float one_minus_beta1 = 1.0f - c.beta1, one_minus_beta2 = 1.0f - c.beta2;
  for (std::int64_t i = 0; i < n; ++i) {
    const float grad = c.weight_decay != 0.0f ? g[i] + c.weight_decay * p[i] : g[i];
    const float mi = m[i] * c.beta1 + one_minus_beta1 * grad;
    const float vi = v[i] * c.beta2 + one_minus_beta2 * (grad * grad);
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) * c.inv_sqrt_bias_correction2 + c.eps;
    p[i] = p[i] - c.step_size * (mi / denom);
  }
}

#ifdef EVOAUG_SDK_X86
// Written with intrinsics because the compiler will not vectorise std::sqrt while it may
// have to set errno (-fmath-errno, the default), and the flag cannot differ for one file
// without losing the precompiled header.
__attribute__((target("avx2,fma"))) void adam_update_avx2(float* p, float* m, float* v, const float* g,
                                                           std::int64_t n, const AdamCoefficients& c) {
  const __m256 beta1 = _mm256_set1_ps(c.beta1), beta2 = _mm256_set1_ps(c.beta2);
  const __m256 one_minus_beta1 = _mm256_set1_ps(1.0f - c.beta1), one_minus_beta2 = _mm256_set1_ps(1.0f - c.beta2);
  const __m256 decay = _mm256_set1_ps(c.weight_decay), eps = _mm256_set1_ps(c.eps);
  const __m256 inv_sqrt_bc2 = _mm256_set1_ps(c.inv_sqrt_bias_correction2), step = _mm256_set1_ps(c.step_size);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 pi = _mm256_loadu_ps(p + i);
    __m256 grad = _mm256_loadu_ps(g + i);
    if (c.weight_decay != 0.0f) grad = _mm256_fmadd_ps(decay, pi, grad);
    const __m256 mi = _mm256_fmadd_ps(one_minus_beta1, grad, _mm256_mul_ps(_mm256_loadu_ps(m + i), beta1));
    const __m256 vi =
        _mm256_fmadd_ps(one_minus_beta2, _mm256_mul_ps(grad, grad), _mm256_mul_ps(_mm256_loadu_ps(v + i), beta2));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m256 denom = _mm256_fmadd_ps(_mm256_sqrt_ps(vi), inv_sqrt_bc2, eps);
    _mm256_storeu_ps(p + i, _mm256_fnmadd_ps(step, _mm256_div_ps(mi, denom), pi));
  }
  adam_update_loop(p + i, m + i, v + i, g + i, n - i, c);
}
#endif

void adam_update_range(float* p, float* m, float* v, const float* g, std::int64_t n, const AdamCoefficients& c) {
#ifdef EVOAUG_SDK_X86
  if (sdk::has_avx2_fma()) return adam_update_avx2(p, m, v, g, n, c);
#endif
  adam_update_loop(p, m, v, g, n, c);
}

}  // namespace

void adam_update(float* p, float* m, float* v, const float* g, std::int64_t n, const AdamCoefficients& c) {
  constexpr std::int64_t kGrain = 16384;  // below this, one thread does it faster
  at::parallel_for(0, n, kGrain, [&](std::int64_t begin, std::int64_t end) {
    adam_update_range(p + begin, m + begin, v + begin, g + begin, end - begin, c);
  });
}

}  // namespace detail

namespace {

// The optimizer's state is keyed by the parameter's TensorImpl: as a string in LibTorch
// 1.x (the address as an ostream prints it, c10::guts::to_string, gone in 2.x), as the
// pointer itself in 2.x.
template <class Map>
auto state_key(const Map&, const at::Tensor& p) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    std::ostringstream address;
    address << p.unsafeGetTensorImpl();
    return address.str();
  } else {
    return static_cast<typename Map::key_type>(p.unsafeGetTensorImpl());
  }
}

bool fusable(const at::Tensor& t, std::int64_t numel) {
  return t.defined() && t.layout() == at::kStrided && t.device().is_cpu() && t.scalar_type() == at::kFloat &&
         t.is_contiguous() && t.numel() == numel;
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  // AMSGrad, or any parameter or state the loop does not handle (a CUDA parameter, a
  // state loaded in another dtype): LibTorch's own step, whole.
  for (const auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdamOptions&>(group.options()).amsgrad()) return Adam::step(closure);
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (!fusable(p, p.numel()) || !fusable(p.grad(), p.numel())) return Adam::step(closure);
      const auto found = state_.find(state_key(state_, p));
      if (found == state_.end()) continue;
      const auto& state = static_cast<const torch::optim::AdamParamState&>(*found->second);
      if (!fusable(state.exp_avg(), p.numel()) || !fusable(state.exp_avg_sq(), p.numel())) return Adam::step(closure);
    }
  }
  RECORD_FUNCTION("evoaug::fused_adam", std::vector<c10::IValue>());
  at::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const at::Tensor& grad = p.grad();
      auto key = state_key(state_, p);
      auto found = state_.find(key);
      if (found == state_.end()) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, at::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Preserve));
        found = state_.emplace(key, std::move(fresh)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*found->second);
      state.step(state.step() + 1);
      const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
      const double bias_correction1 = 1 - std::pow(beta1, state.step());
      const double bias_correction2 = 1 - std::pow(beta2, state.step());
      detail::AdamCoefficients c{};
      c.beta1 = static_cast<float>(beta1);
      c.beta2 = static_cast<float>(beta2);
      c.weight_decay = static_cast<float>(options.weight_decay());
      c.eps = static_cast<float>(options.eps());
      c.inv_sqrt_bias_correction2 = 1.0f / static_cast<float>(std::sqrt(bias_correction2));
      c.step_size = static_cast<float>(options.lr() / bias_correction1);
      detail::adam_update(p.data_ptr<float>(), state.exp_avg().data_ptr<float>(),
                          state.exp_avg_sq().data_ptr<float>(), grad.data_ptr<float>(), p.numel(), c);
    }
  }
  return loss;
}

}  // namespace evoaug
