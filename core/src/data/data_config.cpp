#include "data/data_config.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "config/schema_check.h"
#include "config/toml_source.h"
#include "data/hdf5_io.h"
#include "data/labeled_fasta.h"
#include "data/memory_estimate.h"
#include "data/splits.h"
#include "data/synthetic.h"
#include "evoaug/error.h"

namespace evoaug {
namespace fs = std::filesystem;

sdk::Schema data_table_schema() {
  const SyntheticOptions synthetic;
  const SplitFractions fractions;
  return sdk::Schema()
      .choice("format", "auto", {"auto", "hdf5", "fasta", "synthetic"},
              "where the data comes from; auto: HDF5 or FASTA from the content of `path` (no path: no data, "
              "only `length` and `tasks`)")
      .string("path", "", "HDF5 file in the paper's layout, or FASTA file (plain or gzip); relative to the pipeline")
      .string("labels", "", "FASTA only: TSV of labels, header 'id<TAB>task...', one row per sequence id")
      .string("x_train", "", "HDF5 dataset of training sequences (default X_train, or x_train)")
      .string("y_train", "", "HDF5 dataset of training labels (default Y_train, or y_train)")
      .string("x_valid", "", "HDF5 dataset of validation sequences (default X_valid, or x_valid)")
      .string("y_valid", "", "HDF5 dataset of validation labels (default Y_valid, or y_valid)")
      .string("x_test", "", "HDF5 dataset of test sequences (default X_test, or x_test)")
      .string("y_test", "", "HDF5 dataset of test labels (default Y_test, or y_test)")
      .choice("axis_order", "auto", {"auto", "channels_first", "channels_last"},
              "HDF5 X layout: channels_first (N, 4, L), channels_last (N, L, 4), auto: the axis of size 4")
      .choice("n_policy", "drop", {"drop", "uniform", "zero"},
              "FASTA sequences with N: drop them (the paper's choice), or encode N as 0.25 each or as zeros")
      .choice("length_policy", "error", {"error", "pad", "trim", "pad_or_trim"},
              "FASTA sequences of unequal length: an error, or centred zero padding / trimming to `length`")
      .integer("length", 0,
               "sequence length: FASTA pad/trim target; synthetic length (0: 200); without data, the model's input "
               "length; with a file, a check",
               0, 1 << 24)
      .integer("tasks", 0,
               "number of tasks: synthetic, keep the first k (0: all); without data, the model's outputs; with a "
               "file, a check",
               0, 1 << 20)
      .real("train_fraction", fractions.train, "FASTA and synthetic: fraction of sequences in the training split",
            0.0, 1.0)
      .real("valid_fraction", fractions.valid, "FASTA and synthetic: fraction in the validation split", 0.0, 1.0)
      .real("test_fraction", fractions.test, "FASTA and synthetic: fraction in the test split", 0.0, 1.0)
      .real("downsample", 0.0,
            "keep part of the training split: a fraction in (0, 1] or a count of sequences (> 1); 0 keeps all", 0.0)
      .integer("seed", -1, "seed of the random splits, downsampling and synthetic data; -1: the run's seed", -1)
      .choice("task", "binary", {"binary", "regression"},
              "synthetic: binary multitask (factor binding) or regression (enhancer activity)")
      .integer("num_sequences", synthetic.num_sequences, "synthetic: number of sequences (all splits)", 1,
               100000000)
      .real("motif_probability", synthetic.motif_probability,
            "synthetic: probability that a sequence holds a site of each factor", 0.0, 1.0)
      .real("motif_fidelity", synthetic.motif_fidelity,
            "synthetic: probability of the consensus letter at each motif position", 0.0, 1.0)
      .real("gc_content", synthetic.gc_content, "synthetic: GC content of the background", 0.0, 1.0)
      .real("label_noise", synthetic.label_noise, "synthetic binary: fraction of labels flipped", 0.0, 0.5)
      .real("noise_std", synthetic.noise_std, "synthetic regression: standard deviation of the label noise", 0.0)
      .real("composite_probability", synthetic.composite_probability,
            "synthetic regression: probability that AP-1 and GABPA sites form a composite element (gap <= 8 nt)",
            0.0, 1.0);
}

namespace {

constexpr std::int64_t kDefaultSyntheticLength = 200;

// The validated [data] table, with what messages need to point at a key.
struct DataTable {
  const PipelineFile& file;
  const toml::table* table;
  sdk::Params params;

  static DataTable read(const PipelineFile& file) {
    return {file, find_table(file, "data"), read_core_table(file, "data", data_table_schema())};
  }
  const std::string& text(const std::string& key) const { return params.string(key); }
  std::int64_t integer(const std::string& key) const { return params.integer(key); }
  double real(const std::string& key) const { return params.real(key); }

  // "file:line:col: [data] key: " when the key is written, "[data] key: " otherwise.
  std::string at(const std::string& key) const {
    const toml::node* node = table ? table->get(key) : nullptr;
    return (node ? position_of(*node) + ": " : file.source_name + ": ") + "[data] " + key + ": ";
  }
  // Runs `work`, prefixing its errors with the key's position.
  template <typename Work>
  auto positioned(const std::string& key, Work&& work) const -> decltype(work()) {
    try {
      return work();
    } catch (const sdk::ParamError& e) {
      if (table) throw_positioned(e, *table, "[data]");
      throw Error(file.source_name + ": [data]: " + e.what());
    } catch (const Error& e) {
      throw Error(at(key) + e.what());
    }
  }

  fs::path path(const std::string& key) const {
    fs::path p(text(key));
    return p.is_relative() ? file.base_dir / p : p;
  }
};

enum class Format { none, hdf5, fasta, synthetic };

Format format_of(const DataTable& data) {
  const std::string& format = data.text("format");
  const bool has_path = !data.text("path").empty();
  if (format == "synthetic") return Format::synthetic;
  if (format == "hdf5" || format == "fasta") {
    if (!has_path)
      throw Error(data.at("path") + "format = \"" + format + "\" needs the file: set [data] path = \"...\"");
    return format == "hdf5" ? Format::hdf5 : Format::fasta;
  }
  if (!has_path) return Format::none;
  const fs::path path = data.path("path");
  if (const std::string problem = data_file_problem(path); !problem.empty()) throw Error(data.at("path") + problem);
  return is_hdf5_file(path) ? Format::hdf5 : Format::fasta;
}

Hdf5ReadOptions hdf5_options(const DataTable& data) {
  Hdf5ReadOptions options;
  for (SplitId split : kSplitIds) {
    const auto i = static_cast<std::size_t>(split);
    options.x_names[i] = data.text(std::string("x_") + split_name(split));
    options.y_names[i] = data.text(std::string("y_") + split_name(split));
  }
  options.axis_order = parse_axis_order(data.text("axis_order"));
  return options;
}

FastaDataOptions fasta_options(const DataTable& data) {
  return {parse_n_policy(data.text("n_policy")), parse_length_policy(data.text("length_policy")),
          data.integer("length")};
}

// pad_or_trim has no target without `length`: an error at the policy, before any reading.
void require_fasta_target(const DataTable& data, const FastaDataOptions& options) {
  if (options.length_policy == LengthPolicy::pad_or_trim && options.length <= 0)
    throw Error(data.at("length_policy") +
                "\"pad_or_trim\" needs the target length: set [data] length = N (the sequence length to use)");
}

SyntheticOptions synthetic_options(const DataTable& data, std::uint64_t seed) {
  SyntheticOptions o;
  o.task = parse_synthetic_task(data.text("task"));
  o.num_sequences = data.integer("num_sequences");
  o.length = data.integer("length") > 0 ? data.integer("length") : kDefaultSyntheticLength;
  o.tasks = data.integer("tasks");
  o.motif_probability = data.real("motif_probability");
  o.motif_fidelity = data.real("motif_fidelity");
  o.gc_content = data.real("gc_content");
  o.label_noise = data.real("label_noise");
  o.noise_std = data.real("noise_std");
  o.composite_probability = data.real("composite_probability");
  o.seed = seed;
  return o;
}

SplitFractions fractions_of(const DataTable& data) {
  return {data.real("train_fraction"), data.real("valid_fraction"), data.real("test_fraction")};
}

std::vector<std::string> default_task_names(std::int64_t tasks) {
  std::vector<std::string> names;
  for (std::int64_t t = 0; t < tasks; ++t) names.push_back("task_" + std::to_string(t));
  return names;
}

// `length` and `tasks`, when written next to a data file, are checks of its shape.
void check_declared_shape(const DataTable& data, std::int64_t length, std::int64_t tasks, bool length_is_target) {
  if (!length_is_target && data.integer("length") > 0 && data.integer("length") != length)
    throw Error(data.at("length") + "is " + std::to_string(data.integer("length")) + " but the sequences in '" +
                data.text("path") + "' have length " + std::to_string(length));
  if (data.integer("tasks") > 0 && data.integer("tasks") != tasks)
    throw Error(data.at("tasks") + "is " + std::to_string(data.integer("tasks")) + " but '" + data.text("path") +
                "' has " + std::to_string(tasks) + " task(s)");
}

// Generated X (uint8) and labels (clean and noisy), then a second copy as the splits.
void require_synthetic_memory(const DataTable& data, const SyntheticOptions& o, std::int64_t tasks) {
  const double per_sequence = 4.0 * static_cast<double>(o.length) + 2.0 * 4.0 * static_cast<double>(tasks);
  data.positioned("num_sequences", [&] {
    require_memory(2.0 * static_cast<double>(o.num_sequences) * per_sequence,
                   "num_sequences = " + std::to_string(o.num_sequences) + " of length " + std::to_string(o.length),
                   "lower [data] num_sequences (or length)");
    return 0;
  });
}

std::string dtype_name(const at::Tensor& t) { return t.scalar_type() == torch::kUInt8 ? "uint8" : "float32"; }

std::string megabytes(const at::Tensor& t) {
  return std::to_string((t.numel() * static_cast<std::int64_t>(t.element_size()) + (1 << 19)) >> 20) + " MB";
}

}  // namespace

DataHeader read_data_header(const PipelineFile& file) {
  const DataTable data = DataTable::read(file);
  const Format format = format_of(data);
  DataHeader header;
  switch (format) {
    case Format::none: {
      header.length = data.integer("length");
      header.tasks = data.integer("tasks");
      if (header.length == 0 || header.tasks == 0)
        throw Error(file.source_name +
                    ": [data]: no data source; set path = \"FILE\" (HDF5 or FASTA), format = \"synthetic\", or "
                    "length and tasks (e.g. --set data.length=249 --set data.tasks=2)");
      header.task_names = default_task_names(header.tasks);
      header.source = "[data] length and tasks";
      header.has_source = false;
      break;
    }
    case Format::hdf5: {
      const Hdf5Header h = data.positioned("path", [&] { return read_hdf5_header(data.path("path"), hdf5_options(data)); });
      header.length = h.length();
      header.tasks = h.tasks();
      header.task_names = h.task_names;
      header.source = data.path("path").string();
      check_declared_shape(data, header.length, header.tasks, false);
      break;
    }
    case Format::fasta: {
      const fs::path path = data.path("path");
      FastaDataOptions options = fasta_options(data);
      require_fasta_target(data, options);
      const auto policy = options.length_policy;
      // The length loading gives (pad: the longest, trim: the shortest, which reads the
      // whole file). With the error policy, the first sequence's; `length` is then a check.
      if (policy == LengthPolicy::error) options.length = 0;
      header.length = data.positioned("path", [&] { return fasta_target_length(path, options); });
      if (data.text("labels").empty())
        throw Error(data.at("labels") + "a FASTA data source needs its labels: set [data] labels = \"labels.tsv\"");
      header.task_names = data.positioned("labels", [&] { return read_label_header(data.path("labels")); });
      header.tasks = static_cast<std::int64_t>(header.task_names.size());
      header.source = path.string();
      check_declared_shape(data, header.length, header.tasks, policy != LengthPolicy::error);
      break;
    }
    case Format::synthetic: {
      // The checks loading makes, without generating: options, split sizes, downsampling.
      const SyntheticOptions o = synthetic_options(data, 0);
      const auto names = synthetic_task_names(o.task);
      data.positioned("task", [&] {
        check_synthetic_options(o);
        return 0;
      });
      const SplitSizes sizes =
          data.positioned("train_fraction", [&] { return split_sizes(o.num_sequences, fractions_of(data)); });
      data.positioned("downsample", [&] { return downsample_count(sizes.train, data.real("downsample")); });
      header.length = o.length;
      header.tasks = o.tasks > 0 ? o.tasks : static_cast<std::int64_t>(names.size());
      require_synthetic_memory(data, o, header.tasks);
      header.task_names.assign(names.begin(), names.begin() + header.tasks);
      header.source = "synthetic " + data.text("task");
      break;
    }
  }
  return header;
}

std::vector<NamedPath> data_files(const PipelineFile& file) {
  const DataTable data = DataTable::read(file);
  std::vector<NamedPath> out;
  for (const char* key : {"path", "labels"})
    if (!data.text(key).empty()) out.push_back({std::string("[data] ") + key, data.path(key)});
  return out;
}

std::filesystem::path label_file(const PipelineFile& file) {
  const DataTable data = DataTable::read(file);
  if (format_of(data) != Format::fasta || data.text("labels").empty()) return {};
  return data.path("labels");
}

Dataset load_dataset(const PipelineFile& file, std::uint64_t run_seed) {
  const DataTable data = DataTable::read(file);
  const std::uint64_t seed = data.integer("seed") >= 0 ? static_cast<std::uint64_t>(data.integer("seed")) : run_seed;
  const Format format = format_of(data);
  Dataset dataset;
  switch (format) {
    case Format::none:
      throw Error(file.source_name +
                  ": [data]: no data source to load; set path = \"FILE\" (HDF5 or FASTA) or format = \"synthetic\"");
    case Format::hdf5: {
      dataset = data.positioned("path", [&] { return read_hdf5_dataset(data.path("path"), hdf5_options(data)); });
      check_declared_shape(data, dataset.length(), dataset.tasks(), false);
      break;
    }
    case Format::fasta: {
      if (data.text("labels").empty())
        throw Error(data.at("labels") + "a FASTA data source needs its labels: set [data] labels = \"labels.tsv\"");
      require_fasta_target(data, fasta_options(data));
      LabeledSequences all = data.positioned(
          "path", [&] { return read_labeled_fasta(data.path("path"), data.path("labels"), fasta_options(data)); });
      if (all.dropped_for_n > 0)
        spdlog::info("data: dropped {} sequence(s) containing N (n_policy = \"drop\")", all.dropped_for_n);
      check_declared_shape(data, all.x.size(2), all.y.size(1), parse_length_policy(data.text("length_policy")) !=
                                                                    LengthPolicy::error);
      data.positioned("train_fraction", [&] {
        assign_random_splits(dataset, all.x, all.y, fractions_of(data), seed);
        return 0;
      });
      dataset.task_names = all.task_names;
      dataset.source = data.path("path").string();
      break;
    }
    case Format::synthetic: {
      const SyntheticOptions o = synthetic_options(data, seed);
      require_synthetic_memory(data, o, o.tasks > 0 ? o.tasks : 
                               static_cast<std::int64_t>(synthetic_task_names(o.task).size()));
      SyntheticData generated =
          data.positioned("task", [&] { return generate_synthetic(synthetic_options(data, seed)); });
      data.positioned("train_fraction", [&] {
        assign_random_splits(dataset, generated.x, generated.y, fractions_of(data), seed);
        return 0;
      });
      dataset.task_names = generated.task_names;
      dataset.source = "synthetic " + data.text("task") + " (seed " + std::to_string(seed) + ")";
      break;
    }
  }
  if (data.real("downsample") > 0) {
    const std::int64_t before = dataset.train.size();
    dataset.train = data.positioned("downsample", [&] { return downsample(dataset.train, data.real("downsample"), seed); });
    spdlog::info("data: downsampled the training split from {} to {} sequences", before, dataset.train.size());
  }
  spdlog::info("data: {}: {} train / {} valid / {} test sequences of length {}, {} task(s); X {} ({})",
               dataset.source, dataset.train.size(), dataset.valid.size(), dataset.test.size(), dataset.length(),
               dataset.tasks(), dtype_name(dataset.train.x),
               megabytes(dataset.train.x));
  return dataset;
}

}  // namespace evoaug
