// Reading a text file line by line, plain or gzip-compressed (detected from the content),
// counting lines so that every error can name file and line.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace evoaug {

class LineReader {
 public:
  /// Opens `file`; throws Error naming it (and `what`, e.g. "FASTA file") when it does
  /// not exist, is a folder or cannot be opened.
  LineReader(const std::filesystem::path& file, const std::string& what);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// Reads the next line without its '\n' (a trailing '\r' is kept); false at the end.
  /// Throws Error "file:line: cannot read ..." for a corrupt or truncated gzip stream.
  bool next(std::string& line);

  /// 1-based number of the line last returned by next().
  std::size_t line_number() const { return line_number_; }
  const std::filesystem::path& file() const { return file_; }
  /// "file:line" of the line last read, for messages.
  std::string where() const;

 private:
  std::filesystem::path file_;
  struct Stream;
  std::unique_ptr<Stream> stream_;
  std::size_t line_number_ = 0;
};

}  // namespace evoaug
