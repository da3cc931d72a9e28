// Variant scoring on a hand-built genome and VCF: windows, the checks that name vcf:line,
// and effects that are the difference of the two predictions.
#include "catch.h"
#include <torch/torch.h>

#include "analysis/analysis_inputs.h"
#include "analysis/variants.h"
#include "data/fasta.h"
#include "evoaug/error.h"
#include "test_support.h"

using namespace evoaug::analysis;
using Catch::Matchers::Contains;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;

namespace {

// chr1 = ACGTACGTAC GGGGGCCCCC TTTTTAAAAA (30 bases); chr2 = 12 bases.
const char* kGenome = ">chr1 test chromosome\nACGTACGTACGGGGGCCCCC\nTTTTTAAAAA\n>chr2\nAAAACCCCGGGG\n";

std::string vcf(const std::string& records) {
  return "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + records;
}

}  // namespace

TEST_CASE("VCF variants become centred windows with the alternative allele substituted", "[analysis][variants]") {
  TempDir dir;
  write_file(dir / "g.fa", kGenome);
  write_file(dir / "v.vcf", vcf("chr1\t15\trs1\tG\tT\t.\t.\t.\nchr2\t6\t.\tC\tA\t.\t.\t.\n"));
  const auto genome = read_genome(dir / "g.fa");
  REQUIRE(genome.at("chr1").size() == 30);
  const auto pairs = variant_windows(read_vcf(dir / "v.vcf"), genome, 8, dir / "v.vcf");
  REQUIRE(pairs.size() == 2);
  // POS 15 (1-based) is index 14; the window of 8 starts at 14 - 4 = 10.
  CHECK(pairs[0].id == "rs1");
  CHECK(pairs[0].ref == "GGGGGCCC");
  CHECK(pairs[0].alt == "GGGGTCCC");
  CHECK(pairs[1].id == "chr2:6:C>A");
  // chr2 POS 6 is index 5 (a C); the window starts at 1.
  CHECK(pairs[1].ref == "AAACCCCG");
  CHECK(pairs[1].alt == "AAACACCG");
}

TEST_CASE("bad variants are errors that name the VCF's file and line", "[analysis][variants]") {
  TempDir dir;
  write_file(dir / "g.fa", kGenome);
  const auto genome = read_genome(dir / "g.fa");
  const std::string file = (dir / "v.vcf").string();
  auto check = [&](const std::string& records, const std::string& line, const std::string& text) {
    write_file(dir / "v.vcf", vcf(records));
    CHECK_THROWS_WITH(variant_windows(read_vcf(dir / "v.vcf"), genome, 8, dir / "v.vcf"),
                      Contains(file + ":" + line) && Contains(text));
  };
  check("chr1\t15\trs1\tG\tT\nchr1\t15\trs2\tA\tT\n", "4", "does not match the reference genome, which has 'G'");
  check("chrX\t3\t.\tA\tC\n", "3", "chromosome 'chrX'");
  check("chr1\t2\t.\tC\tA\n", "3", "runs past the chromosome's start");
  check("chr1\t29\t.\tA\tC\n", "3", "runs past the chromosome's end");
  check("chr1\t31\t.\tA\tC\n", "3", "past the end of chr1");
  check("chr1\tx15\t.\tG\tT\n", "3", "POS 'x15'");
  check("chr1\t15\t.\tGG\tT\n", "3", "only single-nucleotide variants");
  check("chr1\t15\t.\tG\tT,C\n", "3", "several alleles");
  check("chr1\t15\t.\tG\n", "3", "at least 5");
}

TEST_CASE("variant pairs are read from a TSV with id, ref and alt columns", "[analysis][variants]") {
  TempDir dir;
  write_file(dir / "p.tsv", "id\tref\talt\tmeasured\nv1\tACGT\tACTT\t0.5\n");
  const auto pairs = read_variant_pairs(dir / "p.tsv", 4);
  REQUIRE(pairs.size() == 1);
  CHECK(pairs[0].alt == "ACTT");
  CHECK_THROWS_WITH(read_variant_pairs(dir / "p.tsv", 5), Contains("p.tsv:2") && Contains("length 4"));
  write_file(dir / "q.tsv", "id\treference\talt\n");
  CHECK_THROWS_WITH(read_variant_pairs(dir / "q.tsv", 4), Contains("q.tsv:1") && Contains("'ref'"));
}

TEST_CASE("a variant's effect is the alternative prediction minus the reference one", "[analysis][variants]") {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(5);
  const at::Tensor w = torch::randn({2, 4, 6}, g, torch::kFloat32);
  const ForwardFn forward = [&](const at::Tensor& x) { return torch::einsum("nal,tal->nt", {x, w}) - 0.3; };
  const std::vector<VariantPair> pairs{{"a", "ACGTAC", "ACGGAC"}, {"b", "TTTTTT", "TTATTT"}};
  auto predict = [&](const std::string& s) { return forward(evoaug::one_hot_encode({s}).to(torch::kFloat32))[0]; };
  SECTION("regression: alt - ref") {
    const auto scores = score_variant_pairs(forward, pairs, false, 1);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const at::Tensor expected = predict(pairs[i].alt) - predict(pairs[i].ref);
      CHECK(torch::allclose(scores.effect[i].to(torch::kFloat32), expected, 1e-5, 1e-6));
      CHECK(torch::allclose(scores.ref[i].to(torch::kFloat32), predict(pairs[i].ref), 1e-5, 1e-6));
    }
    const std::string tsv = variant_scores_tsv(pairs, {"dev", "hk"}, scores);
    CHECK(tsv.rfind("id\tdev_ref\tdev_alt\tdev_effect\thk_ref\thk_alt\thk_effect\n", 0) == 0);
  }
  SECTION("classifier: probabilities, and the log-odds difference") {
    const auto scores = score_variant_pairs(forward, pairs, true, 8);
    const at::Tensor p_ref = scores.ref[0], p_alt = scores.alt[0];
    CHECK(torch::allclose(torch::logit(p_alt) - torch::logit(p_ref), scores.effect[0], 1e-6, 1e-8));
    CHECK(torch::allclose(p_ref.to(torch::kFloat32), torch::sigmoid(predict(pairs[0].ref)), 1e-5, 1e-6));
  }
}
