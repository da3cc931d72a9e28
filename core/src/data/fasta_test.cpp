#include "data/fasta.h"

#include "catch.h"
#include <torch/torch.h>

#include "evoaug/error.h"
#include "test_support.h"

using namespace evoaug;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;
using evoaug::testing::Contains;

TEST_CASE("FASTA: records, lower case, wrapped lines and blank lines", "[data]") {
  TempDir dir;
  write_file(dir / "a.fa", "\n>s1 first one\nacgt\nNNac\n\n>s2\r\nGGGG\r\n>s3\nttaa");
  const auto records = read_fasta(dir / "a.fa");
  REQUIRE(records.size() == 3);
  CHECK(records[0].id == "s1");
  CHECK(records[0].sequence == "ACGTNNAC");
  CHECK(records[0].line == 2);
  CHECK(records[1].id == "s2");
  CHECK(records[1].sequence == "GGGG");
  CHECK(records[1].line == 6);
  CHECK(records[2].sequence == "TTAA");
}

TEST_CASE("FASTA: gzip round trip through the writer", "[data]") {
  TempDir dir;
  std::vector<FastaRecord> records{{"x", "ACGTACGTAC", 0}, {"y", "NNNNGGGGCC", 0}};
  write_fasta(dir / "out.fa.gz", records, 4);
  // The file really is gzip (magic bytes 1f 8b), and reads back the same.
  const std::string raw = evoaug::testing::read_file(dir / "out.fa.gz");
  REQUIRE(raw.size() > 2);
  CHECK(static_cast<unsigned char>(raw[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(raw[1]) == 0x8b);
  const auto back = read_fasta(dir / "out.fa.gz");
  REQUIRE(back.size() == 2);
  CHECK(back[0].sequence == "ACGTACGTAC");
  CHECK(back[1].id == "y");
  CHECK(back[1].sequence == "NNNNGGGGCC");
  CHECK(back[1].line == 5);  // x takes lines 1-4 at width 4 (header + 3 lines)

  write_fasta(dir / "plain.fa", records);
  CHECK(evoaug::testing::read_file(dir / "plain.fa") == ">x\nACGTACGTAC\n>y\nNNNNGGGGCC\n");
}

TEST_CASE("FASTA: a truncated or corrupt gzip file is an error, not a shorter file", "[data]") {
  TempDir dir;
  // Varied letters (a fixed LCG), so that the compressed stream is long enough to cut.
  std::vector<FastaRecord> records;
  std::uint32_t state = 12345;
  for (int r = 0; r < 200; ++r) {
    std::string sequence;
    for (int i = 0; i < 100; ++i) {
      state = state * 1664525u + 1013904223u;
      sequence.push_back("ACGT"[state >> 30]);
    }
    records.push_back({"s" + std::to_string(r), sequence, 0});
  }
  write_fasta(dir / "whole.fa.gz", records);
  REQUIRE(read_fasta(dir / "whole.fa.gz").size() == 200);
  const std::string raw = evoaug::testing::read_file(dir / "whole.fa.gz");
  REQUIRE(raw.size() > 1000);

  // Cut in the middle of the compressed data: the records before the cut must not pass
  // for the whole file.
  write_file(dir / "half.fa.gz", raw.substr(0, raw.size() / 2));
  REQUIRE_THROWS_WITH(read_fasta(dir / "half.fa.gz"), Contains("half.fa.gz:") && Contains("truncated"));
  // Only the trailer (CRC and size) cut short: every record decodes, still an error.
  write_file(dir / "tail.fa.gz", raw.substr(0, raw.size() - 3));
  REQUIRE_THROWS_WITH(read_fasta(dir / "tail.fa.gz"), Contains("tail.fa.gz:") && Contains("truncated"));
  // A damaged CRC: corrupt.
  std::string bad_crc = raw;
  bad_crc[bad_crc.size() - 8] = static_cast<char>(bad_crc[bad_crc.size() - 8] ^ 0xff);
  write_file(dir / "crc.fa.gz", bad_crc);
  REQUIRE_THROWS_WITH(read_fasta(dir / "crc.fa.gz"), Contains("crc.fa.gz:") && Contains("corrupt"));
}

TEST_CASE("FASTA: a bad letter is an error naming file and line", "[data]") {
  TempDir dir;
  write_file(dir / "bad.fa", ">a\nACGT\n>b\nACGT\nACXT\n");
  REQUIRE_THROWS_WITH(read_fasta(dir / "bad.fa"), Contains("bad.fa:5:") && Contains("'X'") && Contains("'b'"));
  // The writer does not validate, so it can make a gzip file holding a bad letter.
  write_fasta(dir / "bad.fa.gz", {{"a", "ACGT", 0}, {"b", "ACGTACGTAC", 0}, {"c", "AC?T", 0}}, 4);
  REQUIRE_THROWS_WITH(read_fasta(dir / "bad.fa.gz"), Contains("bad.fa.gz:8:") && Contains("'?'"));
  write_file(dir / "bad2.fa", ">a\nAC-T\n");
  REQUIRE_THROWS_WITH(read_fasta(dir / "bad2.fa"), Contains("bad2.fa:2:") && Contains("'-'"));
}

TEST_CASE("FASTA: malformed files", "[data]") {
  TempDir dir;
  write_file(dir / "no_header.fa", "ACGT\n>a\nACGT\n");
  REQUIRE_THROWS_WITH(read_fasta(dir / "no_header.fa"), Contains("no_header.fa:1:") && Contains("header"));
  write_file(dir / "empty_id.fa", ">\nACGT\n");
  REQUIRE_THROWS_WITH(read_fasta(dir / "empty_id.fa"), Contains("empty_id.fa:1:") && Contains("no sequence id"));
  write_file(dir / "empty_seq.fa", ">a\n>b\nACGT\n");
  REQUIRE_THROWS_WITH(read_fasta(dir / "empty_seq.fa"), Contains("empty_seq.fa:1:") && Contains("'a' is empty"));
  REQUIRE_THROWS_WITH(read_fasta(dir / "missing.fa"), Contains("missing.fa") && Contains("does not exist"));
  write_file(dir / "empty.fa", "");
  CHECK(read_fasta(dir / "empty.fa").empty());
}

TEST_CASE("FASTA: one-hot encoding and N policies", "[data]") {
  const std::vector<std::string> seqs{"ACGT", "acgn"};
  const at::Tensor uniform = one_hot_encode(seqs, NPolicy::uniform, true);
  CHECK(uniform.scalar_type() == torch::kFloat32);  // 0.25 cannot be uint8
  CHECK(uniform.sizes() == torch::IntArrayRef({2, 4, 4}));
  CHECK(torch::equal(uniform[0], torch::eye(4)));
  CHECK(uniform[1].select(1, 3).allclose(torch::full({4}, 0.25)));

  const at::Tensor zero = one_hot_encode(seqs, NPolicy::zero, true);
  CHECK(zero.scalar_type() == torch::kUInt8);
  CHECK(zero[1].select(1, 3).sum().item<int>() == 0);
  CHECK(zero[1].select(1, 2).argmax().item<int>() == 2);

  CHECK(one_hot_encode({"ACGT"}, NPolicy::uniform, true).scalar_type() == torch::kUInt8);
  CHECK(one_hot_encode({"ACGT"}, NPolicy::uniform, false).scalar_type() == torch::kFloat32);
  REQUIRE_THROWS_WITH(one_hot_encode(seqs, NPolicy::drop), Contains("contains N"));
  REQUIRE_THROWS_WITH(one_hot_encode({"ACGT", "ACG"}), Contains("sequence #1 has length 3"));
}

TEST_CASE("FASTA: decoding one-hot back to letters", "[data]") {
  const std::vector<std::string> seqs{"ACGTNNGA", "TTTTCCCC"};
  CHECK(one_hot_decode(one_hot_encode(seqs, NPolicy::uniform)) == seqs);
  CHECK(one_hot_decode(one_hot_encode(seqs, NPolicy::zero, true)) == seqs);
  // Soft values: the largest channel wins.
  at::Tensor soft = torch::tensor({0.1f, 0.7f, 0.1f, 0.1f}).reshape({4, 1});
  CHECK(one_hot_decode(soft) == std::vector<std::string>{"C"});
  REQUIRE_THROWS_WITH(one_hot_decode(torch::zeros({2, 5, 3})), Contains("(N, 4, L)"));
}

TEST_CASE("FASTA: N policy names", "[data]") {
  CHECK(parse_n_policy("drop") == NPolicy::drop);
  CHECK(to_string(parse_n_policy("uniform")) == "uniform");
  REQUIRE_THROWS_WITH(parse_n_policy("keep"), Contains("drop, uniform, zero"));
}
