#include "data/labeled_fasta.h"

#include "catch.h"
#include <torch/torch.h>
#include <zlib.h>

#include "evoaug/error.h"
#include "test_support.h"

using namespace evoaug;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;
using evoaug::testing::Contains;

TEST_CASE("FASTA + labels: ids are matched whatever the order, lower case is accepted", "[data]") {
  TempDir dir;
  write_fasta(dir / "s.fa.gz", {{"a", "acgt", 0}, {"b", "GGCC", 0}, {"c", "TTAA", 0}});
  write_file(dir / "l.tsv", "id\tbound\tsignal\nc\t0\t-1.5\na\t1\t2.25\nb\t1\t0\n");
  const auto data = read_labeled_fasta(dir / "s.fa.gz", dir / "l.tsv");
  CHECK(data.task_names == std::vector<std::string>{"bound", "signal"});
  CHECK(data.ids == std::vector<std::string>{"a", "b", "c"});
  CHECK(data.x.scalar_type() == torch::kUInt8);
  CHECK(one_hot_decode(data.x) == std::vector<std::string>{"ACGT", "GGCC", "TTAA"});
  CHECK(torch::allclose(data.y, torch::tensor({1.f, 2.25f, 1.f, 0.f, 0.f, -1.5f}).reshape({3, 2})));
}

TEST_CASE("FASTA + labels: the N policies", "[data]") {
  TempDir dir;
  write_file(dir / "s.fa", ">a\nACGT\n>b\nACNT\n>c\nnnGG\n");
  write_file(dir / "l.tsv", "id\tt\na\t1\nb\t0\nc\t1\n");
  FastaDataOptions options;  // drop, the default
  auto data = read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options);
  CHECK(data.dropped_for_n == 2);
  CHECK(data.ids == std::vector<std::string>{"a"});
  CHECK(data.y.sizes() == torch::IntArrayRef({1, 1}));

  options.n_policy = NPolicy::uniform;
  data = read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options);
  CHECK(data.dropped_for_n == 0);
  CHECK(data.n_positions == 3);
  CHECK(data.x.scalar_type() == torch::kFloat32);
  CHECK(data.x[1].select(1, 2).allclose(torch::full({4}, 0.25)));

  options.n_policy = NPolicy::zero;
  data = read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options);
  CHECK(data.x.scalar_type() == torch::kUInt8);
  CHECK(data.x[2].narrow(1, 0, 2).sum().item<int>() == 0);

  write_file(dir / "all_n.fa", ">a\nNNNN\n");
  write_file(dir / "a.tsv", "id\tt\na\t1\n");
  REQUIRE_THROWS_WITH(read_labeled_fasta(dir / "all_n.fa", dir / "a.tsv"), Contains("nothing is left"));
}

TEST_CASE("FASTA + labels: missing, duplicate and extra ids are listed", "[data]") {
  TempDir dir;
  write_file(dir / "s.fa", ">a\nACGT\n>b\nACGT\n>c\nACGT\n");
  write_file(dir / "missing.tsv", "id\tt\na\t1\n");
  REQUIRE_THROWS_WITH(read_labeled_fasta(dir / "s.fa", dir / "missing.tsv"),
                      Contains("2 sequence(s)") && Contains("'b', 'c'") && Contains("missing.tsv"));
  write_file(dir / "extra.tsv", "id\tt\na\t1\nb\t0\nc\t0\nzz\t1\n");
  REQUIRE_THROWS_WITH(read_labeled_fasta(dir / "s.fa", dir / "extra.tsv"),
                      Contains("1 id(s)") && Contains("'zz' (line 5)"));
  write_file(dir / "dup.tsv", "id\tt\na\t1\nb\t0\na\t0\nc\t1\n");
  REQUIRE_THROWS_WITH(read_labeled_fasta(dir / "s.fa", dir / "dup.tsv"),
                      Contains("dup.tsv") && Contains("'a' (lines 2 and 4)"));
  write_file(dir / "dup.fa", ">a\nACGT\n>a\nACGT\n");
  REQUIRE_THROWS_WITH(read_labeled_fasta(dir / "dup.fa", dir / "missing.tsv"),
                      Contains("dup.fa") && Contains("'a' (lines 1 and 3)"));
  // Many missing ids: a few are listed, with a count of the rest.
  std::string many;
  for (int i = 0; i < 9; ++i) many += ">m" + std::to_string(i) + "\nACGT\n";
  write_file(dir / "many.fa", many);
  REQUIRE_THROWS_WITH(read_labeled_fasta(dir / "many.fa", dir / "missing.tsv"), Contains("and 4 more"));
}

TEST_CASE("FASTA + labels: bad label files name file and line", "[data]") {
  TempDir dir;
  write_file(dir / "s.fa", ">a\nACGT\n");
  write_file(dir / "nan.tsv", "id\tt\na\tnan\n");
  REQUIRE_THROWS_WITH(read_label_table(dir / "nan.tsv"), Contains("nan.tsv:2:") && Contains("not finite"));
  write_file(dir / "text.tsv", "id\tt\na\thigh\n");
  REQUIRE_THROWS_WITH(read_label_table(dir / "text.tsv"), Contains("text.tsv:2:") && Contains("'high' is not a number"));
  write_file(dir / "fields.tsv", "id\tt\tu\na\t1\n");
  REQUIRE_THROWS_WITH(read_label_table(dir / "fields.tsv"), Contains("fields.tsv:2:") && Contains("expected 3"));
  write_file(dir / "header.tsv", "id\n");
  REQUIRE_THROWS_WITH(read_label_table(dir / "header.tsv"), Contains("header.tsv:1:") && Contains("at least one task"));
  CHECK(read_label_header(dir / "fields.tsv") == std::vector<std::string>{"t", "u"});
}

TEST_CASE("FASTA + labels: a label beyond float32 is an error, not inf", "[data]") {
  TempDir dir;
  write_file(dir / "ok.tsv", "id\tt\tu\na\t3e38\t-3e38\n");
  CHECK(read_label_table(dir / "ok.tsv").values[0][0].item<float>() == 3e38f);
  write_file(dir / "big.tsv", "id\tt\tu\na\t1\t2\nb\t0\t1e39\n");
  REQUIRE_THROWS_WITH(read_label_table(dir / "big.tsv"),
                      Contains("big.tsv:3:") && Contains("task 'u'") && Contains("1e39") && Contains("float32"));
  write_file(dir / "small.tsv", "id\tt\na\t-4e38\n");
  REQUIRE_THROWS_WITH(read_label_table(dir / "small.tsv"), Contains("small.tsv:2:") && Contains("float32"));
}

TEST_CASE("FASTA + labels: a truncated gzip label file is an error", "[data]") {
  TempDir dir;
  std::string tsv = "id\tt\n";
  for (int i = 0; i < 2000; ++i) tsv += "s" + std::to_string(i) + "\t" + std::to_string(i * 7919 % 1000) + "\n";
  gzFile out = gzopen((dir / "l.tsv.gz").c_str(), "wb");
  REQUIRE(out);
  REQUIRE(gzwrite(out, tsv.data(), static_cast<unsigned>(tsv.size())) == static_cast<int>(tsv.size()));
  REQUIRE(gzclose(out) == Z_OK);
  CHECK(read_label_table(dir / "l.tsv.gz").ids.size() == 2000);
  const std::string raw = evoaug::testing::read_file(dir / "l.tsv.gz");
  write_file(dir / "cut.tsv.gz", raw.substr(0, raw.size() * 2 / 3));
  REQUIRE_THROWS_WITH(read_label_table(dir / "cut.tsv.gz"), Contains("cut.tsv.gz:") && Contains("truncated"));
}

TEST_CASE("FASTA + labels: the target length is found without loading, as loading finds it", "[data]") {
  TempDir dir;
  write_file(dir / "s.fa", ">a\nACGTAC\n>b\nGGGG\n>c\nTTTTTTTT\n>d\nACGTA\n");
  write_file(dir / "l.tsv", "id\tt\na\t1\nb\t0\nc\t1\nd\t0\n");
  for (auto policy : {LengthPolicy::pad, LengthPolicy::trim, LengthPolicy::pad_or_trim})
    for (std::int64_t length : {0, 5}) {
      if (policy == LengthPolicy::pad_or_trim && length == 0) continue;
      FastaDataOptions options;
      options.length_policy = policy;
      options.length = length;
      INFO("policy " << static_cast<int>(policy) << ", length " << length);
      if (length == 5 && policy != LengthPolicy::pad_or_trim) {
        // A given length that some sequences cannot reach under this policy.
        CHECK(fasta_target_length(dir / "s.fa", options) == 5);
        CHECK_THROWS(read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options));
        continue;
      }
      CHECK(fasta_target_length(dir / "s.fa", options) == read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options).x.size(2));
    }
  FastaDataOptions pad;
  pad.length_policy = LengthPolicy::pad;
  CHECK(fasta_target_length(dir / "s.fa", pad) == 8);
  pad.length_policy = LengthPolicy::trim;
  CHECK(fasta_target_length(dir / "s.fa", pad) == 4);
  CHECK(fasta_target_length(dir / "s.fa") == 6);  // error policy: the first sequence
  pad.length_policy = LengthPolicy::pad_or_trim;
  REQUIRE_THROWS_WITH(fasta_target_length(dir / "s.fa", pad), Contains("[data] length"));
  write_file(dir / "empty.fa", "");
  REQUIRE_THROWS_WITH(fasta_target_length(dir / "empty.fa"), Contains("holds no sequences"));
}

TEST_CASE("FASTA + labels: unequal lengths are an error, or padded/trimmed around the centre", "[data]") {
  TempDir dir;
  write_file(dir / "s.fa", ">a\nACGTAC\n>b\nGGGG\n>c\nTTTTTTTT\n");
  write_file(dir / "l.tsv", "id\tt\na\t1\nb\t0\nc\t1\n");
  REQUIRE_THROWS_WITH(read_labeled_fasta(dir / "s.fa", dir / "l.tsv"),
                      Contains("s.fa:3:") && Contains("'b' has length 4") && Contains("length_policy"));

  FastaDataOptions options;
  options.length_policy = LengthPolicy::pad_or_trim;
  options.length = 6;
  auto data = read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options);
  CHECK(data.padded == 1);
  CHECK(data.trimmed == 1);
  CHECK(one_hot_decode(data.x) == std::vector<std::string>{"ACGTAC", "NGGGGN", "TTTTTT"});
  CHECK(data.x[1].select(1, 0).sum().item<int>() == 0);  // padding is zero columns

  options.length_policy = LengthPolicy::pad;
  options.length = 0;  // the longest
  data = read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options);
  CHECK(data.x.size(2) == 8);
  CHECK(one_hot_decode(data.x)[1] == "NNGGGGNN");

  options.length_policy = LengthPolicy::trim;  // the shortest
  data = read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options);
  CHECK(one_hot_decode(data.x) == std::vector<std::string>{"CGTA", "GGGG", "TTTT"});

  options.length_policy = LengthPolicy::pad_or_trim;
  REQUIRE_THROWS_WITH(read_labeled_fasta(dir / "s.fa", dir / "l.tsv", options), Contains("[data] length"));
}
