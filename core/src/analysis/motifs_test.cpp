// Filters and motifs: MEME round trip, a planted PWM recovered from a filter that is that
// PWM, and the comparison finding the synthetic generator's motif among decoys.
#include "catch.h"
#include <torch/torch.h>

#include <random>

#include "analysis/filters.h"
#include "analysis/motifs.h"
#include "data/synthetic.h"
#include "evoaug/error.h"
#include "test_support.h"

using evoaug::analysis::CompareOptions;
using evoaug::analysis::Motif;
using evoaug::testing::Contains;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;

namespace {

// The synthetic generator's PWM of `factor` as a MEME motif.
Motif synthetic_motif(const std::string& factor) {
  const auto& library = evoaug::synthetic_motifs();
  const auto& source = library.at(static_cast<std::size_t>(evoaug::motif_index(factor)));
  const at::Tensor pwm = evoaug::motif_pwm(source, 0.97).to(torch::kFloat64);
  Motif m;
  m.name = factor;
  for (std::int64_t j = 0; j < pwm.size(1); ++j)
    m.columns.push_back({pwm[0][j].item<double>(), pwm[1][j].item<double>(), pwm[2][j].item<double>(),
                         pwm[3][j].item<double>()});
  return m;
}

Motif random_motif(const std::string& name, std::size_t width, std::mt19937_64& rng) {
  std::gamma_distribution<double> gamma(0.5, 1.0);
  Motif m;
  m.name = name;
  for (std::size_t j = 0; j < width; ++j) {
    std::array<double, 4> c{};
    double sum = 0;
    for (double& v : c) sum += (v = gamma(rng) + 1e-3);
    for (double& v : c) v /= sum;
    m.columns.push_back(c);
  }
  return m;
}

}  // namespace

TEST_CASE("MEME files round-trip, and malformed ones name file and line", "[analysis][motifs]") {
  TempDir dir;
  std::mt19937_64 rng(3);
  std::vector<Motif> motifs{random_motif("MA0001.1", 6, rng), random_motif("filter_1", 9, rng)};
  motifs[0].alt_name = "AGL3";
  motifs[1].sites = 42;
  write_file(dir / "m.meme", evoaug::analysis::write_meme(motifs));
  const auto back = evoaug::analysis::read_meme(dir / "m.meme");
  REQUIRE(back.size() == 2);
  CHECK(back[0].name == "MA0001.1");
  CHECK(back[0].alt_name == "AGL3");
  CHECK(back[1].sites == 42);
  for (std::size_t m = 0; m < 2; ++m) {
    REQUIRE(back[m].columns.size() == motifs[m].columns.size());
    for (std::size_t j = 0; j < motifs[m].columns.size(); ++j)
      for (int k = 0; k < 4; ++k) CHECK(back[m].columns[j][k] == Approx(motifs[m].columns[j][k]).margin(2e-6));
  }
  write_file(dir / "bad.meme", "MEME version 4\n\nMOTIF X\nletter-probability matrix: alength= 4 w= 2\n0.25 0.25 0.25 0.25\n0.5 0.5 0.5\n");
  CHECK_THROWS_WITH(evoaug::analysis::read_meme(dir / "bad.meme"), Contains("bad.meme:6") && Contains("4 numbers"));
  write_file(dir / "short.meme", "MOTIF X\nletter-probability matrix: alength= 4 w= 3\n0.25 0.25 0.25 0.25\n");
  CHECK_THROWS_WITH(evoaug::analysis::read_meme(dir / "short.meme"), Contains("1 of its 3 rows"));
}

TEST_CASE("a filter that is a planted PWM comes back as that PWM", "[analysis][filters]") {
  const Motif planted = synthetic_motif("CTCF");
  const std::int64_t width = static_cast<std::int64_t>(planted.columns.size()), length = 60, n = 300;
  // Random sequences, half with a consensus-drawn instance planted at a random place.
  std::mt19937_64 rng(11);
  std::vector<std::int64_t> letters(static_cast<std::size_t>(n * length));
  std::uniform_int_distribution<int> base(0, 3);
  std::uniform_real_distribution<double> unit(0, 1);
  for (auto& l : letters) l = base(rng);
  for (std::int64_t i = 0; i < n; i += 2) {
    const std::int64_t start = static_cast<std::int64_t>(unit(rng) * static_cast<double>(length - width));
    for (std::int64_t j = 0; j < width; ++j) {
      double u = unit(rng);
      int k = 0;
      while (k < 3 && u > planted.columns[j][k]) u -= planted.columns[j][k++];
      letters[static_cast<std::size_t>(i * length + start + j)] = k;
    }
  }
  const at::Tensor x = torch::one_hot(torch::tensor(letters).reshape({n, length}), 4).permute({0, 2, 1}).to(torch::kFloat32);
  // Filter 0: the PWM's log-odds; filter 1: random weights. "same" padding on purpose.
  torch::nn::Sequential model(torch::nn::Conv1d(torch::nn::Conv1dOptions(4, 2, width).padding(width / 2)),
                              torch::nn::ReLU());
  {
    torch::NoGradGuard no_grad;
    auto conv = model->ptr(0)->as<torch::nn::Conv1d>();
    for (std::int64_t j = 0; j < width; ++j)
      for (int k = 0; k < 4; ++k) conv->weight[0][k][j] = std::log(planted.columns[j][k] / 0.25);
    conv->bias.zero_();
  }
  const auto layer = evoaug::analysis::first_layer_activations(*model.ptr(), x, 64);
  CHECK(layer.width == width);
  CHECK(layer.padding == width / 2);
  const auto pfms = evoaug::analysis::filter_pfms(layer, x, 0.5);
  REQUIRE(pfms.size() == 2);
  const Motif& got = pfms[0];
  CHECK(got.name == "filter_0");
  CHECK(got.sites >= 100);  // most of the 150 planted instances (a few straddle the padding)
  double worst = 0;
  for (std::int64_t j = 0; j < width; ++j)
    for (int k = 0; k < 4; ++k) worst = std::max(worst, std::fabs(got.columns[j][k] - planted.columns[j][k]));
  INFO("largest frequency difference " << worst);
  CHECK(worst < 0.15);
  // And the comparison puts the recovered filter on the planted motif, at offset 0, '+'.
  std::mt19937_64 decoys_rng(5);
  std::vector<Motif> database{random_motif("decoy_a", 12, decoys_rng), planted, random_motif("decoy_b", 15, decoys_rng)};
  CompareOptions options;
  options.shuffles = 200;
  const auto matches = evoaug::analysis::compare_motifs({got}, database, options);
  const auto summary = evoaug::analysis::summarize_matches(matches, 1, 0.05);
  CHECK(summary.best[0].target == 1);
  CHECK(summary.best[0].offset == 0);
  CHECK(summary.best[0].strand == '+');
  CHECK(summary.hit_rate == 1.0);
}

TEST_CASE("the comparison finds a motif among decoys at its offset and strand, and no decoy below it",
          "[analysis][motifs]") {
  std::mt19937_64 rng(21);
  std::vector<Motif> database;
  for (int d = 0; d < 6; ++d) database.push_back(random_motif("decoy_" + std::to_string(d), 8 + d, rng));
  const Motif rest = synthetic_motif("REST");
  database.insert(database.begin() + 3, rest);
  // The query: two flat columns, then the motif's reverse complement, then one flat column.
  Motif query = evoaug::analysis::reverse_complement(rest);
  query.name = "filter_7";
  const std::array<double, 4> flat{0.25, 0.25, 0.25, 0.25};
  query.columns.insert(query.columns.begin(), 2, flat);
  query.columns.push_back(flat);
  CompareOptions options;
  options.shuffles = 300;
  const auto matches = evoaug::analysis::compare_motifs({query}, database, options);
  REQUIRE(matches.size() == database.size());
  const auto& hit = matches[3];
  CHECK(hit.strand == '-');
  CHECK(hit.offset == 2);
  CHECK(hit.score == Approx(static_cast<double>(rest.columns.size())));  // every column correlates 1
  CHECK(hit.q_value < 0.05);
  for (std::size_t t = 0; t < matches.size(); ++t)
    if (t != 3) {
      INFO(database[t].name << ": p " << matches[t].p_value << ", q " << matches[t].q_value);
      CHECK(matches[t].q_value > hit.q_value);
    }
  const auto summary = evoaug::analysis::summarize_matches(matches, 1, 0.05);
  CHECK(summary.best[0].target == 3);
  CHECK(summary.mean_best_q == Approx(hit.q_value));
  // Euclidean column scores find the same alignment.
  options.euclidean = true;
  const auto euclidean = evoaug::analysis::compare_motifs({query}, {rest}, options);
  CHECK(euclidean[0].strand == '-');
  CHECK(euclidean[0].offset == 2);
}
