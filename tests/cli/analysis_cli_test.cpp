// evoaug attribute, score-variants and filters end to end on a model trained for seconds,
// through the built `evoaug` binary.
#include "catch.h"

#include <H5Cpp.h>

#include <cmath>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::read_file;
using evoaug::testing::run_host;
using evoaug::testing::write_file;

namespace {

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::vector<float> read_floats(const fs::path& file, const std::string& name, std::vector<hsize_t>* dims) {
  H5::H5File h5(file.string(), H5F_ACC_RDONLY);
  H5::DataSet data = h5.openDataSet(name);
  const H5::DataSpace space = data.getSpace();
  dims->resize(static_cast<std::size_t>(space.getSimpleExtentNdims()));
  space.getSimpleExtentDims(dims->data());
  std::vector<float> values(static_cast<std::size_t>(space.getSimpleExtentNpoints()));
  data.read(values.data(), H5::PredType::NATIVE_FLOAT);
  return values;
}

std::vector<std::vector<std::string>> read_tsv(const fs::path& file) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(file));
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> row;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("the analysis commands run on a trained model and write what they promise", "[cli][analysis]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml",
             "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 3\noutput_dir = \"out\"\n\n"
             "[data]\nformat = \"synthetic\"\nnum_sequences = 200\nlength = 80\ntasks = 1\n\n"
             "[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\n\n"
             "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"insertion\"\ninsert_max = 5\n\n"
             "[pretrain]\nmax_epochs = 1\nbatch_size = 32\n\n[finetune]\nmax_epochs = 1\nbatch_size = 32\n");
  const auto trained = run_host("--log-level warn run " + quoted(dir / "p.toml"));
  INFO(trained.output);
  REQUIRE(trained.exit_code == 0);
  const fs::path run = dir / "out";

  // A genome: chr1 of 200 bases; the variants' windows are 80 bases.
  std::string chr1;
  for (int i = 0; i < 200; ++i) chr1 += "ACGTTGCAAC"[(i * 7 + i / 3) % 10];
  write_file(dir / "g.fa", ">chr1\n" + chr1 + "\n");
  std::string fasta;
  for (int i = 0; i < 4; ++i) fasta += ">s" + std::to_string(i) + "\n" + chr1.substr(static_cast<std::size_t>(i * 30), 80) + "\n";
  write_file(dir / "x.fa", fasta);

  SECTION("attribute: corrected saliency maps in HDF5, one logo per map asked for") {
    const auto out = run_host("--log-level warn attribute " + quoted(run) + " --in " + quoted(dir / "x.fa") +
                              " --logos 2 --out " + quoted(dir / "sal.h5"));
    INFO(out.output);
    REQUIRE(out.exit_code == 0);
    std::vector<hsize_t> dims;
    const auto maps = read_floats(dir / "sal.h5", "attributions", &dims);
    REQUIRE(dims == std::vector<hsize_t>{4, 4, 80});
    double largest = 0, worst_sum = 0;
    for (std::size_t n = 0; n < 4; ++n)
      for (std::size_t l = 0; l < 80; ++l) {
        double sum = 0;
        for (std::size_t a = 0; a < 4; ++a) {
          sum += maps[(n * 4 + a) * 80 + l];
          largest = std::max(largest, std::fabs(static_cast<double>(maps[(n * 4 + a) * 80 + l])));
        }
        worst_sum = std::max(worst_sum, std::fabs(sum));
      }
    CHECK(largest > 0);
    CHECK(worst_sum < 1e-5 * std::max(1.0, largest));
    CHECK(fs::exists(dir / "sal.logo_0.svg"));
    CHECK(fs::exists(dir / "sal.logo_1.svg"));
    CHECK_FALSE(fs::exists(dir / "sal.logo_2.svg"));
    CHECK_THAT(read_file(dir / "sal.logo_0.svg"), Contains("<svg") && Contains("s0 (saliency"));
    // ISM: one map per sequence, exactly 0 at the observed nucleotide.
    const auto ism = run_host("--log-level warn attribute --checkpoint " + quoted(run / "checkpoints" / "finetune-best.pt") +
                              " --in " + quoted(dir / "x.fa") + " --method ism --n 2 --logos 0 --out " +
                              quoted(dir / "ism.h5"));
    INFO(ism.output);
    REQUIRE(ism.exit_code == 0);
    const auto ism_maps = read_floats(dir / "ism.h5", "attributions", &dims);
    REQUIRE(dims == std::vector<hsize_t>{2, 4, 80});
    const std::string letters = "ACGT";
    for (std::size_t l = 0; l < 80; ++l) CHECK(ism_maps[letters.find(chr1[l]) * 80 + l] == 0.0f);
    // Mistakes name the option.
    CHECK_THAT(run_host("attribute " + quoted(run) + " --in " + quoted(dir / "x.fa") + " --method smap --out " +
                        quoted(dir / "y.h5")).output, Contains("--method") && Contains("gradient_shap"));
    CHECK_THAT(run_host("attribute " + quoted(run) + " --in " + quoted(dir / "x.fa") + " --task 5 --out " +
                        quoted(dir / "y.h5")).output, Contains("--task '5'"));
  }

  SECTION("score-variants: a VCF's effects are the differences of the two predictions") {
    write_file(dir / "v.vcf", std::string("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n") + "chr1\t100\tv1\t" +
                                  chr1[99] + "\t" + (chr1[99] == 'A' ? "C" : "A") + "\n");
    const auto out = run_host("--log-level warn score-variants " + quoted(run) + " --vcf " + quoted(dir / "v.vcf") +
                              " --reference " + quoted(dir / "g.fa") + " --out " + quoted(dir / "s.tsv"));
    INFO(out.output);
    REQUIRE(out.exit_code == 0);
    const auto rows = read_tsv(dir / "s.tsv");
    REQUIRE(rows.size() == 2);
    REQUIRE(rows[0].size() == 4);
    CHECK(rows[1][0] == "v1");
    // The classifier's effect is the log-odds difference of the probabilities it lists.
    const double ref = std::stod(rows[1][1]), alt = std::stod(rows[1][2]), effect = std::stod(rows[1][3]);
    CHECK(effect == Approx(std::log(alt / (1 - alt)) - std::log(ref / (1 - ref))).margin(1e-4));
    // And the reference prediction is what predict says for the same 80-base window
    // (POS 100 sits at index 40 of the window starting at 0-based 59).
    write_file(dir / "w.fa", ">w\n" + chr1.substr(59, 80) + "\n");
    REQUIRE(run_host("--log-level warn predict --checkpoint " + quoted(run / "checkpoints" / "finetune-best.pt") +
                     " --in " + quoted(dir / "w.fa") + " --out " + quoted(dir / "w.tsv")).exit_code == 0);
    CHECK(std::stod(read_tsv(dir / "w.tsv")[1][1]) == Approx(ref).epsilon(1e-4));
    // A wrong REF names the VCF's line.
    write_file(dir / "bad.vcf", std::string("#CHROM\tPOS\tID\tREF\tALT\nchr1\t100\tv1\t") +
                                    (chr1[99] == 'A' ? "C" : "A") + "\tG\n");
    const auto bad = run_host("score-variants " + quoted(run) + " --vcf " + quoted(dir / "bad.vcf") + " --reference " +
                              quoted(dir / "g.fa") + " --out " + quoted(dir / "b.tsv"));
    CHECK(bad.exit_code != 0);
    CHECK_THAT(bad.output, Contains("bad.vcf:2") && Contains("does not match the reference genome"));
    CHECK_FALSE(fs::exists(dir / "b.tsv"));
  }

  SECTION("score-variants: pairs with measured effects give the per-experiment correlations (CAGI5)") {
    // Six variants of one window in two experiments; the measured effects are the model's
    // own predicted effects (e1) and their negation (e2), so r is 1 and -1.
    const std::string window = chr1.substr(59, 80);
    std::string pairs = "id\tref\talt\texperiment\tmeasured\n";
    std::vector<std::string> alts;
    for (int k = 0; k < 6; ++k) {
      std::string alt = window;
      alt[static_cast<std::size_t>(10 + 11 * k)] = alt[static_cast<std::size_t>(10 + 11 * k)] == 'A' ? 'C' : 'A';
      alts.push_back(alt);
      pairs += "p" + std::to_string(k) + "\t" + window + "\t" + alt + "\t" + (k < 3 ? "e1" : "e2") + "\t\n";
    }
    write_file(dir / "pairs.tsv", pairs);
    REQUIRE(run_host("--log-level warn score-variants " + quoted(run) + " --pairs " + quoted(dir / "pairs.tsv") +
                     " --out " + quoted(dir / "unmeasured.tsv")).exit_code == 0);
    CHECK_FALSE(fs::exists(dir / "unmeasured.correlations.tsv"));  // nothing measured, no table
    const auto predicted = read_tsv(dir / "unmeasured.tsv");
    std::string measured = "id\tref\talt\texperiment\tmeasured\n";
    for (int k = 0; k < 6; ++k) {
      const double effect = std::stod(predicted[static_cast<std::size_t>(k + 1)][3]);
      measured += "p" + std::to_string(k) + "\t" + window + "\t" + alts[static_cast<std::size_t>(k)] + "\t" +
                  (k < 3 ? "e1\t" : "e2\t") + std::to_string(k < 3 ? effect : -effect) + "\n";
    }
    write_file(dir / "measured.tsv", measured);
    const auto out = run_host("--log-level warn score-variants " + quoted(run) + " --pairs " +
                              quoted(dir / "measured.tsv") + " --out " + quoted(dir / "m.tsv"));
    INFO(out.output);
    REQUIRE(out.exit_code == 0);
    const auto table = read_tsv(dir / "m.correlations.tsv");
    REQUIRE(table.size() == 4);
    CHECK(table[1][0] == "e1");
    CHECK(table[1][1] == "3");
    CHECK(std::stod(table[1][2]) == Approx(1.0).margin(1e-3));
    CHECK(std::stod(table[2][2]) == Approx(-1.0).margin(1e-3));
    CHECK(table[3][0] == "mean");
    CHECK_THAT(out.output, Contains("Pearson r per experiment"));
  }

  SECTION("synth --motifs-out writes the generator's motifs, a database filters can read") {
    const auto synth = run_host("--log-level warn synth --num-sequences 200 --length 80 --out " + quoted(dir / "s.h5") +
                                " --motifs-out " + quoted(dir / "gen.meme"));
    INFO(synth.output);
    REQUIRE(synth.exit_code == 0);
    const std::string meme = read_file(dir / "gen.meme");
    CHECK_THAT(meme, Contains("MEME version 4") && Contains("MOTIF CTCF ") && Contains("letter-probability matrix"));
    const auto out = run_host("--log-level warn filters " + quoted(run) + " --in " + quoted(dir / "s.h5") +
                              " --motifs " + quoted(dir / "gen.meme") + " --shuffles 20 --no-logos --out " +
                              quoted(dir / "g"));
    INFO(out.output);
    CHECK(out.exit_code == 0);
    CHECK_THAT(out.output, Contains("hit rate"));
    // The same file for both outputs is refused before anything is written.
    const auto same = run_host("synth --out " + quoted(dir / "t.h5") + " --motifs-out " + quoted(dir / "t.h5"));
    CHECK(same.exit_code != 0);
    CHECK_THAT(same.output, Contains("--motifs-out"));
  }

  SECTION("filters: one PFM per first-layer filter, and the comparison's summary") {
    write_file(dir / "db.meme", "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF M1 ONE\n"
                                "letter-probability matrix: alength= 4 w= 5\n"
                                "0.97 0.01 0.01 0.01\n0.01 0.97 0.01 0.01\n0.01 0.01 0.97 0.01\n"
                                "0.01 0.01 0.01 0.97\n0.97 0.01 0.01 0.01\n");
    const auto out = run_host("--log-level warn filters " + quoted(run) + " --in " + quoted(dir / "x.fa") +
                              " --motifs " + quoted(dir / "db.meme") + " --shuffles 50 --out " + quoted(dir / "f"));
    INFO(out.output);
    REQUIRE(out.exit_code == 0);
    const std::string meme = read_file(dir / "f" / "filters.meme");
    CHECK_THAT(meme, Contains("MOTIF filter_0") && Contains("MOTIF filter_7") && Contains("letter-probability matrix"));
    CHECK(meme.find("MOTIF filter_8") == std::string::npos);
    CHECK(fs::exists(dir / "f" / "filter_0.svg"));
    CHECK(read_tsv(dir / "f" / "matches.tsv").size() == 9);
    CHECK_THAT(out.output, Contains("hit rate") && Contains("of 8 filters"));
  }
}
