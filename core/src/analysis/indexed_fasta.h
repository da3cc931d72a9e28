// A reference genome read through a samtools-style .fai index: only the windows asked for
// are read from disk, so a 3 GB genome costs its index, not its size, in memory. The
// index (FASTA.fai: name, length, offset, bases per line, bytes per line) is built and
// written beside the FASTA when missing or older than it, atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace evoaug::analysis {

class IndexedFasta {
 public:
  /// Opens `fasta` with its index, building FASTA.fai first when needed. A gzip-compressed
  /// FASTA, lines of unequal length within a sequence, or a name that appears twice is an
  /// Error naming the file (and line).
  explicit IndexedFasta(const std::filesystem::path& fasta);

  const std::vector<std::string>& names() const { return names_; }
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  std::int64_t length(const std::string& name) const;
  /// `count` bases of `name` from 0-based `start`, upper-case; the range must lie inside.
  std::string fetch(const std::string& name, std::int64_t start, std::int64_t count) const;
  const std::filesystem::path& index_path() const { return index_; }

 private:
  struct Entry {
    std::int64_t length = 0, offset = 0, line_bases = 0, line_bytes = 0;
  };
  void read_index(const std::string& text);
  std::filesystem::path fasta_, index_;
  std::map<std::string, Entry> entries_;
  std::vector<std::string> names_;
};

/// The .fai text of `fasta` (samtools faidx's format), scanning it once. When the folder
/// cannot be written, IndexedFasta keeps the index in memory and warns.
std::string build_fasta_index(const std::filesystem::path& fasta);

}  // namespace evoaug::analysis
