#include "data/fasta.h"

#include <torch/torch.h>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "evoaug/error.h"
#include "util/file_safety.h"

namespace evoaug {
namespace fs = std::filesystem;
namespace {

// Channel of each letter (A, C, G, T = 0..3), 4 for N, -1 for anything else.
constexpr std::array<std::int8_t, 256> make_channel_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& t : table) t = -1;
  table['A'] = table['a'] = 0;
  table['C'] = table['c'] = 1;
  table['G'] = table['g'] = 2;
  table['T'] = table['t'] = 3;
  table['N'] = table['n'] = 4;
  return table;
}
constexpr auto kChannel = make_channel_table();
constexpr char kLetters[] = "ACGTN";

std::string describe_char(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char text[16];
  std::snprintf(text, sizeof text, "byte 0x%02x", c);
  return text;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

FastaReader::FastaReader(const fs::path& file) : lines_(file, "FASTA file") {}

bool FastaReader::next(FastaRecord& record) {
  std::string line;
  if (pending_header_.empty()) {
    // Skip blank lines and ';' comments up to the first header.
    while (true) {
      if (!lines_.next(line)) return false;
      std::size_t first = 0;
      while (first < line.size() && is_blank(line[first])) ++first;
      if (first == line.size() || line[first] == ';') continue;
      if (line[first] != '>')
        throw Error(lines_.file().string() + ":" + std::to_string(lines_.line_number()) +
                    ": sequence data before the first '>' header (is this a FASTA file?)");
      pending_header_ = line.substr(first);
      pending_line_ = lines_.line_number();
      break;
    }
  }

  record.sequence.clear();
  record.line = pending_line_;
  {
    std::size_t begin = 1;
    while (begin < pending_header_.size() && is_blank(pending_header_[begin])) ++begin;
    std::size_t end = begin;
    while (end < pending_header_.size() && !is_blank(pending_header_[end])) ++end;
    record.id = pending_header_.substr(begin, end - begin);
    if (record.id.empty())
      throw Error(lines_.file().string() + ":" + std::to_string(record.line) + ": header line '>' has no sequence id");
  }
  pending_header_.clear();

  while (lines_.next(line)) {
    if (!line.empty() && line[0] == '>') {
      pending_header_ = line;
      pending_line_ = lines_.line_number();
      break;
    }
    if (!line.empty() && line[0] == ';') continue;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (is_blank(static_cast<char>(c))) continue;
      const int channel = kChannel[c];
      if (channel < 0)
        throw Error(lines_.file().string() + ":" + std::to_string(lines_.line_number()) + ": " + describe_char(c) +
                    " (column " + std::to_string(i + 1) + ", sequence '" + record.id +
                    "') is not a DNA letter: only A, C, G, T and N (any case) are allowed");
      record.sequence.push_back(kLetters[channel]);
    }
  }
  if (record.sequence.empty())
    throw Error(lines_.file().string() + ":" + std::to_string(record.line) + ": sequence '" + record.id +
                "' is empty");
  return true;
}

std::vector<FastaRecord> read_fasta(const fs::path& file) {
  FastaReader reader(file);
  std::vector<FastaRecord> records;
  FastaRecord record;
  while (reader.next(record)) records.push_back(std::move(record));
  return records;
}

void write_fasta(const fs::path& file, const std::vector<FastaRecord>& records, std::size_t line_width) {
  std::string text;
  for (const auto& record : records) {
    text += '>';
    text += record.id;
    text += '\n';
    const std::size_t width = line_width == 0 ? std::max<std::size_t>(record.sequence.size(), 1) : line_width;
    for (std::size_t at = 0; at < record.sequence.size(); at += width) {
      text.append(record.sequence, at, width);
      text += '\n';
    }
  }
  const std::string name = file.filename().string();
  const bool gzip = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
  if (!gzip) {
    write_file_atomically(file, text);
    return;
  }
  if (!file.parent_path().empty()) fs::create_directories(file.parent_path());
  const fs::path temp = temporary_sibling(file);
  gzFile out = gzopen(temp.c_str(), "wb6");
  bool ok = false;
  if (out) {
    ok = text.empty() || gzwrite(out, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size());
    ok = (gzclose(out) == Z_OK) && ok;
  }
  if (!ok) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error("cannot write FASTA file '" + file.string() + "' (disk full or no permission?)");
  }
  commit_temporary(temp, file);
}

NPolicy parse_n_policy(const std::string& text) {
  if (text == "drop") return NPolicy::drop;
  if (text == "uniform") return NPolicy::uniform;
  if (text == "zero") return NPolicy::zero;
  throw Error("unknown N policy '" + text + "'; known: drop, uniform, zero");
}

std::string to_string(NPolicy policy) {
  switch (policy) {
    case NPolicy::drop: return "drop";
    case NPolicy::uniform: return "uniform";
    case NPolicy::zero: return "zero";
  }
  return "?";
}

bool contains_n(const std::string& sequence) {
  return sequence.find_first_of("Nn") != std::string::npos;
}

namespace {

template <typename T>
void fill_row(const std::string& sequence, T* row, std::int64_t length, std::int64_t offset, NPolicy n_policy,
              T one, T quarter, std::int64_t index) {
  std::fill(row, row + 4 * length, T(0));
  row += offset;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(sequence.size()); ++i) {
    const int channel = kChannel[static_cast<unsigned char>(sequence[i])];
    if (channel >= 0 && channel < 4) {
      row[channel * length + i] = one;
    } else if (channel == 4) {
      if (n_policy == NPolicy::drop)
        throw Error("sequence #" + std::to_string(index) + " contains N at position " + std::to_string(i + 1) +
                    " (the N policy 'drop' removes such sequences before encoding)");
      if (n_policy == NPolicy::uniform)
        for (int c = 0; c < 4; ++c) row[c * length + i] = quarter;
    } else {
      throw Error("sequence #" + std::to_string(index) + ": " +
                  describe_char(static_cast<unsigned char>(sequence[i])) + " at position " + std::to_string(i + 1) +
                  " is not one of A, C, G, T, N");
    }
  }
}

}  // namespace

void one_hot_encode_into(const std::string& sequence, at::Tensor& x, std::int64_t row, NPolicy n_policy,
                         std::optional<std::int64_t> offset) {
  const std::int64_t length = x.size(2);
  const auto size = static_cast<std::int64_t>(sequence.size());
  if (offset ? (*offset < 0 || *offset + size > length) : size != length)
    throw Error("sequence #" + std::to_string(row) + " has length " + std::to_string(sequence.size()) +
                (offset ? " and does not fit at column " + std::to_string(*offset) + " of " : ", expected ") +
                std::to_string(length));
  const std::int64_t start = offset.value_or(0);
  if (x.scalar_type() == torch::kUInt8) {
    if (n_policy == NPolicy::uniform && contains_n(sequence))
      throw Error("sequence #" + std::to_string(row) + " contains N, which the 'uniform' policy encodes as 0.25: "
                  "it cannot be stored in a uint8 tensor");
    fill_row<std::uint8_t>(sequence, x.data_ptr<std::uint8_t>() + row * 4 * length, length, start, n_policy, 1, 0,
                            row);
  } else if (x.scalar_type() == torch::kFloat32) {
    fill_row<float>(sequence, x.data_ptr<float>() + row * 4 * length, length, start, n_policy, 1.0f, 0.25f, row);
  } else {
    throw Error("one_hot_encode_into: the tensor must be uint8 or float32");
  }
}

at::Tensor one_hot_encode(const std::vector<std::string>& sequences, NPolicy n_policy, bool compact) {
  const auto count = static_cast<std::int64_t>(sequences.size());
  const std::int64_t length = count == 0 ? 0 : static_cast<std::int64_t>(sequences.front().size());
  for (std::int64_t i = 0; i < count; ++i)
    if (static_cast<std::int64_t>(sequences[i].size()) != length)
      throw Error("sequence #" + std::to_string(i) + " has length " + std::to_string(sequences[i].size()) +
                  ", but sequence #0 has length " + std::to_string(length) + ": one-hot encoding needs equal lengths");
  bool exact = true;
  if (n_policy == NPolicy::uniform)
    for (const auto& s : sequences)
      if (contains_n(s)) {
        exact = false;
        break;
      }
  at::Tensor x = torch::empty({count, 4, length}, compact && exact ? torch::kUInt8 : torch::kFloat32);
  for (std::int64_t i = 0; i < count; ++i) one_hot_encode_into(sequences[i], x, i, n_policy);
  return x;
}

std::vector<std::string> one_hot_decode(const at::Tensor& input) {
  at::Tensor x = input;
  if (x.dim() == 2) x = x.unsqueeze(0);
  if (x.dim() != 3 || x.size(1) != 4)
    throw Error("one_hot_decode: expected a (N, 4, L) or (4, L) tensor, got " +
                std::string(c10::str(input.sizes())));
  x = x.to(torch::kCPU, torch::kFloat32).contiguous();
  const std::int64_t count = x.size(0), length = x.size(2);
  const float* data = x.data_ptr<float>();
  std::vector<std::string> out(static_cast<std::size_t>(count), std::string(static_cast<std::size_t>(length), 'N'));
  for (std::int64_t n = 0; n < count; ++n) {
    const float* row = data + n * 4 * length;
    for (std::int64_t i = 0; i < length; ++i) {
      const float v[4] = {row[i], row[length + i], row[2 * length + i], row[3 * length + i]};
      int best = 0;
      for (int c = 1; c < 4; ++c)
        if (v[c] > v[best]) best = c;
      const bool flat = v[0] == v[1] && v[1] == v[2] && v[2] == v[3];
      out[n][i] = flat ? 'N' : kLetters[best];
    }
  }
  return out;
}

}  // namespace evoaug
