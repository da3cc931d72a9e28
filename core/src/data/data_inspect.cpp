#include "evoaug/data_inspect.h"

#include <torch/torch.h>

#include <cstdarg>
#include <cstdio>
#include <sstream>

#include "data/data_summary.h"
#include "data/hdf5_io.h"
#include "data/labeled_fasta.h"
#include "evoaug/error.h"

namespace evoaug {
namespace {

std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* pattern, ...) {
  char text[256];
  va_list args;
  va_start(args, pattern);
  std::vsnprintf(text, sizeof text, pattern, args);
  va_end(args);
  return text;
}

std::string split_table(const std::vector<std::pair<std::string, const Split*>>& sets,
                        const std::vector<std::string>& task_names) {
  std::string out;
  std::vector<SplitSummary> summaries;
  for (const auto& [name, split] : sets) summaries.push_back(summarize_split(*split));
  out += format("%-8s %10s %8s %8s\n", "split", "sequences", "length", "N");
  for (std::size_t i = 0; i < sets.size(); ++i)
    out += format("%-8s %10lld %8lld %7.2f%%\n", sets[i].first.c_str(), static_cast<long long>(summaries[i].sequences),
                  static_cast<long long>(summaries[i].length), 100.0 * summaries[i].n_fraction);
  if (task_names.empty()) return out;
  out += format("\n%-20s", "task");
  for (const auto& [name, split] : sets) out += format(" %22s", name.c_str());
  out += "\n";
  for (std::size_t t = 0; t < task_names.size(); ++t) {
    out += format("%-20s", task_names[t].c_str());
    for (const auto& summary : summaries) {
      const TaskSummary& task = summary.tasks[t];
      const std::string cell = task.binary ? format("%.1f%% positive", 100.0 * task.positive_rate)
                                           : format("%.3g +- %.3g", task.mean, task.std);
      out += format(" %22s", cell.c_str());
    }
    out += "\n";
  }
  return out;
}

std::string bytes_text(double bytes) {
  return bytes >= 1e9 ? format("%.2f GB", bytes / 1e9) : format("%.1f MB", bytes / 1e6);
}

std::string inspect_hdf5(const std::filesystem::path& path, const DataInspectOptions& options) {
  Hdf5ReadOptions read;
  if (!options.axis_order.empty()) read.axis_order = parse_axis_order(options.axis_order);
  const Hdf5Header header = read_hdf5_header(path, read);
  const Dataset data = read_hdf5_dataset(path, read);
  double bytes = 0;
  for (const Split* s : {&data.train, &data.valid, &data.test})
    bytes += static_cast<double>(s->x.numel() * static_cast<std::int64_t>(s->x.element_size()) +
                                 s->y.numel() * static_cast<std::int64_t>(s->y.element_size()));
  const auto& train = header.splits[0];
  std::ostringstream out;
  out << path.string() << ": HDF5, X '" << train.x_name << "' " << train.x_type << " "
      << (train.channels_last ? "(N, L, 4)" : "(N, 4, L)") << ", " << data.tasks() << " task(s); in memory as "
      << (data.train.x.scalar_type() == torch::kUInt8 ? "uint8" : "float32") << ": " << bytes_text(bytes) << "\n\n"
      << split_table({{"train", &data.train}, {"valid", &data.valid}, {"test", &data.test}}, data.task_names);
  return out.str();
}

std::string inspect_fasta(const std::filesystem::path& path, const DataInspectOptions& options) {
  FastaDataOptions read;
  read.n_policy = parse_n_policy(options.n_policy);
  read.length_policy = parse_length_policy(options.length_policy);
  read.length = options.length;
  const LabeledSequences data = read_labeled_fasta(path, options.labels, read);
  std::ostringstream out;
  out << path.string() << ": FASTA, " << data.x.size(0) << " sequence(s) of length " << data.x.size(2);
  if (read.n_policy == NPolicy::drop)
    out << "; dropped " << data.dropped_for_n << " containing N (n-policy drop)";
  else
    out << "; " << data.n_positions << " N position(s) kept (n-policy " << to_string(read.n_policy) << ")";
  if (data.padded || data.trimmed) out << "; padded " << data.padded << ", trimmed " << data.trimmed;
  out << (options.labels.empty() ? "; no labels (--labels TSV)" : "; labels: " + options.labels.string()) << "\n\n";
  const Split all{data.x, data.y};
  out << split_table({{"all", &all}}, data.task_names);
  return out.str();
}

}  // namespace

std::string inspect_data_file(const std::filesystem::path& file, const DataInspectOptions& options) {
  if (const std::string problem = data_file_problem(file); !problem.empty()) throw Error(problem);
  if (is_hdf5_file(file)) {
    if (!options.labels.empty())
      throw Error("--labels is for FASTA files; '" + file.string() + "' is HDF5 (its labels are its Y datasets)");
    return inspect_hdf5(file, options);
  }
  return inspect_fasta(file, options);
}

}  // namespace evoaug
