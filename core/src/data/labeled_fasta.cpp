#include "data/labeled_fasta.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "data/line_reader.h"
#include "evoaug/error.h"
#include "util/suggest.h"

namespace evoaug {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kListed = 5;  // how many offending ids a message lists

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  for (auto& f : fields) {
    const auto first = f.find_first_not_of(" \r");
    const auto last = f.find_last_not_of(" \r");
    f = first == std::string::npos ? "" : f.substr(first, last - first + 1);
  }
  return fields;
}

bool is_blank_line(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

// "a, b, c and 12 more".
std::string some_of(const std::vector<std::string>& items) {
  std::vector<std::string> shown(items.begin(), items.begin() + std::min(items.size(), kListed));
  std::string text = join(shown);
  if (items.size() > kListed) text += " and " + std::to_string(items.size() - kListed) + " more";
  return text;
}

std::vector<std::string> header_fields(LineReader& reader) {
  std::string line;
  while (reader.next(line))
    if (!is_blank_line(line)) {
      auto fields = split_tabs(line);
      if (fields.size() < 2)
        throw Error(reader.where() + ": the header line must be 'id<TAB>task...' with at least one task column "
                                     "(tab-separated)");
      for (std::size_t i = 1; i < fields.size(); ++i)
        if (fields[i].empty()) throw Error(reader.where() + ": column " + std::to_string(i + 1) + " has no task name");
      return fields;
    }
  throw Error("label file '" + reader.file().string() + "' is empty: it needs a header line 'id<TAB>task...'");
}

void require_target_length(const FastaDataOptions& options) {
  if (options.length_policy == LengthPolicy::pad_or_trim && options.length <= 0)
    throw Error("length_policy = \"pad_or_trim\" needs the target length: set [data] length");
}

// The length every sequence is brought to: one rule for the loader and for
// fasta_target_length, so that a data header and the loaded data agree.
std::size_t target_length(const FastaDataOptions& options, std::size_t first, std::size_t shortest,
                          std::size_t longest) {
  if (options.length > 0) return static_cast<std::size_t>(options.length);
  switch (options.length_policy) {
    case LengthPolicy::pad: return longest;
    case LengthPolicy::trim: return shortest;
    default: return first;
  }
}

}  // namespace

std::int64_t fasta_target_length(const fs::path& fasta, const FastaDataOptions& options) {
  require_target_length(options);
  FastaReader reader(fasta);
  FastaRecord record;
  if (!reader.next(record)) throw Error("FASTA file '" + fasta.string() + "' holds no sequences");
  const std::size_t first = record.sequence.size();
  std::size_t shortest = first, longest = first;
  const bool scan = options.length <= 0 && (options.length_policy == LengthPolicy::pad ||
                                            options.length_policy == LengthPolicy::trim);
  while (scan && reader.next(record)) {
    shortest = std::min(shortest, record.sequence.size());
    longest = std::max(longest, record.sequence.size());
  }
  return static_cast<std::int64_t>(target_length(options, first, shortest, longest));
}

LengthPolicy parse_length_policy(const std::string& text) {
  if (text == "error") return LengthPolicy::error;
  if (text == "pad") return LengthPolicy::pad;
  if (text == "trim") return LengthPolicy::trim;
  if (text == "pad_or_trim") return LengthPolicy::pad_or_trim;
  throw Error("unknown length policy '" + text + "'; known: error, pad, trim, pad_or_trim");
}

std::vector<std::string> read_label_header(const fs::path& file) {
  LineReader reader(file, "label file");
  auto fields = header_fields(reader);
  return {fields.begin() + 1, fields.end()};
}

LabelTable read_label_table(const fs::path& file) {
  LineReader reader(file, "label file");
  const auto header = header_fields(reader);
  LabelTable table;
  table.task_names.assign(header.begin() + 1, header.end());
  const std::size_t tasks = table.task_names.size();
  std::vector<float> values;
  std::unordered_map<std::string, std::size_t> seen;
  std::vector<std::string> duplicates;
  std::string line;
  while (reader.next(line)) {
    if (is_blank_line(line)) continue;
    const auto fields = split_tabs(line);
    if (fields.size() != tasks + 1)
      throw Error(reader.where() + ": expected " + std::to_string(tasks + 1) + " tab-separated fields (id and " +
                  std::to_string(tasks) + " task(s)), found " + std::to_string(fields.size()));
    if (fields[0].empty()) throw Error(reader.where() + ": the sequence id is empty");
    for (std::size_t t = 0; t < tasks; ++t) {
      const std::string& text = fields[t + 1];
      char* end = nullptr;
      const double value = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size())
        throw Error(reader.where() + ": task '" + table.task_names[t] + "': '" + text + "' is not a number");
      if (!std::isfinite(value))
        throw Error(reader.where() + ": task '" + table.task_names[t] + "': label " + text +
                    " is not finite (NaN and inf are not allowed)");
      const auto single = static_cast<float>(value);  // labels are stored as float32
      if (!std::isfinite(single))
        throw Error(reader.where() + ": task '" + table.task_names[t] + "': label " + text +
                    " is too large for float32 (the largest magnitude is about 3.4e38)");
      values.push_back(single);
    }
    auto [it, inserted] = seen.emplace(fields[0], reader.line_number());
    if (!inserted)
      duplicates.push_back("'" + fields[0] + "' (lines " + std::to_string(it->second) + " and " +
                           std::to_string(reader.line_number()) + ")");
    table.ids.push_back(fields[0]);
    table.lines.push_back(reader.line_number());
  }
  if (!duplicates.empty())
    throw Error("label file '" + file.string() + "': " + std::to_string(duplicates.size()) +
                " duplicate sequence id(s): " + some_of(duplicates));
  table.values = torch::from_blob(values.data(), {static_cast<std::int64_t>(table.ids.size()),
                                                  static_cast<std::int64_t>(tasks)},
                                  torch::kFloat32)
                     .clone();
  return table;
}

LabeledSequences read_labeled_fasta(const fs::path& fasta, const fs::path& labels, const FastaDataOptions& options) {
  require_target_length(options);
  std::vector<FastaRecord> records = read_fasta(fasta);
  if (records.empty()) throw Error("FASTA file '" + fasta.string() + "' holds no sequences");
  {
    std::unordered_map<std::string, std::size_t> seen;
    std::vector<std::string> duplicates;
    for (const auto& r : records) {
      auto [it, inserted] = seen.emplace(r.id, r.line);
      if (!inserted)
        duplicates.push_back("'" + r.id + "' (lines " + std::to_string(it->second) + " and " +
                             std::to_string(r.line) + ")");
    }
    if (!duplicates.empty())
      throw Error("FASTA file '" + fasta.string() + "': " + std::to_string(duplicates.size()) +
                  " duplicate sequence id(s): " + some_of(duplicates));
  }

  LabeledSequences out;
  std::vector<std::int64_t> label_rows(records.size(), -1);
  LabelTable table;
  if (!labels.empty()) {
    table = read_label_table(labels);
    std::unordered_map<std::string, std::int64_t> row_of;
    for (std::size_t i = 0; i < table.ids.size(); ++i) row_of.emplace(table.ids[i], static_cast<std::int64_t>(i));
    std::vector<std::string> missing;
    std::vector<char> used(table.ids.size(), 0);
    for (std::size_t i = 0; i < records.size(); ++i) {
      auto it = row_of.find(records[i].id);
      if (it == row_of.end()) {
        missing.push_back("'" + records[i].id + "'");
      } else {
        label_rows[i] = it->second;
        used[static_cast<std::size_t>(it->second)] = 1;
      }
    }
    if (!missing.empty())
      throw Error(std::to_string(missing.size()) + " sequence(s) of '" + fasta.string() + "' have no labels in '" +
                  labels.string() + "': " + some_of(missing));
    std::vector<std::string> extra;
    for (std::size_t i = 0; i < table.ids.size(); ++i)
      if (!used[i]) extra.push_back("'" + table.ids[i] + "' (line " + std::to_string(table.lines[i]) + ")");
    if (!extra.empty())
      throw Error(std::to_string(extra.size()) + " id(s) of '" + labels.string() + "' have no sequence in '" +
                  fasta.string() + "': " + some_of(extra));
    out.task_names = table.task_names;
  }

  // Target length, then each sequence padded/trimmed to it (offset > 0: padding on the left).
  std::size_t shortest = records[0].sequence.size(), longest = shortest;
  for (const auto& r : records) {
    shortest = std::min(shortest, r.sequence.size());
    longest = std::max(longest, r.sequence.size());
  }
  const auto policy = options.length_policy;
  const std::size_t target = target_length(options, records[0].sequence.size(), shortest, longest);
  const bool may_pad = policy == LengthPolicy::pad || policy == LengthPolicy::pad_or_trim;
  const bool may_trim = policy == LengthPolicy::trim || policy == LengthPolicy::pad_or_trim;
  for (const auto& r : records) {
    const std::size_t size = r.sequence.size();
    if ((size < target && !may_pad) || (size > target && !may_trim))
      throw Error(fasta.string() + ":" + std::to_string(r.line) + ": sequence '" + r.id + "' has length " +
                  std::to_string(size) + ", but " +
                  (options.length > 0 ? "[data] length is " + std::to_string(target)
                   : policy == LengthPolicy::error
                       ? "the first sequence '" + records[0].id + "' has length " + std::to_string(target)
                       : "the target length is " + std::to_string(target)) +
                  "; set [data] length_policy = \"pad\", \"trim\" or \"pad_or_trim\" to fit them");
  }

  std::vector<std::size_t> kept;
  std::vector<std::int64_t> offsets;
  bool soft = false;
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string& s = records[i].sequence;
    std::int64_t offset = 0;
    if (s.size() > target) {
      s = s.substr((s.size() - target) / 2, target);
      ++out.trimmed;
    } else if (s.size() < target) {
      offset = static_cast<std::int64_t>((target - s.size()) / 2);
      ++out.padded;
    }
    const auto n_count = static_cast<std::int64_t>(std::count(s.begin(), s.end(), 'N'));
    if (n_count > 0 && options.n_policy == NPolicy::drop) {
      ++out.dropped_for_n;
      continue;
    }
    out.n_positions += n_count;
    soft = soft || (n_count > 0 && options.n_policy == NPolicy::uniform);
    kept.push_back(i);
    offsets.push_back(offset);
  }
  if (kept.empty())
    throw Error("every sequence of '" + fasta.string() + "' contains N and the N policy is 'drop': nothing is left");

  const auto count = static_cast<std::int64_t>(kept.size());
  out.x = torch::empty({count, 4, static_cast<std::int64_t>(target)}, soft ? torch::kFloat32 : torch::kUInt8);
  std::vector<std::int64_t> rows;
  for (std::int64_t n = 0; n < count; ++n) {
    const FastaRecord& r = records[kept[n]];
    one_hot_encode_into(r.sequence, out.x, n, options.n_policy, offsets[n]);
    out.ids.push_back(r.id);
    rows.push_back(label_rows[kept[n]]);
  }
  out.y = labels.empty() ? torch::empty({count, 0}, torch::kFloat32)
                         : table.values.index_select(0, torch::tensor(rows, torch::kInt64));
  return out;
}

}  // namespace evoaug
