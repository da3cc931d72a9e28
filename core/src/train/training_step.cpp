#include "train/training_step.h"

#include <ATen/record_function.h>
#include <torch/torch.h>

#include "distributed/gradient_reducer.h"
#include "evoaug/error.h"
#include "train/autocast_scope.h"
#include "train/model_boundary.h"
#include "train/fused_adam.h"
#include "train/loss_scaler.h"
#include "train/seeds.h"

namespace evoaug {
namespace {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const StageSettings& s, sdk::Model& model) {
  auto params = model.parameters();
  if (s.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(params,
                                                 torch::optim::AdamWOptions(s.learning_rate).weight_decay(s.weight_decay));
  if (s.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(s.learning_rate).momentum(0.9).weight_decay(s.weight_decay));
  // A torch::optim::Adam (state, checkpoints), whose step is one pass per parameter.
  return std::make_unique<FusedAdam>(params, torch::optim::AdamOptions(s.learning_rate).weight_decay(s.weight_decay));
}

c10::ScalarType autocast_dtype(Precision precision) {
  switch (precision) {
    case Precision::bf16: return c10::kBFloat16;
    case Precision::fp16: return c10::kHalf;
    case Precision::fp32: break;
  }
  return c10::kFloat;
}

}  // namespace

LossKind resolve_loss(const std::string& setting, sdk::OutputKind kind) {
  if (setting == "mse") return LossKind::mse;
  if (setting == "bce") return LossKind::bce;
  return kind == sdk::OutputKind::regression ? LossKind::mse : LossKind::bce;
}

at::Tensor loss_value(LossKind loss, const at::Tensor& outputs, const at::Tensor& targets) {
  // In float32 whatever the forward pass ran in: a bf16/fp16 loss would lose the small
  // differences that training is made of.
  const at::Tensor out = outputs.to(at::kFloat);
  return loss == LossKind::mse ? torch::mse_loss(out, targets) : torch::binary_cross_entropy_with_logits(out, targets);
}

BatchPreparer::BatchPreparer(BatchLoader::Epoch epoch, const AugmentPipeline& augment, bool augmenting,
                             c10::Device device, std::uint64_t epoch_seed, int part, int parts)
    : epoch_(std::move(epoch)),
      augment_(&augment),
      augmenting_(augmenting),
      device_(device),
      epoch_seed_(epoch_seed),
      part_(part),
      parts_(parts) {}

TrainingBatch BatchPreparer::operator()(std::int64_t index) const {
  RECORD_FUNCTION("evoaug::prepare_batch", std::vector<c10::IValue>());
  Batch batch = parts_ > 1 ? epoch_.batch(index, part_, parts_) : epoch_.batch(index);
  std::uint64_t seed = derive_seed(epoch_seed_, static_cast<std::uint64_t>(index));
  if (parts_ > 1) seed = derive_seed(seed, kRankSalt + static_cast<std::uint64_t>(part_));  // each rank its own draws
  at::Generator generator = make_generator(device_, seed);
  TrainingBatch out;
  out.x = augmenting_ ? augment_->augment(batch.x, generator) : augment_->pad(batch.x, generator);
  out.y = std::move(batch.y);
  return out;
}

void check_precision(Precision precision, c10::Device device) {
  if (precision == Precision::fp16 && !device.is_cuda())
    throw Error("[runtime] precision = \"fp16\" needs a CUDA device (this run trains on " + device.str() +
                "); use \"bf16\" for reduced precision on the CPU, or \"fp32\"");
}

struct TrainingStep::Impl {
  sdk::Model* model;
  LossKind loss;
  Precision precision;
  c10::Device device = c10::kCPU;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  LossScaler scaler;
  std::vector<at::Tensor> parameters;
  std::int64_t skipped = 0;
  GradientReducer* reducer = nullptr;
};

TrainingStep::TrainingStep(sdk::Model& model, const StageSettings& settings, LossKind loss, Precision precision,
                           c10::Device device)
    : impl_(std::make_unique<Impl>()) {
  check_precision(precision, device);
  impl_->model = &model;
  impl_->loss = loss;
  impl_->precision = precision;
  impl_->device = device;
  impl_->optimizer = make_optimizer(settings, model);
  impl_->parameters = model.parameters();
}

TrainingStep::~TrainingStep() = default;

double TrainingStep::run(const TrainingBatch& batch) {
  Impl& s = *impl_;
  at::Tensor outputs;
  {
    AutocastScope autocast(s.device, autocast_dtype(s.precision));
    outputs = forward_at_boundary(*s.model, batch.x);
  }
  const at::Tensor loss = loss_value(s.loss, outputs, batch.y);
  double value = loss.item<double>();
  // Every rank learns the global batch's loss before its backward, so that all take the
  // step, or all stop on a broken loss, together.
  at::Tensor objective = loss;
  if (s.reducer) {
    value = s.reducer->start_step(value, batch.size());
    if (s.reducer->loss_scale() != 1.0) objective = loss * s.reducer->loss_scale();
  }
  if (!std::isfinite(value)) return value;  // the caller stops the stage; no step on a broken loss
  s.optimizer->zero_grad();
  if (s.precision == Precision::fp16) {
    backward_at_boundary(*s.model, s.scaler.scale(objective));
    if (s.reducer) s.reducer->finish_step();
    // The gradients are the same on every rank now, and so is this decision.
    if (!s.scaler.unscale(s.parameters)) {
      ++s.skipped;  // overflowed gradients: skip the step, the scale is now smaller
      return value;
    }
  } else {
    backward_at_boundary(*s.model, objective);
    if (s.reducer) s.reducer->finish_step();
  }
  s.optimizer->step();
  return value;
}

torch::optim::Optimizer& TrainingStep::optimizer() { return *impl_->optimizer; }

void TrainingStep::set_gradient_reducer(GradientReducer* reducer) { impl_->reducer = reducer; }

void TrainingStep::set_learning_rate(double learning_rate) {
  for (auto& group : impl_->optimizer->param_groups()) group.options().set_lr(learning_rate);
}

std::int64_t TrainingStep::skipped_steps() const { return impl_->skipped; }

}  // namespace evoaug
