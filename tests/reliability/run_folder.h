// What the reliability suite's tests share about a run folder: a pipeline that trains in
// seconds, the outputs a run promises, the temporaries it may leave, and its report
// without what two equal runs may differ in.
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace evoaug::testing {

// Tiny synthetic data (or `data`, a [data] table) and a tiny ChIP-seq CNN on one CPU
// thread: a stage takes a second or two.
inline std::string tiny_pipeline(int pretrain_epochs = 1, int sequences = 200, const std::string& data = "") {
  return "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 3\noutput_dir = \"out\"\n\n" +
         (data.empty() ? "[data]\nformat = \"synthetic\"\nnum_sequences = " + std::to_string(sequences) +
                             "\nlength = 80\ntasks = 1\n\n"
                       : data) +
         "[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\n\n"
         "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"mutation\"\nmutate_frac = 0.05\n\n"
         "[pretrain]\nmax_epochs = " + std::to_string(pretrain_epochs) + "\npatience = 0\nbatch_size = 32\n\n"
         "[finetune]\nmax_epochs = 1\nbatch_size = 32\n\n[evaluate]\nbatch_size = 64\n";
}

inline std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

// The temporaries ("*.tmp-*") anywhere under `dir`.
inline std::vector<std::string> temporaries_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(entry.path().string());
  return out;
}

// What a finished `pretrain` (stages {"pretrain"}) or `run` promises in its folder.
inline std::vector<std::filesystem::path> promised_outputs(const std::filesystem::path& out, const std::vector<std::string>& stages) {
  std::vector<std::filesystem::path> files = {out / "report.json", out / "metrics.csv"};
  for (const auto& stage : stages)
    for (const char* which : {"best", "last"}) files.push_back(out / "checkpoints" / (stage + "-" + which + ".pt"));
  return files;
}

// A report without what two equal runs in different folders may differ in.
inline std::string comparable(const std::string& report) {
  std::istringstream in(without_timings(report));
  std::string out, line;
  while (std::getline(in, line))
    if (line.find("\"source\"") == std::string::npos) out += line + "\n";
  return out;
}

}  // namespace evoaug::testing
