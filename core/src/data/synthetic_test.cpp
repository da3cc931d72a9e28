#include "data/synthetic.h"

#include "catch.h"
#include <torch/torch.h>

#include <map>
#include <set>

#include "data/fasta.h"
#include "evoaug/error.h"

using namespace evoaug;
using evoaug::testing::Contains;

namespace {

SyntheticOptions small(SyntheticTask task, std::uint64_t seed) {
  SyntheticOptions o;
  o.task = task;
  o.num_sequences = 400;
  o.length = 200;
  o.seed = seed;
  return o;
}

std::string reverse_complement(std::string s) {
  std::reverse(s.begin(), s.end());
  for (auto& c : s) c = c == 'A' ? 'T' : c == 'C' ? 'G' : c == 'G' ? 'C' : 'A';
  return s;
}

bool iupac_match(char code, char letter) {
  const std::map<char, std::string> codes{{'A', "A"},  {'C', "C"},  {'G', "G"},  {'T', "T"},  {'R', "AG"},
                                          {'Y', "CT"}, {'S', "CG"}, {'W', "AT"}, {'K', "GT"}, {'M', "AC"},
                                          {'N', "ACGT"}};
  return codes.at(code).find(letter) != std::string::npos;
}

// Fraction of a site's letters that agree with its factor's consensus.
double agreement(const std::string& sequence, const PlantedSite& site) {
  const Motif& motif = synthetic_motifs()[site.motif];
  std::string instance = sequence.substr(site.start, motif.consensus.size());
  if (site.reverse) instance = reverse_complement(instance);
  int same = 0;
  for (std::size_t i = 0; i < instance.size(); ++i) same += iupac_match(motif.consensus[i], instance[i]);
  return static_cast<double>(same) / static_cast<double>(instance.size());
}

}  // namespace

TEST_CASE("synthetic: deterministic from the seed", "[data]") {
  const auto a = generate_synthetic(small(SyntheticTask::binary, 7));
  const auto b = generate_synthetic(small(SyntheticTask::binary, 7));
  const auto c = generate_synthetic(small(SyntheticTask::binary, 8));
  CHECK(torch::equal(a.x, b.x));
  CHECK(torch::equal(a.y, b.y));
  CHECK(a.sites.size() == b.sites.size());
  CHECK_FALSE(torch::equal(a.x, c.x));
  // Label noise is drawn from its own stream: changing it leaves the sequences as they were.
  auto noisy = small(SyntheticTask::binary, 7);
  noisy.label_noise = 0.2;
  const auto d = generate_synthetic(noisy);
  CHECK(torch::equal(a.x, d.x));
  CHECK(torch::equal(a.y_clean, d.y_clean));
  CHECK_FALSE(torch::equal(a.y, d.y));
}

TEST_CASE("synthetic: shapes, one-hot, planted sites where the ground truth says", "[data]") {
  for (auto task : {SyntheticTask::binary, SyntheticTask::regression}) {
    auto options = small(task, 3);
    options.motif_fidelity = 1.0;
    const auto data = generate_synthetic(options);
    CHECK(data.x.scalar_type() == torch::kUInt8);
    CHECK(data.x.sizes() == torch::IntArrayRef({400, 4, 200}));
    CHECK(torch::equal(data.x.sum(1), torch::ones({400, 200}, torch::kLong)));
    CHECK(data.task_names == synthetic_task_names(task));
    const auto sequences = one_hot_decode(data.x);
    REQUIRE(!data.sites.empty());
    std::set<int> strands;
    for (const auto& site : data.sites) {
      INFO("sequence " << site.sequence << " motif " << synthetic_motifs()[site.motif].factor << " at " << site.start);
      CHECK(agreement(sequences[site.sequence], site) == 1.0);  // fidelity 1: the consensus itself
      strands.insert(site.reverse);
    }
    CHECK(strands.size() == 2);  // both orientations occur
    // Sites of one sequence never overlap.
    for (std::size_t i = 1; i < data.sites.size(); ++i)
      if (data.sites[i].sequence == data.sites[i - 1].sequence)
        CHECK(data.sites[i].start >= data.sites[i - 1].start +
                                         static_cast<std::int64_t>(synthetic_motifs()[data.sites[i - 1].motif].consensus.size()));
  }
  // At the default fidelity the instances are close to, not always equal to, the consensus.
  const auto data = generate_synthetic(small(SyntheticTask::binary, 3));
  const auto sequences = one_hot_decode(data.x);
  double total = 0;
  for (const auto& site : data.sites) total += agreement(sequences[site.sequence], site);
  const double mean = total / static_cast<double>(data.sites.size());
  CHECK(mean > 0.96);
  CHECK(mean < 0.99);
}

TEST_CASE("synthetic: binary labels follow the documented grammar", "[data]") {
  auto options = small(SyntheticTask::binary, 11);
  options.label_noise = 0;
  const auto data = generate_synthetic(options);
  // The grammar of docs/data.md: a factor's task is bound when its motif was planted;
  // AP1_GABPA needs both AP-1 and GABPA (cooperative binding).
  std::vector<std::set<std::string>> planted(400);
  for (const auto& site : data.sites) planted[site.sequence].insert(synthetic_motifs()[site.motif].factor);
  const std::vector<std::string> names{"CTCF", "REST", "AP1_GABPA", "NRF1", "SP1", "GABPA"};
  REQUIRE(data.task_names == names);
  for (std::int64_t n = 0; n < 400; ++n)
    for (std::size_t t = 0; t < names.size(); ++t) {
      const auto& f = planted[n];
      const bool bound = names[t] == "AP1_GABPA" ? f.count("AP1") && f.count("GABPA") : f.count(names[t]) > 0;
      REQUIRE(data.y[n][t].item<float>() == (bound ? 1.f : 0.f));
    }
  // Every task has positives and negatives; the cooperative one has single-factor negatives.
  CHECK((data.y.mean(0) > 0.05).all().item<bool>());
  CHECK((data.y.mean(0) < 0.6).all().item<bool>());
  int single = 0;
  for (const auto& f : planted) single += (f.count("AP1") + f.count("GABPA")) == 1;
  CHECK(single > 50);

  // Label noise flips about the requested fraction.
  options.label_noise = 0.1;
  options.num_sequences = 3000;
  const auto noisy = generate_synthetic(options);
  const double flipped = (noisy.y != noisy.y_clean).to(torch::kFloat64).mean().item<double>();
  CHECK(flipped == Approx(0.1).margin(0.015));

  options.tasks = 3;
  CHECK(generate_synthetic(options).y.size(1) == 3);
}

TEST_CASE("synthetic: regression labels are additive with an AP-1/GABPA spacing interaction", "[data]") {
  auto options = small(SyntheticTask::regression, 5);
  options.noise_std = 0;
  const auto data = generate_synthetic(options);
  REQUIRE(data.task_names == std::vector<std::string>{"developmental", "housekeeping"});
  const std::map<std::string, double> dev{{"AP1", 1.0}, {"GATA1", 0.8}, {"CEBP", 0.6}, {"GABPA", 0.4}};
  const std::map<std::string, double> hk{{"SP1", 1.0}, {"NRF1", 0.9}, {"GABPA", 0.6}, {"CEBP", 0.2}};
  int composites = 0, pairs_apart = 0;
  for (std::int64_t n = 0; n < 400; ++n) {
    double expected_dev = 0, expected_hk = 0;
    std::vector<PlantedSite> ap1, ets;
    for (const auto& site : data.sites) {
      if (site.sequence != n) continue;
      const std::string& factor = synthetic_motifs()[site.motif].factor;
      if (dev.count(factor)) expected_dev += dev.at(factor);
      if (hk.count(factor)) expected_hk += hk.at(factor);
      if (factor == "AP1") ap1.push_back(site);
      if (factor == "GABPA") ets.push_back(site);
    }
    bool composite = false;
    for (const auto& a : ap1)
      for (const auto& e : ets) {
        // The gap is the distance between the sites' facing ends.
        const auto ap1_width = static_cast<std::int64_t>(synthetic_motifs()[a.motif].consensus.size());
        const auto ets_width = static_cast<std::int64_t>(synthetic_motifs()[e.motif].consensus.size());
        const std::int64_t gap = a.start < e.start ? e.start - (a.start + ap1_width) : a.start - (e.start + ets_width);
        composite = composite || gap <= 8;
      }
    composites += composite;
    pairs_apart += !composite && !ap1.empty() && !ets.empty();
    if (composite) expected_dev += 1.5;
    REQUIRE(data.y[n][0].item<float>() == Approx(expected_dev).margin(1e-5));
    REQUIRE(data.y[n][1].item<float>() == Approx(expected_hk).margin(1e-5));
  }
  CHECK(composites > 10);
  CHECK(pairs_apart > 10);  // the interaction is learnable only when both cases occur

  options.noise_std = 0.5;
  options.num_sequences = 2000;
  const auto noisy = generate_synthetic(options);
  CHECK((noisy.y - noisy.y_clean).std().item<double>() == Approx(0.5).margin(0.05));
}

TEST_CASE("synthetic: options that cannot work name their key", "[data]") {
  auto options = small(SyntheticTask::binary, 1);
  options.length = 50;
  REQUIRE_THROWS_AS(generate_synthetic(options), ParamError);
  REQUIRE_THROWS_WITH(generate_synthetic(options), Contains("length") && Contains("at least 72"));
  options = small(SyntheticTask::regression, 1);
  options.tasks = 3;
  REQUIRE_THROWS_WITH(generate_synthetic(options), Contains("tasks") && Contains("developmental, housekeeping"));
  const at::Tensor pwm = motif_pwm(synthetic_motifs()[motif_index("AP1")], 0.9);
  CHECK(pwm.sizes() == torch::IntArrayRef({4, 9}));
  CHECK(torch::allclose(pwm.sum(0), torch::ones({9})));
  CHECK(pwm[0][0].item<float>() == Approx(0.925));  // A of ATGASTCAT
  CHECK(pwm[1][4].item<float>() == Approx(0.475));  // S = C or G
  REQUIRE_THROWS_WITH(motif_index("CTFC"), Contains("did you mean 'CTCF'"));
}
