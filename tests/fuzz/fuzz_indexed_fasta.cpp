// libFuzzer target: a reference genome read through its .fai index (IndexedFasta, what
// `evoaug score-variants --reference` opens). The input is a FASTA, then optionally a line
// "#fai" and the text of its index. Without an index the reader builds one (and writes it
// beside the FASTA); with one, the index is trusted as the reader trusts any index newer
// than its FASTA. Every chromosome is then read in windows drawn from the input's hash,
// inside, across and beyond its ends. Every input must end in windows or an evoaug::Error,
// never a crash, a hang or a read out of bounds; a window that is returned has the length
// asked for, and one that is not inside the chromosome is refused. When the index is the
// one the reader builds and the in-memory reader (read_genome) accepts the same FASTA,
// names, lengths and every window must equal the in-memory genome's.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/indexed_fasta.h"
#include "analysis/variants.h"
#include "evoaug/error.h"
#include "fuzz_input_file.h"

namespace {

// Prints `what` with its bytes outside printable ASCII escaped (names may hold any), and aborts.
[[noreturn]] void fail(const std::string& what) {
  std::string text;
  for (unsigned char c : what) {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
    text += escaped;
  }
  std::fprintf(stderr, "fuzz_indexed_fasta: %s\n", text.c_str());
  std::abort();
}

// splitmix64 on an FNV-1a hash of the input: windows that follow the input, reproducibly.
struct Draw {
  std::uint64_t state;
  explicit Draw(const std::string& bytes) : state(1469598103934665603ULL) {
    for (unsigned char c : bytes) state = (state ^ c) * 1099511628211ULL;
  }
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [low, high].
  std::int64_t in(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(high - low + 1));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::size_t split = text.find("\n#fai\n");
  const std::string fasta_text = split == std::string::npos ? text : text.substr(0, split + 1);
  const evoaug::fuzz::InputFile fasta(reinterpret_cast<const std::uint8_t*>(fasta_text.data()), fasta_text.size(),
                                      "genome.fa");
  const fs::path index_path = fasta.path().string() + ".fai";
  std::error_code ignored;
  fs::remove(index_path, ignored);
  std::optional<evoaug::fuzz::InputFile> index;
  std::optional<std::string> index_text;
  if (split != std::string::npos) {
    index_text = text.substr(split + 6);
    index.emplace(reinterpret_cast<const std::uint8_t*>(index_text->data()), index_text->size(), "genome.fa.fai");
    // As new as its FASTA, so the reader trusts it (a file system's clock may tick coarsely).
    fs::last_write_time(index_path, fs::last_write_time(fasta.path()), ignored);
  }

  // The in-memory genome, when the index is the reader's own and the whole FASTA parses.
  std::optional<std::map<std::string, std::string>> memory;
  try {
    if (!index_text || *index_text == evoaug::analysis::build_fasta_index(fasta.path()))
      memory = evoaug::analysis::read_genome(fasta.path());
  } catch (const evoaug::Error&) {
  }

  try {
    const evoaug::analysis::IndexedFasta genome(fasta.path());
    if (memory) {
      std::vector<std::string> names = genome.names();
      std::sort(names.begin(), names.end());
      std::vector<std::string> expected;
      for (const auto& entry : *memory) expected.push_back(entry.first);
      if (names != expected) fail("the index names other chromosomes than the in-memory reader");
    }
    if (genome.has("\n")) fail("a chromosome named by a line break");
    try {
      (void)genome.length("\n");
      fail("the length of an unknown chromosome");
    } catch (const evoaug::Error&) {
    }
    Draw draw(text);
    std::size_t chromosomes = 0;
    for (const auto& name : genome.names()) {
      if (++chromosomes > 16) break;
      const std::int64_t length = genome.length(name);
      if (length < 0) fail("a negative length");
      const std::string* whole = memory ? &memory->at(name) : nullptr;
      if (whole && static_cast<std::int64_t>(whole->size()) != length)
        fail("'" + name + "': index length " + std::to_string(length) + ", in memory " + std::to_string(whole->size()));
      std::vector<std::pair<std::int64_t, std::int64_t>> windows;
      if (length <= (1 << 20)) windows.emplace_back(0, length);
      for (int i = 0; i < 8; ++i) {
        const std::int64_t start = draw.in(-2, std::min<std::int64_t>(length, 1 << 20) + 1);
        windows.emplace_back(start, draw.in(-1, std::min<std::int64_t>(length, 64) + 2));
      }
      windows.emplace_back(std::max<std::int64_t>(length - 1, 0), 1);
      windows.emplace_back(length, 0);
      windows.emplace_back(INT64_MAX, 2);  // start + count overflows
      for (const auto& [start, count] : windows) {
        const bool inside = start >= 0 && count >= 0 && start <= length && count <= length - start;
        try {
          const std::string bases = genome.fetch(name, start, count);
          if (!inside) fail("'" + name + "': a window outside the chromosome was read");
          if (static_cast<std::int64_t>(bases.size()) != count) fail("'" + name + "': a window of the wrong length");
          if (whole && bases != whole->substr(static_cast<std::size_t>(start), static_cast<std::size_t>(count)))
            fail("'" + name + "': " + std::to_string(start) + "+" + std::to_string(count) + " reads '" + bases +
                 "' through the index, '" +
                 whole->substr(static_cast<std::size_t>(start), static_cast<std::size_t>(count)) + "' in memory");
        } catch (const evoaug::Error&) {
          if (inside && whole) fail("'" + name + "': a window inside the chromosome was refused");
        }
      }
    }
  } catch (const evoaug::Error&) {
  }
  fs::remove(index_path, ignored);
  return 0;
}
