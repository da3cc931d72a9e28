// Variant scoring on a hand-built genome and VCF: windows, the checks that name vcf:line,
// and effects that are the difference of the two predictions.
#include "catch.h"
#include <cmath>
#include <torch/torch.h>

#include "analysis/analysis_inputs.h"
#include "analysis/variants.h"
#include "data/fasta.h"
#include "evoaug/error.h"
#include "test_support.h"

using namespace evoaug::analysis;
using evoaug::testing::Contains;
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

TEST_CASE("measured effects are correlated with the predicted ones per experiment (CAGI5)", "[analysis][variants]") {
  TempDir dir;
  // Experiment e1: predicted = 2 x measured (r = 1); e2: predicted = -measured (r = -1);
  // e3: two variants only (undefined); one row without a measurement is left out.
  write_file(dir / "m.tsv",
             "id\tref\talt\texperiment\tmeasured\n"
             "a\tACGT\tACGA\te1\t1\nb\tACGT\tACGC\te1\t2\nc\tACGT\tACGG\te1\t4\n"
             "d\tACGT\tACTT\te2\t1\ne\tACGT\tACAT\te2\t3\nf\tACGT\tACCT\te2\t2\n"
             "g\tACGT\tAAGT\te3\t1\nh\tACGT\tAGGT\te3\t5\ni\tACGT\tATGT\te1\tNA\n");
  const auto pairs = read_variant_pairs(dir / "m.tsv", 4);
  REQUIRE(pairs.size() == 9);
  CHECK(pairs[0].experiment == "e1");
  CHECK(*pairs[1].measured == 2.0);
  CHECK_FALSE(pairs[8].measured.has_value());
  const std::vector<double> predicted{2, 4, 8, -1, -3, -2, 0, 1, 100};
  const auto correlations = measured_correlations(pairs, predicted);
  REQUIRE(correlations.size() == 3);
  CHECK(correlations[0].experiment == "e1");
  CHECK(correlations[0].variants == 3);  // the unmeasured row is not counted
  CHECK(correlations[0].pearson == Approx(1.0));
  CHECK(correlations[1].pearson == Approx(-1.0));
  CHECK(std::isnan(correlations[2].pearson));
  const std::string table = correlations_tsv(correlations);
  CHECK_THAT(table, Contains("experiment\tvariants\tpearson\n") && Contains("e1\t3\t1\n") &&
                        Contains("mean\t8\t0\n"));  // mean of the defined ones: (1 - 1) / 2

  // Without the columns every variant is of experiment "all" and unmeasured.
  write_file(dir / "plain.tsv", "id\tref\talt\na\tACGT\tACGA\n");
  const auto plain = read_variant_pairs(dir / "plain.tsv", 4);
  CHECK(plain[0].experiment == "all");
  CHECK_FALSE(plain[0].measured.has_value());
  write_file(dir / "bad.tsv", "id\tref\talt\tmeasured\na\tACGT\tACGA\t1.5x\n");
  CHECK_THROWS_WITH(read_variant_pairs(dir / "bad.tsv", 4),
                    Contains("bad.tsv:2") && Contains("'1.5x'") && Contains("not a number"));
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

TEST_CASE("planted-site AUROC and AUPRC are 1 for maps that mark the sites, chance for flat ones", "[analysis]") {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(8);
  const at::Tensor x =
      torch::one_hot(torch::randint(0, 4, {3, 30}, g, torch::kLong), 4).permute({0, 2, 1}).to(torch::kFloat32);
  // Sites: sequence 0 motif 1 (width 5) at 3; sequence 2 motif 0 (width 4) at 20; a site of
  // a sequence beyond the maps is ignored.
  const at::Tensor sites = torch::tensor({0, 1, 3, 0, 2, 0, 20, 1, 7, 0, 0, 0}, torch::kLong).reshape({3, 4});
  const std::vector<std::int64_t> widths{4, 5};
  at::Tensor marked = torch::rand({3, 4, 30}, g) * 0.1;
  marked[0].narrow(1, 3, 5) += 1;
  marked[2].narrow(1, 20, 4) -= 1;  // negative attributions count by their size
  const PlantedSiteScores perfect = planted_site_scores(marked, x, sites, widths, AttributionMethod::saliency);
  CHECK(perfect.auroc == Approx(1.0));
  CHECK(perfect.auprc == Approx(1.0));
  CHECK(perfect.positives > 0.0);
  CHECK(perfect.positives < 1.0);
  const PlantedSiteScores flat = planted_site_scores(torch::ones({3, 4, 30}), x, sites, widths, AttributionMethod::ism);
  CHECK(flat.auroc == Approx(0.5));
  CHECK(flat.auprc == Approx(flat.positives));  // chance level: the share of site positions
  // Marking positions outside the sites instead turns it to 0.
  at::Tensor wrong = torch::ones({3, 4, 30});
  wrong[0].narrow(1, 3, 5).zero_();
  wrong[2].narrow(1, 20, 4).zero_();
  const PlantedSiteScores inverted = planted_site_scores(wrong, x, sites, widths, AttributionMethod::input_x_gradient);
  CHECK(inverted.auroc == Approx(0.0));
  CHECK(inverted.auprc == Approx(flat.auprc));  // the sites come last: precision only at full recall
  const at::Tensor bad = torch::tensor({0, 9, 3, 0}, torch::kLong).reshape({1, 4});
  CHECK_THROWS_WITH(planted_site_scores(marked, x, bad, widths, AttributionMethod::saliency), Contains("motif index 9"));
}
