#include "analysis/indexed_fasta.h"

#include <algorithm>
#include <cctype>
#include <fstream>
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

}  // namespace

std::string build_fasta_index(const fs::path& fasta) {
  std::ifstream in(fasta, std::ios::binary);
  if (!in) throw Error("cannot open the reference FASTA '" + fasta.string() + "'");
  std::ostringstream out;
  std::vector<std::string> seen;
  std::string line, name;
  std::int64_t offset = 0, length = 0, line_bases = 0, line_bytes = 0, line_number = 0;
  bool short_line_seen = false;
  const auto finish = [&] {
    if (!name.empty())
      out << name << '\t' << length << '\t' << offset << '\t' << line_bases << '\t' << line_bytes << '\n';
  };
  std::int64_t position = 0;  // bytes read so far
  while (std::getline(in, line)) {
    ++line_number;
    const std::int64_t bytes = static_cast<std::int64_t>(line.size()) + (in.eof() ? 0 : 1);
    position += bytes;
    if (!line.empty() && line[0] == '>') {
      finish();
      name = line.substr(1, line.find_first_of(" \t\r") == std::string::npos ? std::string::npos
                                                                             : line.find_first_of(" \t\r") - 1);
      if (name.empty()) throw Error(fasta.string() + ":" + std::to_string(line_number) + ": a '>' line without a name");
      if (std::find(seen.begin(), seen.end(), name) != seen.end())
        throw Error(fasta.string() + ":" + std::to_string(line_number) + ": chromosome '" + name + "' appears twice");
      seen.push_back(name);
      offset = position;
      length = line_bases = line_bytes = 0;
      short_line_seen = false;
      continue;
    }
    if (name.empty()) {
      if (line.empty() || line == "\r") continue;
      throw Error(fasta.string() + ":" + std::to_string(line_number) + ": sequence before the first '>' line");
    }
    const std::int64_t bases = static_cast<std::int64_t>(line.size()) - (!line.empty() && line.back() == '\r');
    if (bases == 0) {
      short_line_seen = true;
      continue;
    }
    if (line_bases == 0) {
      line_bases = bases;
      line_bytes = bytes;
    } else if (short_line_seen || bases > line_bases) {
      throw Error(fasta.string() + ":" + std::to_string(line_number) + ": lines of '" + name +
                  "' have unequal lengths; random access needs every line but the last of a sequence " +
                  "to be equally long (reformat it, e.g. with samtools faidx or seqkit seq -w 60)");
    }
    if (bases < line_bases) short_line_seen = true;
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
  std::error_code ec;
  const bool fresh = fs::exists(index_) && fs::last_write_time(index_, ec) >= fs::last_write_time(fasta, ec) && !ec;
  if (fresh) {
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
  std::istringstream in(text);
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string name;
    Entry e;
    if (!(fields >> name >> e.length >> e.offset >> e.line_bases >> e.line_bytes) || e.length < 0 ||
        e.offset < 0 || e.line_bases < 0 || e.line_bytes < e.line_bases || (e.length > 0 && e.line_bases == 0))
      throw Error(index_.string() + ":" + std::to_string(number) +
                  ": not a FASTA index line (name, length, offset, bases per line, bytes per line); delete the "
                  ".fai to have it rebuilt");
    if (!entries_.emplace(name, e).second)
      throw Error(index_.string() + ":" + std::to_string(number) + ": chromosome '" + name + "' appears twice");
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
  if (start < 0 || count < 0 || start + count > e.length)
    throw Error(fasta_.string() + ": " + name + ":" + std::to_string(start + 1) + "-" + std::to_string(start + count) +
                " lies outside the chromosome (" + std::to_string(e.length) + " bases)");
  std::string out;
  if (count == 0) return out;
  std::ifstream in(fasta_, std::ios::binary);
  const std::int64_t first_line = start / e.line_bases, last_line = (start + count - 1) / e.line_bases;
  in.seekg(e.offset + first_line * e.line_bytes + start % e.line_bases);
  std::string chunk(static_cast<std::size_t>((last_line - first_line + 1) * e.line_bytes), '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<std::size_t>(in.gcount()));
  for (char c : chunk) {
    if (c == '\n' || c == '\r') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (static_cast<std::int64_t>(out.size()) == count) break;
  }
  if (static_cast<std::int64_t>(out.size()) != count)
    throw Error(fasta_.string() + ": shorter than its index '" + index_.string() +
                "' says (changed since?); delete the index to have it rebuilt");
  return out;
}

}  // namespace evoaug::analysis
