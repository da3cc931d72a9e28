#include "data/line_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "evoaug/error.h"

namespace evoaug {
namespace fs = std::filesystem;

// gzread also reads uncompressed files as they are, so one code path serves both.
struct LineReader::Stream {
  gzFile file = nullptr;
  std::vector<char> buffer = std::vector<char>(1 << 16);
  std::size_t begin = 0, end = 0;
  bool eof = false;
};

LineReader::LineReader(const fs::path& file, const std::string& what)
    : file_(file), stream_(std::make_unique<Stream>()) {
  if (!fs::exists(file)) throw Error(what + " '" + file.string() + "' does not exist");
  if (fs::is_directory(file)) throw Error(what + " '" + file.string() + "' is a folder, not a file");
  stream_->file = gzopen(file.c_str(), "rb");
  if (!stream_->file) throw Error("cannot open " + what + " '" + file.string() + "': " + std::strerror(errno));
  gzbuffer(stream_->file, 1 << 17);
}

LineReader::~LineReader() {
  if (stream_ && stream_->file) gzclose(stream_->file);
}

std::string LineReader::where() const { return file_.string() + ":" + std::to_string(line_number_); }

bool LineReader::next(std::string& line) {
  line.clear();
  Stream& s = *stream_;
  while (true) {
    if (s.begin == s.end) {
      if (s.eof) return false;
      const int got = gzread(s.file, s.buffer.data(), static_cast<unsigned>(s.buffer.size()));
      // gzread reports a stream cut short as a normal end (0, or the bytes before the cut)
      // with gzerror Z_BUF_ERROR, and corrupt data as -1: both are errors here, never EOF.
      int code = Z_OK;
      const char* message = gzerror(s.file, &code);
      if (got < 0 || code != Z_OK) {
        std::string detail = message ? message : "";
        const std::string prefix = file_.string() + ": ";  // zlib puts the path first
        if (detail.compare(0, prefix.size(), prefix) == 0) detail.erase(0, prefix.size());
        throw Error(file_.string() + ":" + std::to_string(line_number_ + 1) + ": cannot read: " +
                    (code == Z_BUF_ERROR ? "the gzip data ends too early (" + detail + "): the file is truncated"
                                         : "the gzip file is corrupt (" + detail + ")") +
                    "; re-download or re-compress it");
      }
      s.begin = 0;
      s.end = static_cast<std::size_t>(got);
      if (got == 0) {
        s.eof = true;
        if (line.empty()) return false;
        ++line_number_;  // a last line without '\n'
        return true;
      }
    }
    const char* start = s.buffer.data() + s.begin;
    const void* newline = std::memchr(start, '\n', s.end - s.begin);
    if (newline) {
      const std::size_t count = static_cast<std::size_t>(static_cast<const char*>(newline) - start);
      line.append(start, count);
      s.begin += count + 1;
      ++line_number_;
      return true;
    }
    line.append(start, s.end - s.begin);
    s.begin = s.end;
  }
}

}  // namespace evoaug
