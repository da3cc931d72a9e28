#include "evoaug/augment_pipeline.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "evoaug/error.h"
#include "evoaug/sdk/kernels.h"
#include "plugin/plugin_boundary.h"
#include "util/torch_compat.h"

namespace evoaug {
namespace kernels = sdk::kernels;

namespace {

/// An op's row kernel (see kernels::RowKernel) for one input length.
struct RowStep {
  std::int64_t length = 0;
  std::int64_t output_length = 0;
  const kernels::RowKernel* kernel = nullptr;
};

/// An op and the instances built for each input length it can meet.
struct PreparedOp {
  AugmentOp op;
  std::map<std::int64_t, std::shared_ptr<sdk::Augmentation>> by_length;
  /// The instances' row kernels, when every instance has one.
  std::vector<RowStep> row_steps;

  const RowStep& row_step(std::int64_t length) const {
    for (const RowStep& step : row_steps)
      if (step.length == length) return step;
    throw Error("augment: op '" + op.name + "' has no row kernel for length " + std::to_string(length));
  }

  const sdk::Augmentation& at_length(std::int64_t length) const {
    auto it = by_length.find(length);
    if (it == by_length.end())
      throw Error("augment: op '" + op.name + "' met sequences of length " + std::to_string(length) +
                  ", which no configured op sequence produces (an op's output_length() is not consistent)");
    return *it->second;
  }

  /// "augmentation 'deletion' (libevoaug_augmentations.so)": who to name when the op's
  /// code throws.
  template <class T>
  std::string describe(const T* instance) const {
    return "augmentation '" + op.name + "' (" + library_of(dynamic_cast<const void*>(instance)) + ")";
  }
};

/// Rows of `work` (N, A, Lw) narrowed to their first `length` positions, gathered into
/// a contiguous (rows, A, length) tensor.
at::Tensor gather_rows(const at::Tensor& work, const std::vector<std::int64_t>& rows, std::int64_t length) {
  const std::int64_t alphabet = work.size(1), stride = work.size(2);
  if (kernels::use_fast_path(work)) {
    at::Tensor out = at::empty({static_cast<std::int64_t>(rows.size()), alphabet, length}, work.options());
    const float* src = work.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (std::int64_t c = 0; c < alphabet; ++c)
        std::memcpy(dst + (static_cast<std::int64_t>(i) * alphabet + c) * length,
                    src + (rows[i] * alphabet + c) * stride, sizeof(float) * length);
    return out;
  }
  const at::Tensor index = at::tensor(rows, at::kLong).to(work.device());
  return work.narrow(2, 0, length).index_select(0, index);
}

/// Writes `values` (rows, A, l) back into the first l positions of those rows of `work`.
void scatter_rows(at::Tensor& work, const std::vector<std::int64_t>& rows, const at::Tensor& values) {
  const std::int64_t alphabet = work.size(1), stride = work.size(2), length = values.size(2);
  if (kernels::use_fast_path(work) && values.scalar_type() == at::kFloat && values.device().is_cpu()) {
    const at::Tensor in = values.contiguous();
    const float* src = in.data_ptr<float>();
    float* dst = work.data_ptr<float>();
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (std::int64_t c = 0; c < alphabet; ++c)
        std::memcpy(dst + (rows[i] * alphabet + c) * stride,
                    src + (static_cast<std::int64_t>(i) * alphabet + c) * length, sizeof(float) * length);
    return;
  }
  const at::Tensor index = at::tensor(rows, at::kLong).to(work.device());
  work.narrow(2, 0, length).index_copy_(0, index, values.to(work.scalar_type()));
}

/// Random DNA in positions [from, Lw) of `rows` of `work`.
void pad_rows(at::Tensor& work, const std::vector<std::int64_t>& rows, std::int64_t from, at::Generator& generator) {
  const std::int64_t alphabet = work.size(1), stride = work.size(2), count = stride - from;
  if (rows.empty() || count <= 0) return;
  if (kernels::use_fast_path(work)) {
    const std::uint64_t seed = kernels::draw_seed(generator);
    float* data = work.data_ptr<float>();
    kernels::for_each_row(static_cast<std::int64_t>(rows.size()), alphabet * count, [&](std::int64_t i) {
      kernels::Rng rng(seed, static_cast<std::uint64_t>(i));
      kernels::write_random_dna(data + rows[i] * alphabet * stride, stride, alphabet, from, count, rng);
    });
    return;
  }
  const at::Tensor index = at::tensor(rows, at::kLong).to(work.device());
  const at::Tensor dna =
      kernels::random_dna(static_cast<std::int64_t>(rows.size()), alphabet, count, work, generator);
  work.narrow(2, from, count).index_copy_(0, index, dna);
}

}  // namespace

struct AugmentPipeline::Impl {
  std::vector<PreparedOp> prepared;
  /// Every op instance has a row kernel: on the CPU fast path each row goes through all
  /// of its ops at once (augment_rows), without gathering rows per op.
  bool row_kernels = false;
  std::vector<AugmentOp> ops;
  AugmentSettings settings;
  sdk::SequenceShape input;
  std::int64_t output_length = 0;

  void check_batch(const at::Tensor& batch, const char* what) const {
    if (batch.dim() != 3 || batch.size(1) != input.alphabet || batch.size(2) != input.length)
      throw Error(std::string(what) + ": expected a batch of shape (N, " + std::to_string(input.alphabet) + ", " +
                  std::to_string(input.length) + "), got " + c10::str(batch.sizes()));
    if (!batch.is_floating_point())
      throw Error(std::string(what) + ": expected a floating-point batch, got " +
                  std::string(c10::toString(batch.scalar_type())));
  }

  /// A (N, A, output_length) working copy whose first L positions hold `batch`.
  at::Tensor working_copy(const at::Tensor& batch) const {
    at::Tensor work = at::empty({batch.size(0), input.alphabet, output_length}, batch.options());
    if (kernels::use_fast_path(batch)) {
      const at::Tensor in = batch.contiguous();
      const float* src = in.data_ptr<float>();
      float* dst = work.data_ptr<float>();
      const std::int64_t lines = batch.size(0) * input.alphabet;
      for (std::int64_t i = 0; i < lines; ++i)
        std::memcpy(dst + i * output_length, src + i * input.length, sizeof(float) * input.length);
    } else if (output_length == input.length) {
      work.copy_(batch);
    } else {
      work.narrow(2, 0, input.length).copy_(batch);
    }
    return work;
  }

  /// augment() on the CPU fast path when every op has a row kernel: each row is read
  /// once from `batch`, goes through its ops (in priority order) in two scratch rows,
  /// and its last op writes it into the output, where its 3' padding follows. One seed
  /// per op (and one for the padding) from `generator`; row r of op j draws from
  /// Rng(seed_j, r), so rows are independent and the thread count does not matter.
  at::Tensor augment_rows(const at::Tensor& batch, const std::vector<std::uint64_t>& chosen,
                          at::Generator& generator) const {
    const at::Tensor in = batch.contiguous();
    const std::int64_t n = in.size(0), alphabet = input.alphabet, length = input.length, width = output_length;
    std::vector<std::uint64_t> seeds(prepared.size());
    for (auto& seed : seeds) seed = kernels::draw_seed(generator);
    const std::uint64_t pad_seed = width > length ? kernels::draw_seed(generator) : 0;
    at::Tensor out = at::empty({n, alphabet, width}, in.options());
    const float* src = in.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    const std::int64_t row_cost = alphabet * width * (settings.max_augs_per_seq + 1);
    const std::int64_t grain = std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(1, row_cost));
    at::parallel_for(0, n, grain, [&](std::int64_t begin, std::int64_t end) {
      std::vector<float> scratch(static_cast<std::size_t>(2 * alphabet * width));
      for (std::int64_t r = begin; r < end; ++r) {
        const float* row_in = src + r * alphabet * length;
        std::int64_t in_stride = length, current = length;
        float* row_out = dst + r * alphabet * width;
        std::uint64_t ops = chosen[static_cast<std::size_t>(r)];
        int left = __builtin_popcountll(ops), buffer = 0;
        for (; ops != 0; ops &= ops - 1) {
          const int j = __builtin_ctzll(ops);
          const RowStep& step = prepared[static_cast<std::size_t>(j)].row_step(current);
          float* row_next = --left == 0 ? row_out : scratch.data() + buffer * alphabet * width;
          const std::int64_t next_stride = left == 0 ? width : step.output_length;
          kernels::Rng rng(seeds[static_cast<std::size_t>(j)], static_cast<std::uint64_t>(r));
          try {
            step.kernel->apply_row(row_in, in_stride, row_next, next_stride, current, rng);
          } catch (...) {
            rethrow_at_plugin_boundary(prepared[static_cast<std::size_t>(j)].describe(step.kernel), "apply_row()");
          }
          row_in = row_next;
          in_stride = next_stride;
          current = step.output_length;
          buffer ^= 1;
        }
        if (row_in != row_out) kernels::copy_row(row_in, in_stride, row_out, width, alphabet, current);
        if (current < width) {
          kernels::Rng rng(pad_seed, static_cast<std::uint64_t>(r));
          kernels::write_random_dna(row_out, width, alphabet, current, width - current, rng);
        }
      }
    });
    return out;
  }
};

AugmentPipeline::AugmentPipeline(sdk::SequenceShape input) : AugmentPipeline({}, AugmentSettings{}, input) {}

AugmentPipeline::AugmentPipeline(std::vector<AugmentOp> ops, AugmentSettings settings, sdk::SequenceShape input) {
  auto impl = std::make_shared<Impl>();
  if (input.length <= 0 || input.alphabet <= 0)
    throw Error("augment: the sequence shape must be positive, got A = " + std::to_string(input.alphabet) +
                ", L = " + std::to_string(input.length));
  std::stable_sort(ops.begin(), ops.end(), [](const AugmentOp& a, const AugmentOp& b) { return a.priority < b.priority; });
  if (ops.size() > 64) throw Error("augment: at most 64 ops are supported, got " + std::to_string(ops.size()));
  if (!ops.empty() && (settings.max_augs_per_seq < 1 || settings.max_augs_per_seq > static_cast<int>(ops.size())))
    throw Error("augment: max_augs_per_seq must be between 1 and the number of ops (" + std::to_string(ops.size()) +
                "), got " + std::to_string(settings.max_augs_per_seq));

  // Every length a row can have when it reaches each op, simulating the ops in order;
  // each op gets an instance built for each of those lengths.
  std::vector<std::int64_t> reachable{input.length};
  for (const auto& op : ops) {
    if (!op.augmentation) throw Error("augment: op '" + op.name + "' has no augmentation");
    PreparedOp prepared{op, {}};
    std::vector<std::int64_t> next = reachable;
    for (std::int64_t length : reachable) {
      std::shared_ptr<sdk::Augmentation> instance = op.augmentation;
      if (length != input.length && op.make_for_length) instance = op.make_for_length(length);
      std::int64_t out = 0;
      try {
        out = instance->output_length(length);
      } catch (...) {
        rethrow_at_plugin_boundary(prepared.describe(instance.get()), "output_length()");
      }
      if (out <= 0)
        throw Error("augment: op '" + op.name + "' gives an empty output for length " + std::to_string(length));
      if (const auto* kernel = dynamic_cast<const kernels::RowKernel*>(instance.get()))
        prepared.row_steps.push_back({length, out, kernel});
      prepared.by_length.emplace(length, std::move(instance));
      if (std::find(next.begin(), next.end(), out) == next.end()) next.push_back(out);
    }
    reachable = std::move(next);
    impl->prepared.push_back(std::move(prepared));
  }
  impl->row_kernels = std::all_of(impl->prepared.begin(), impl->prepared.end(), [](const PreparedOp& op) {
    return op.row_steps.size() == op.by_length.size();
  });
  impl->output_length = *std::max_element(reachable.begin(), reachable.end());
  impl->ops = std::move(ops);
  impl->settings = settings;
  impl->input = input;
  impl_ = std::move(impl);
}

at::Tensor AugmentPipeline::augment(const at::Tensor& batch, at::Generator& generator) const {
  const Impl& impl = *impl_;
  impl.check_batch(batch, "augment");
  if (impl.prepared.empty()) return batch;
  const std::int64_t n = batch.size(0);
  const int op_count = static_cast<int>(impl.prepared.size());

  // Which ops each row applies: a tiny draw on the CPU, from the batch's generator.
  std::vector<std::uint64_t> chosen(static_cast<std::size_t>(n), 0);
  {
    kernels::Rng rng(kernels::draw_seed(generator), 0);
    int order[64];
    for (std::int64_t r = 0; r < n; ++r) {
      const int max = impl.settings.max_augs_per_seq;
      const int count = impl.settings.mode == AugmentMode::hard ? max : static_cast<int>(rng.between(1, max));
      for (int i = 0; i < op_count; ++i) order[i] = i;
      for (int i = 0; i < count; ++i) {  // partial Fisher-Yates: a uniform subset
        const int j = i + static_cast<int>(rng.below(static_cast<std::uint32_t>(op_count - i)));
        std::swap(order[i], order[j]);
        chosen[r] |= std::uint64_t{1} << order[i];
      }
    }
  }

  if (impl.row_kernels && kernels::use_fast_path(batch)) return impl.augment_rows(batch, chosen, generator);

  // Otherwise, op by op: the rows that drew it, gathered, through its apply().
  at::Tensor work = impl.working_copy(batch);
  std::vector<std::int64_t> length(static_cast<std::size_t>(n), impl.input.length);
  for (int j = 0; j < op_count; ++j) {
    const PreparedOp& op = impl.prepared[j];
    std::map<std::int64_t, std::vector<std::int64_t>> groups;  // current length -> rows
    for (std::int64_t r = 0; r < n; ++r)
      if (chosen[r] >> j & 1u) groups[length[r]].push_back(r);
    for (const auto& [current, rows] : groups) {
      const sdk::Augmentation& instance = op.at_length(current);
      at::Tensor out;
      try {
        out = instance.apply(gather_rows(work, rows, current), generator);
      } catch (...) {
        rethrow_at_plugin_boundary(op.describe(&instance), "apply()");
      }
      const std::int64_t expected = instance.output_length(current);
      if (out.dim() != 3 || out.size(0) != static_cast<std::int64_t>(rows.size()) ||
          out.size(1) != impl.input.alphabet || out.size(2) != expected)
        throw Error("augment: op '" + op.op.name + "' returned shape " + c10::str(out.sizes()) + " for input (" +
                    std::to_string(rows.size()) + ", " + std::to_string(impl.input.alphabet) + ", " +
                    std::to_string(current) + "); expected length " + std::to_string(expected));
      if (expected > impl.output_length)
        throw Error("augment: op '" + op.op.name + "' grew a sequence beyond the pipeline's output length");
      scatter_rows(work, rows, out);
      for (std::int64_t r : rows) length[r] = expected;
    }
  }

  // Rows that skipped a length-changing op: random DNA at 3', after their other ops.
  std::map<std::int64_t, std::vector<std::int64_t>> short_rows;
  for (std::int64_t r = 0; r < n; ++r)
    if (length[r] < impl.output_length) short_rows[length[r]].push_back(r);
  for (const auto& [current, rows] : short_rows) pad_rows(work, rows, current, generator);
  return work;
}

at::Tensor AugmentPipeline::pad(const at::Tensor& batch, at::Generator& generator) const {
  const Impl& impl = *impl_;
  impl.check_batch(batch, "pad");
  if (impl.output_length == impl.input.length) return batch;
  at::Tensor work = impl.working_copy(batch);
  std::vector<std::int64_t> rows(static_cast<std::size_t>(batch.size(0)));
  for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = static_cast<std::int64_t>(r);
  pad_rows(work, rows, impl.input.length, generator);
  return work;
}

at::Tensor AugmentPipeline::for_evaluation(const at::Tensor& batch, at::Generator& generator) const {
  return impl_->settings.inference_aug ? augment(batch, generator) : pad(batch, generator);
}

std::int64_t AugmentPipeline::input_length() const { return impl_->input.length; }
std::int64_t AugmentPipeline::output_length() const { return impl_->output_length; }
bool AugmentPipeline::empty() const { return impl_->ops.empty(); }
const std::vector<AugmentOp>& AugmentPipeline::ops() const { return impl_->ops; }
const AugmentSettings& AugmentPipeline::settings() const { return impl_->settings; }

at::Generator make_generator(c10::Device device, std::uint64_t seed) {
  if (device.is_cpu()) return at::make_generator<at::CPUGeneratorImpl>(seed);
  if (device.is_cuda()) {
    // A clone of the device's default generator: same kind, its own state.
    at::Generator generator =
        compat::default_cuda_generator(device.has_index() ? device.index() : 0).clone();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_current_seed(seed);
    return generator;
  }
  throw Error("make_generator: no random number generator for device " + device.str());
}

}  // namespace evoaug
