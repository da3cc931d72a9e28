// FASTA files (plain or gzip) and the one-hot encoding of DNA.
//
// Reading validates as it goes, so an error names the file and the line: a letter outside
// ACGTN (any case), a sequence line before the first header, a header without an id, a
// record without sequence. Gzip is detected from the content, not the name.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/line_reader.h"

namespace evoaug {

/// One FASTA record. `id` is the header's first word (after '>'); `sequence` is upper
/// case with line breaks and blanks removed; `line` is the 1-based line of the header.
struct FastaRecord {
  std::string id;
  std::string sequence;
  std::size_t line = 0;
};

/// Streams records from a FASTA file, plain or gzip-compressed.
/// @code
///   FastaReader reader("seqs.fa.gz");
///   FastaRecord record;
///   while (reader.next(record)) use(record);
/// @endcode
class FastaReader {
 public:
  /// Opens `file`; throws Error naming it when it cannot be opened.
  explicit FastaReader(const std::filesystem::path& file);

  /// Reads the next record into `record`; false at the end of the file. Throws Error
  /// "file:line: ..." for malformed input.
  bool next(FastaRecord& record);

  const std::filesystem::path& file() const { return lines_.file(); }

 private:
  LineReader lines_;
  std::string pending_header_;  ///< the header line already read for the next record
  std::size_t pending_line_ = 0;
};

/// Every record of `file`. Duplicate ids are allowed here (the label matcher reports them).
std::vector<FastaRecord> read_fasta(const std::filesystem::path& file);

/// Writes `records` atomically (temporary file + rename), gzip-compressed when the name
/// ends in ".gz". `line_width` = 0 writes each sequence on one line.
void write_fasta(const std::filesystem::path& file, const std::vector<FastaRecord>& records,
                 std::size_t line_width = 0);

/// What happens to sequences with N (or to N columns).
///   drop:    sequences containing N are removed from a dataset (the paper's choice)
///   uniform: N is encoded as 0.25 in each channel
///   zero:    N is encoded as a zero column
enum class NPolicy { drop, uniform, zero };

/// "drop" | "uniform" | "zero"; throws Error listing the choices otherwise.
NPolicy parse_n_policy(const std::string& text);
std::string to_string(NPolicy policy);

/// True when `sequence` contains N (the reader has already upper-cased it).
bool contains_n(const std::string& sequence);

/// One-hot encodes equal-length sequences of ACGTN (any case) into (N, 4, L), channels in
/// A, C, G, T order. N follows `n_policy` (`drop` makes an N an error: such sequences
/// should have been removed). The result is uint8 when every column is exact one-hot or
/// zero (`compact`, to save memory) and float32 otherwise. Throws Error naming the index
/// of a sequence whose length differs or that holds another letter.
at::Tensor one_hot_encode(const std::vector<std::string>& sequences, NPolicy n_policy = NPolicy::uniform,
                          bool compact = false);

/// Writes one sequence into row `row` of an existing contiguous (N, 4, L) uint8 or float32
/// tensor, to fill large tensors without an intermediate copy. Without `offset` the
/// sequence's length must be L; with it, the sequence starts at column `offset` and the
/// other columns are zero (padding).
void one_hot_encode_into(const std::string& sequence, at::Tensor& x, std::int64_t row, NPolicy n_policy,
                         std::optional<std::int64_t> offset = std::nullopt);

/// Letters for one-hot (or soft) sequences: (N, 4, L) or (4, L), any dtype and device.
/// Each column becomes the letter of its largest channel (the first on a tie); a column
/// whose four values are equal (zero, or uniform N) becomes 'N'.
std::vector<std::string> one_hot_decode(const at::Tensor& x);

}  // namespace evoaug
