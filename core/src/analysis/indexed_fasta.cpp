#include "analysis/indexed_fasta.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "evoaug/error.h"
#include "util/file_safety.h"

namespace evoaug::analysis {
namespace fs = std::filesystem;

namespace {

bool gzip_compressed(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

// What the in-memory FASTA reader (data/fasta.cpp) skips: a sequence id ends at one, and
// a sequence line holding one cannot be served by offset arithmetic.
constexpr const char* kBlanks = " \t\r\v\f";

}  // namespace

std::string build_fasta_index(const fs::path& fasta) {
  std::ifstream in(fasta, std::ios::binary);
  if (!in) throw Error("cannot open the reference FASTA '" + fasta.string() + "'");
  std::ostringstream out;
  std::set<std::string> seen;
  std::string line, name;
  std::int64_t offset = 0, length = 0, line_bases = 0, line_bytes = 0, line_number = 0;
  // Set by a line shorter than the first (or ending differently): only the last may be.
  bool irregular_line_seen = false;
  const auto finish = [&] {
    if (!name.empty())
      out << name << '\t' << length << '\t' << offset << '\t' << line_bases << '\t' << line_bytes << '\n';
  };
  const auto where = [&] { return fasta.string() + ":" + std::to_string(line_number) + ": "; };
  std::int64_t position = 0;  // bytes read so far
  while (std::getline(in, line)) {
    ++line_number;
    const std::int64_t bytes = static_cast<std::int64_t>(line.size()) + (in.eof() ? 0 : 1);
    position += bytes;
    if (!line.empty() && line[0] == '>') {
      finish();
      name = line.substr(1, line.find_first_of(kBlanks) == std::string::npos ? std::string::npos
                                                                           : line.find_first_of(kBlanks) - 1);
      if (name.empty()) throw Error(where() + "a '>' line without a name");
      if (!seen.insert(name).second) throw Error(where() + "chromosome '" + name + "' appears twice");
      offset = position;
      length = line_bases = line_bytes = 0;
      irregular_line_seen = false;
      continue;
    }
    if (name.empty()) {
      if (line.empty() || line == "\r") continue;
      throw Error(where() + "sequence before the first '>' line");
    }
    const std::int64_t bases = static_cast<std::int64_t>(line.size()) - (!line.empty() && line.back() == '\r');
    if (bases == 0) {
      // Blank lines before the first line of bases are skipped: the offset is that line's.
      if (line_bases != 0) irregular_line_seen = true;
      continue;
    }
    // The in-memory reader skips these; offsets into the file cannot.
    if (line[0] == ';')
      throw Error(where() + "a ';' comment line inside '" + name +
                  "'; random access needs lines of bases only (remove the comment)");
    if (const auto blank = line.find_first_of(kBlanks); blank < static_cast<std::size_t>(bases))
      throw Error(where() + "a blank (space, tab or carriage return) in the middle of a line of '" + name +
                  "'; random access needs lines of bases only (reformat it, e.g. with seqkit seq -w 60)");
    if (line_bases == 0) {
      offset = position - bytes;
      line_bases = bases;
      line_bytes = bytes;
    } else if (irregular_line_seen || bases > line_bases) {
      throw Error(where() + "lines of '" + name +
                  "' have unequal lengths (or mixed line ends); random access needs every line but the last of a " +
                  "sequence to be equally long (reformat it, e.g. with samtools faidx or seqkit seq -w 60)");
    }
    if (bases < line_bases || bytes != line_bytes) irregular_line_seen = true;
    length += bases;
  }
  finish();
  if (seen.empty()) throw Error(fasta.string() + ": no sequences");
  return out.str();
}

IndexedFasta::IndexedFasta(const fs::path& fasta) : fasta_(fasta), index_(fasta.string() + ".fai") {
  if (!fs::exists(fasta)) throw Error("the reference FASTA '" + fasta.string() + "' does not exist");
  if (gzip_compressed(fasta))
    throw Error("the reference FASTA '" + fasta.string() +
                "' is gzip-compressed; random access needs it uncompressed (gunzip it)");
  std::error_code index_ec, fasta_ec;
  const auto index_time = fs::last_write_time(index_, index_ec);
  const auto fasta_time = fs::last_write_time(fasta, fasta_ec);
  if (!index_ec && !fasta_ec && index_time >= fasta_time) {
    std::ifstream in(index_);
    std::ostringstream text;
    text << in.rdbuf();
    read_index(text.str());
    return;
  }
  const std::string text = build_fasta_index(fasta);
  try {
    write_file_atomically(index_, text);
  } catch (const std::exception& e) {
    // A read-only genome folder: the index serves this run from memory.
    spdlog::warn("could not write the index '{}' ({}); it is kept in memory for this run", index_.string(), e.what());
  }
  read_index(text);
}

void IndexedFasta::read_index(const std::string& text) {
  std::error_code ec;
  const auto size = fs::file_size(fasta_, ec);
  if (ec) throw Error("cannot read the size of the reference FASTA '" + fasta_.string() + "': " + ec.message());
  const auto fasta_bytes = static_cast<unsigned __int128>(size);
  std::istringstream in(text);
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::string where = index_.string() + ":" + std::to_string(number) + ": ";
    std::istringstream fields(line);
    std::string name;
    Entry e;
    // A sequence of several lines has a line end after each: more bytes than bases.
    if (!(fields >> name >> e.length >> e.offset >> e.line_bases >> e.line_bytes) || e.length < 0 ||
        e.offset < 0 || e.line_bases < 0 || e.line_bytes < e.line_bases || (e.length > 0 && e.line_bases == 0) ||
        (e.length > e.line_bases && e.line_bytes == e.line_bases))
      throw Error(where +
                  "not a FASTA index line (name, length, offset, bases per line, bytes per line); delete the "
                  ".fai to have it rebuilt");
    // Its last base must lie inside the FASTA: what fetch reads is then bounded by the file
    // (computed in 128 bits: an index's numbers may be anything).
    if (e.length > 0) {
      const auto last = static_cast<unsigned __int128>(e.length - 1);
      const auto end = static_cast<unsigned __int128>(e.offset) +
                       last / static_cast<unsigned __int128>(e.line_bases) * static_cast<unsigned __int128>(e.line_bytes) +
                       last % static_cast<unsigned __int128>(e.line_bases);
      if (end >= fasta_bytes)
        throw Error(where + "'" + name + "' would end past the end of '" + fasta_.string() + "' (" +
                    std::to_string(size) + " bytes): the index is not this FASTA's; delete it to have it rebuilt");
    }
    if (!entries_.emplace(name, e).second) throw Error(where + "chromosome '" + name + "' appears twice");
    names_.push_back(name);
  }
  if (names_.empty()) throw Error(index_.string() + ": an empty index; delete it to have it rebuilt");
}

std::int64_t IndexedFasta::length(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(fasta_.string() + ": no chromosome '" + name + "'");
  return it->second.length;
}

std::string IndexedFasta::fetch(const std::string& name, std::int64_t start, std::int64_t count) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(fasta_.string() + ": no chromosome '" + name + "'");
  const Entry& e = it->second;
  if (start < 0 || count < 0 || start > e.length || count > e.length - start)
    throw Error(fasta_.string() + ": " + name +
                (start >= 0 && count >= 0 && start <= INT64_MAX - count
                     ? ":" + std::to_string(start + 1) + "-" + std::to_string(start + count)
                     : " from 0-based " + std::to_string(start) + ", " + std::to_string(count) + " bases,") +
                " lies outside the chromosome (" + std::to_string(e.length) + " bases)");
  std::string out;
  if (count == 0) return out;
  // Inside the file: read_index checked the chromosome's last base.
  const auto byte_of = [&e](std::int64_t base) {
    return e.offset + base / e.line_bases * e.line_bytes + base % e.line_bases;
  };
  const std::int64_t first = byte_of(start);
  std::string chunk(static_cast<std::size_t>(byte_of(start + count - 1) - first + 1), '\0');
  std::ifstream in(fasta_, std::ios::binary);
  in.seekg(first);
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  if (static_cast<std::size_t>(in.gcount()) != chunk.size())
    throw Error(fasta_.string() + ": shorter than its index '" + index_.string() +
                "' says (changed since?); delete the index to have it rebuilt");
  out.reserve(static_cast<std::size_t>(count));
  for (std::int64_t base = start; base < start + count; ++base) {
    const char c = chunk[static_cast<std::size_t>(byte_of(base) - first)];
    if (c == '\n' || c == '\r' || c == '>')
      throw Error(fasta_.string() + ": a line end or header where its index '" + index_.string() + "' places base " +
                  std::to_string(base + 1) + " of " + name +
                  " (the FASTA changed since?); delete the index to have it rebuilt");
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace evoaug::analysis
