// evoaug data inspect FILE [--labels TSV] [--n-policy P] [--length-policy P] [--length L]
//                          [--axis-order A]
// Per split: number of sequences, length, N content, and per task the positive rate
// (0/1 labels) or mean and standard deviation. FASTA is one set, read with the N policy.
#include <torch/torch.h>

#include <cstdio>
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "data/data_summary.h"
#include "data/hdf5_io.h"
#include "data/labeled_fasta.h"
#include "evoaug/error.h"

namespace evoaug::cli {
namespace {

void print_table(const std::vector<std::pair<std::string, const Split*>>& sets,
                 const std::vector<std::string>& task_names) {
  std::vector<SplitSummary> summaries;
  for (const auto& [name, split] : sets) summaries.push_back(summarize_split(*split));
  std::printf("%-8s %10s %8s %8s\n", "split", "sequences", "length", "N");
  for (std::size_t i = 0; i < sets.size(); ++i)
    std::printf("%-8s %10lld %8lld %7.2f%%\n", sets[i].first.c_str(), static_cast<long long>(summaries[i].sequences),
                static_cast<long long>(summaries[i].length), 100.0 * summaries[i].n_fraction);
  if (task_names.empty()) return;
  std::printf("\n%-20s", "task");
  for (const auto& [name, split] : sets) std::printf(" %22s", name.c_str());
  std::printf("\n");
  for (std::size_t t = 0; t < task_names.size(); ++t) {
    std::printf("%-20s", task_names[t].c_str());
    for (const auto& summary : summaries) {
      const TaskSummary& task = summary.tasks[t];
      char cell[64];
      if (task.binary)
        std::snprintf(cell, sizeof cell, "%.1f%% positive", 100.0 * task.positive_rate);
      else
        std::snprintf(cell, sizeof cell, "%.3g +- %.3g", task.mean, task.std);
      std::printf(" %22s", cell);
    }
    std::printf("\n");
  }
}

std::string bytes_text(double bytes) {
  char text[32];
  if (bytes >= 1e9) std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
  else std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
  return text;
}

int inspect_hdf5(const std::string& path, const Args& args) {
  Hdf5ReadOptions options;
  if (auto order = args.value("--axis-order")) options.axis_order = parse_axis_order(*order);
  const Hdf5Header header = read_hdf5_header(path, options);
  const Dataset data = read_hdf5_dataset(path, options);
  double bytes = 0;
  for (const Split* s : {&data.train, &data.valid, &data.test})
    bytes += static_cast<double>(s->x.numel() * static_cast<std::int64_t>(s->x.element_size()) +
                                 s->y.numel() * static_cast<std::int64_t>(s->y.element_size()));
  const auto& train = header.splits[0];
  std::cout << path << ": HDF5, X '" << train.x_name << "' " << train.x_type << " "
            << (train.channels_last ? "(N, L, 4)" : "(N, 4, L)") << ", " << data.tasks()
            << " task(s); in memory as " << (data.train.x.scalar_type() == torch::kUInt8 ? "uint8" : "float32")
            << ": " << bytes_text(bytes) << "\n\n";
  print_table({{"train", &data.train}, {"valid", &data.valid}, {"test", &data.test}}, data.task_names);
  return 0;
}

int inspect_fasta(const std::string& path, const Args& args) {
  FastaDataOptions options;
  options.n_policy = parse_n_policy(args.value("--n-policy").value_or("drop"));
  options.length_policy = parse_length_policy(args.value("--length-policy").value_or("error"));
  options.length = args.integer("--length", 0);
  const std::string labels = args.value("--labels").value_or("");
  const LabeledSequences data = read_labeled_fasta(path, labels, options);
  std::cout << path << ": FASTA, " << data.x.size(0) << " sequence(s) of length " << data.x.size(2);
  if (options.n_policy == NPolicy::drop)
    std::cout << "; dropped " << data.dropped_for_n << " containing N (n-policy drop)";
  else
    std::cout << "; " << data.n_positions << " N position(s) kept (n-policy " << to_string(options.n_policy) << ")";
  if (data.padded || data.trimmed) std::cout << "; padded " << data.padded << ", trimmed " << data.trimmed;
  std::cout << (labels.empty() ? "; no labels (--labels TSV)" : "; labels: " + labels) << "\n\n";
  const Split all{data.x, data.y};
  print_table({{"all", &all}}, data.task_names);
  return 0;
}

}  // namespace

int command_data(const HostContext&, const Argv& argv) {
  Args args("evoaug data", argv, {"--labels", "--n-policy", "--length-policy", "--length", "--axis-order"}, {});
  const std::string sub = args.positional(0, "a subcommand (evoaug data inspect FILE)");
  if (sub != "inspect") throw Error("evoaug data: unknown subcommand '" + sub + "'; known: inspect");
  const std::string path = args.positional(1, "the file to inspect (evoaug data inspect FILE)");
  args.expect_at_most(2);
  if (const std::string problem = data_file_problem(path); !problem.empty())
    throw Error("evoaug data inspect: " + problem);
  if (is_hdf5_file(path)) {
    if (args.value("--labels")) throw Error("evoaug data inspect: --labels is for FASTA files; '" + path + "' is HDF5");
    return inspect_hdf5(path, args);
  }
  return inspect_fasta(path, args);
}

}  // namespace evoaug::cli
