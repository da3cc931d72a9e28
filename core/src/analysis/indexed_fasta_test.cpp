// The .fai index: the same text as samtools faidx, windows equal to the in-memory genome
// across line breaks, and clear errors for what random access cannot serve.
#include "analysis/indexed_fasta.h"

#include "catch.h"

#include <cstdint>
#include <filesystem>

#include "analysis/variants.h"
#include "test_support.h"

using namespace evoaug::analysis;
using evoaug::testing::Contains;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;

TEST_CASE("a .fai index is built as samtools writes it and serves windows across lines", "[analysis][variants]") {
  TempDir dir;
  // chr1: 25 bases in lines of 10 (lower case too); chr2: 7 bases, CRLF line ends.
  write_file(dir / "g.fa", ">chr1 first\nACGTACGTAC\ngggggccccc\nTTTTA\n>chr2\r\nAACCGGT\r\n");
  const IndexedFasta genome(dir / "g.fa");
  // name, length, offset of the first base, bases per line, bytes per line (samtools faidx):
  // chr2 starts at 12 + 28 bytes of chr1 + the 7 bytes of its header line (CRLF).
  CHECK(evoaug::testing::read_file(dir / "g.fa.fai") == "chr1\t25\t12\t10\t11\nchr2\t7\t47\t7\t9\n");
  CHECK(genome.names() == std::vector<std::string>{"chr1", "chr2"});
  CHECK(genome.length("chr1") == 25);
  CHECK(genome.fetch("chr1", 8, 6) == "ACGGGG");   // across the first line break, upper-cased
  CHECK(genome.fetch("chr1", 18, 7) == "CCTTTTA");  // to the last base
  CHECK(genome.fetch("chr2", 0, 7) == "AACCGGT");
  CHECK_THROWS_WITH(genome.fetch("chr1", 20, 6), Contains("chr1:21-26") && Contains("25 bases"));

  // The same windows as the genome read whole, for every variant position.
  const auto whole = read_genome(dir / "g.fa");
  std::vector<Variant> variants;
  for (std::int64_t pos = 3; pos <= 23; ++pos) {
    const char base = whole.at("chr1")[static_cast<std::size_t>(pos - 1)];
    variants.push_back({"chr1", pos, "v" + std::to_string(pos), std::string(1, base), base == 'A' ? "C" : "A",
                        static_cast<std::size_t>(pos)});
  }
  const auto from_index = variant_windows(variants, genome_view(genome), 5, dir / "v.vcf");
  const auto from_memory = variant_windows(variants, whole, 5, dir / "v.vcf");
  REQUIRE(from_index.size() == from_memory.size());
  for (std::size_t i = 0; i < from_index.size(); ++i) {
    CHECK(from_index[i].ref == from_memory[i].ref);
    CHECK(from_index[i].alt == from_memory[i].alt);
  }

  // A second open reads the index it finds; a stale one (older than the FASTA) is rebuilt.
  const IndexedFasta again(dir / "g.fa");
  CHECK(again.fetch("chr1", 0, 3) == "ACG");
  write_file(dir / "g.fa.fai", "chr1\tnot-a-number\n");
  std::filesystem::last_write_time(dir / "g.fa.fai",
                                   std::filesystem::last_write_time(dir / "g.fa") - std::chrono::hours(1));
  const IndexedFasta rebuilt(dir / "g.fa");
  CHECK(rebuilt.length("chr2") == 7);
  write_file(dir / "g.fa.fai", "chr1\tnot-a-number\n");  // newer than the FASTA: trusted, and refused by line
  CHECK_THROWS_WITH(IndexedFasta(dir / "g.fa"), Contains("g.fa.fai:1") && Contains("delete the .fai"));
}

TEST_CASE("a genome that random access cannot serve is refused by name", "[analysis][variants]") {
  TempDir dir;
  write_file(dir / "ragged.fa", ">chr1\nACGT\nACGTACGT\n");
  CHECK_THROWS_WITH(IndexedFasta(dir / "ragged.fa"), Contains("ragged.fa:3") && Contains("unequal lengths"));
  write_file(dir / "twice.fa", ">chr1\nACGT\n>chr1\nACGT\n");
  CHECK_THROWS_WITH(IndexedFasta(dir / "twice.fa"), Contains("twice.fa:3") && Contains("appears twice"));
  write_file(dir / "gz.fa", std::string("\x1f\x8b\x08\x00", 4));
  CHECK_THROWS_WITH(IndexedFasta(dir / "gz.fa"), Contains("gz.fa") && Contains("gzip"));
  CHECK_THROWS_WITH(IndexedFasta(dir / "none.fa"), Contains("none.fa") && Contains("does not exist"));
  CHECK_FALSE(std::filesystem::exists(dir / "ragged.fa.fai"));
}

TEST_CASE("what the fuzzer found: the index reads what the in-memory reader reads, or refuses by line",
          "[analysis][variants][fuzz]") {
  TempDir dir;
  // Blank lines between a header and its bases: the offset is that of the first base line
  // (it was the blank line's, so every window was shifted).
  write_file(dir / "blank.fa", ">chr1\n\n\r\nTTNTA\r\nACG\r\n");
  const IndexedFasta blank(dir / "blank.fa");
  CHECK(evoaug::testing::read_file(dir / "blank.fa.fai") == "chr1\t8\t9\t5\t7\n");
  CHECK(blank.fetch("chr1", 0, 8) == "TTNTAACG");
  // A name ends at any blank the in-memory reader stops at (a vertical tab went into the
  // .fai whole, which then did not parse).
  write_file(dir / "vtab.fa", ">chr1\vx\nACGT\n");
  CHECK(IndexedFasta(dir / "vtab.fa").names() == std::vector<std::string>{"chr1"});
  CHECK(read_genome(dir / "vtab.fa").count("chr1") == 1);
  // What offsets cannot serve, where the in-memory reader skips: a ';' comment line, a
  // blank inside a line, lines of equal bases but unequal line ends (mixed \n and \r\n,
  // which shifted every window after the first line).
  write_file(dir / "comment.fa", ">chr1\n;CGTACGTAC\nACGTACGTAC\n");
  CHECK_THROWS_WITH(IndexedFasta(dir / "comment.fa"), Contains("comment.fa:2") && Contains("comment line"));
  write_file(dir / "space.fa", ">chr1\nAC GT\nACGTA\n");
  CHECK_THROWS_WITH(IndexedFasta(dir / "space.fa"), Contains("space.fa:2") && Contains("blank"));
  write_file(dir / "mixed.fa", ">chr1\nACGTACGTAC\r\nGGGGGCCCCC\nTTTTA\n");
  CHECK_THROWS_WITH(IndexedFasta(dir / "mixed.fa"), Contains("mixed.fa:4") && Contains("line ends"));
}

TEST_CASE("an index that does not fit its FASTA is refused on open, and windows that overflow are refused",
          "[analysis][variants][fuzz]") {
  TempDir dir;
  write_file(dir / "g.fa", ">chr1\nACGT\n");
  // Bytes per line of 10^15: a window read as many bytes (an allocation of a petabyte).
  write_file(dir / "g.fa.fai", "chr1\t4\t6\t1\t1000000000000000\n");
  std::filesystem::last_write_time(dir / "g.fa.fai", std::filesystem::last_write_time(dir / "g.fa"));
  CHECK_THROWS_WITH(IndexedFasta(dir / "g.fa"), Contains("g.fa.fai:1") && Contains("past the end"));
  std::filesystem::remove(dir / "g.fa.fai");
  const IndexedFasta genome(dir / "g.fa");
  // start + count past INT64_MAX was a negative end that passed the range check.
  CHECK_THROWS_WITH(genome.fetch("chr1", INT64_MAX, 2), Contains("outside the chromosome"));
  CHECK_THROWS_WITH(genome.fetch("chr1", 2, INT64_MAX), Contains("outside the chromosome"));
  // An index for another file whose numbers fit: a header or line end where a base should be.
  write_file(dir / "g.fa.fai", "chr1\t4\t0\t4\t5\n");
  std::filesystem::last_write_time(dir / "g.fa.fai", std::filesystem::last_write_time(dir / "g.fa"));
  CHECK_THROWS_WITH(IndexedFasta(dir / "g.fa").fetch("chr1", 0, 4), Contains("delete the index"));
}
