#include "train/train_config.h"

#include "evoaug/error.h"

namespace evoaug {

Precision parse_precision(const std::string& name) {
  if (name == "bf16") return Precision::bf16;
  if (name == "fp16") return Precision::fp16;
  if (name == "fp32") return Precision::fp32;
  throw Error("unknown precision '" + name + "'; expected fp32, bf16 or fp16");
}

std::string precision_name(Precision precision) {
  switch (precision) {
    case Precision::bf16: return "bf16";
    case Precision::fp16: return "fp16";
    case Precision::fp32: break;
  }
  return "fp32";
}

sdk::Schema runtime_table_schema() {
  return sdk::Schema()
      .string("device", "auto", "where to train: auto (CUDA when available), cpu, cuda or cuda:N")
      .boolean("require_device", false,
               "true: a CUDA device that is not there is an error; false: the run falls back to the CPU with a "
               "warning (the command-line flag --require-device sets it)")
      .integer("threads", 0, "CPU threads for LibTorch's operators; 0 keeps LibTorch's default", 0, 1024)
      .integer("seed", 0, "seeds initialisation, shuffling, augmentation and dropout", 0)
      .string("output_dir", "evoaug-output",
              "where report.json, metrics.csv and checkpoints go (relative to the pipeline file)")
      .choice("precision", "fp32", {"fp32", "bf16", "fp16"},
              "training arithmetic: fp32; bf16 (autocast, CPU or CUDA); fp16 (autocast with loss scaling, CUDA only)")
      .integer("prefetch", 2,
               "training batches prepared (gathered, augmented) ahead on a worker thread; 0 prepares each in turn. "
               "On the CPU the worker runs only where the step's threads leave it a core (threads x processes < "
               "cores); otherwise batches are prepared in turn, which is faster there (docs/performance.md)",
               0, 64)
      .choice("backend", "auto", {"auto", "gloo", "nccl"},
              "collectives of a multi-process run (evoaug run --nproc N, torchrun, srun): auto (NCCL on CUDA "
              "where LibTorch has it, else Gloo), gloo or nccl")
      .integer("distributed_timeout_s", 300,
               "seconds a rank of a multi-process run waits for the others (rendezvous, each collective) before it "
               "fails, naming what it waited for",
               1, 86400)
      .boolean("sync_batchnorm", false,
               "in a multi-process run, batch normalisation's statistics over the whole global batch (PyTorch's "
               "SyncBatchNorm; one all-reduce per block and pass); false: each rank normalises with its own share's");
}

sdk::Schema stage_table_schema(const std::string& stage) {
  const bool pretrain = stage == "pretrain";
  sdk::Schema schema;
  schema.boolean("enabled", true, pretrain ? "run this stage" : "run this stage (false: stop after pretraining)");
  if (pretrain) schema.boolean("augment", true, "apply [augment]; false trains the paper's no-augmentation baseline");
  schema.choice("optimizer", "adam", {"adam", "adamw", "sgd"}, "optimizer")
      .real("learning_rate", pretrain ? 1e-3 : 1e-4, "initial learning rate", 0.0)
      .real("weight_decay", 1e-6, "L2 penalty", 0.0)
      .integer("max_epochs", pretrain ? 100 : 5, "epochs at most", 1, 1000000)
      .integer("batch_size", 128, "sequences per training batch (a batch of one cannot train batch normalisation)", 2)
      .integer("patience", pretrain ? 10 : 0, "stop after this many epochs without a lower validation loss; 0 = never", 0,
               1000000)
      .integer("lr_patience", pretrain ? 5 : 0,
               "multiply the learning rate by lr_factor after this many epochs without improvement; 0 = never", 0,
               1000000)
      .real("lr_factor", 0.1, "learning-rate decay factor on a plateau", 0.0, 1.0)
      .real("min_learning_rate", 0.0, "the decay never goes below this", 0.0)
      .choice("loss", "auto", {"auto", "mse", "bce"},
              "auto: MSE for regression models, binary cross-entropy on logits for classifiers");
  return schema;
}

sdk::Schema evaluate_table_schema() {
  return sdk::Schema().integer("batch_size", 256, "sequences per batch for validation, test and predict", 1);
}

RuntimeSettings read_runtime_settings(const PipelineFile& file) {
  const sdk::Params p = read_core_table(file, "runtime", runtime_table_schema());
  RuntimeSettings s;
  s.device = p.string("device");
  const bool cuda_index = s.device.rfind("cuda:", 0) == 0 && s.device.size() > 5 &&
                          s.device.find_first_not_of("0123456789", 5) == std::string::npos;
  if (s.device != "auto" && s.device != "cpu" && s.device != "cuda" && !cuda_index) {
    const toml::node* node = find_table(file, "runtime")->get("device");
    throw Error(position_of(*node) + ": [runtime]: key 'device' = \"" + s.device +
                "\" is not a device; expected auto, cpu, cuda or cuda:N");
  }
  s.require_device = p.boolean("require_device");
  s.threads = static_cast<int>(p.integer("threads"));
  s.seed = static_cast<std::uint64_t>(p.integer("seed"));
  s.output_dir = p.string("output_dir");
  s.precision = parse_precision(p.string("precision"));
  s.prefetch = static_cast<int>(p.integer("prefetch"));
  s.backend = p.string("backend");
  s.distributed_timeout_s = static_cast<int>(p.integer("distributed_timeout_s"));
  s.sync_batchnorm = p.boolean("sync_batchnorm");
  return s;
}

StageSettings read_stage_settings(const PipelineFile& file, const std::string& stage) {
  const sdk::Params p = read_core_table(file, stage, stage_table_schema(stage));
  StageSettings s;
  s.name = stage;
  s.enabled = p.boolean("enabled");
  s.augment = stage == "pretrain" && p.boolean("augment");
  s.optimizer = p.string("optimizer");
  s.learning_rate = p.real("learning_rate");
  s.weight_decay = p.real("weight_decay");
  s.max_epochs = static_cast<int>(p.integer("max_epochs"));
  s.batch_size = p.integer("batch_size");
  s.loss = p.string("loss");
  s.schedule.patience = static_cast<int>(p.integer("patience"));
  s.schedule.lr_patience = static_cast<int>(p.integer("lr_patience"));
  s.schedule.lr_factor = p.real("lr_factor");
  s.schedule.min_learning_rate = p.real("min_learning_rate");
  return s;
}

EvaluateSettings read_evaluate_settings(const PipelineFile& file) {
  const sdk::Params p = read_core_table(file, "evaluate", evaluate_table_schema());
  return {p.integer("batch_size")};
}

}  // namespace evoaug
