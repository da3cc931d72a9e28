#include "data/synthetic.h"

#include <torch/torch.h>

#include <algorithm>

#include "data/fasta.h"
#include "data/random.h"
#include "evoaug/error.h"
#include "util/suggest.h"

namespace evoaug {
namespace {

// Consensus sequences from the literature and JASPAR 2022; docs/data.md cites each one.
// Strong (long, GC-rich, information-rich) motifs come first: they are what a small CNN
// learns within a few epochs, which keeps the quickstart fast.
const std::vector<Motif> kMotifs = {
    {"CTCF", "CCGCGNGGNGGCAG", "Kim et al. 2007, Cell 128:1231 (CTCF core motif); JASPAR MA0139.1"},
    {"REST", "TTCAGCACCATGGACAGCGCC", "RE1/NRSE; Schoenherr et al. 1996, PNAS 93:9881; JASPAR MA0138.2"},
    {"NRF1", "GCGCATGCGC", "Virbasius et al. 1993, Genes Dev 7:2431; JASPAR MA0506.1"},
    {"SP1", "GGGGCGGGG", "GC box; Briggs et al. 1986, Science 234:47; JASPAR MA0079"},
    {"CEBP", "TTGCGCAA", "C/EBP palindrome; Osada et al. 1996, JBC 271:3891; JASPAR MA0102 (CEBPA)"},
    {"GABPA", "ACCGGAAGT", "class I ETS site; Wei et al. 2010, EMBO J 29:2147; JASPAR MA0062 (GABPA)"},
    {"AP1", "ATGASTCAT", "TRE TGASTCA, Angel et al. 1987, Cell 49:729; flanks from JASPAR MA0476.1 (FOS)"},
    {"GATA1", "WGATAR", "Merika & Orkin 1993, MCB 13:3999; JASPAR MA0035 (GATA1)"},
};

// Letters an IUPAC code stands for.
std::string iupac_letters(char code) {
  switch (code) {
    case 'A': return "A";
    case 'C': return "C";
    case 'G': return "G";
    case 'T': return "T";
    case 'R': return "AG";
    case 'Y': return "CT";
    case 'S': return "CG";
    case 'W': return "AT";
    case 'K': return "GT";
    case 'M': return "AC";
    case 'B': return "CGT";
    case 'D': return "AGT";
    case 'H': return "ACT";
    case 'V': return "ACG";
    default: return "ACGT";
  }
}

char complement(char c) {
  switch (c) {
    case 'A': return 'T';
    case 'C': return 'G';
    case 'G': return 'C';
    default: return 'A';
  }
}

// The grammars: which factors are planted, and which tasks read them.
struct BinaryTask {
  std::string name;
  std::vector<int> needs;  // motif indices that must all be present
};

std::vector<BinaryTask> binary_tasks() {
  // The cooperative pair comes third so that `tasks = 3` already includes it.
  return {{"CTCF", {motif_index("CTCF")}},
          {"REST", {motif_index("REST")}},
          {"AP1_GABPA", {motif_index("AP1"), motif_index("GABPA")}},
          {"NRF1", {motif_index("NRF1")}},
          {"SP1", {motif_index("SP1")}},
          {"GABPA", {motif_index("GABPA")}}};
}
std::vector<int> binary_factors() {
  return {motif_index("CTCF"), motif_index("REST"), motif_index("NRF1"), motif_index("SP1"),
          motif_index("GABPA"), motif_index("AP1")};
}

struct RegressionTask {
  std::string name;
  std::vector<std::pair<int, double>> weights;  // effect of each site of a factor
  double composite_effect;                      // AP-1 and GABPA sites at most 8 nt apart
};
constexpr std::int64_t kCompositeMaxGap = 8;

std::vector<RegressionTask> regression_tasks() {
  return {{"developmental",
           {{motif_index("AP1"), 1.0}, {motif_index("GATA1"), 0.8}, {motif_index("CEBP"), 0.6},
            {motif_index("GABPA"), 0.4}},
           1.5},
          {"housekeeping",
           {{motif_index("SP1"), 1.0}, {motif_index("NRF1"), 0.9}, {motif_index("GABPA"), 0.6},
            {motif_index("CEBP"), 0.2}},
           0.0}};
}
std::vector<int> regression_factors() {
  return {motif_index("AP1"), motif_index("GABPA"), motif_index("GATA1"), motif_index("CEBP"), motif_index("SP1"),
          motif_index("NRF1")};
}

std::int64_t width(int motif) { return static_cast<std::int64_t>(kMotifs[motif].consensus.size()); }

// Free positions of one sequence, and the placement of sites into them.
class Placer {
 public:
  Placer(std::int64_t length, DataRandom& random) : used_(static_cast<std::size_t>(length), 0), random_(random) {}

  bool is_free(std::int64_t start, std::int64_t w) const {
    if (start < 0 || start + w > static_cast<std::int64_t>(used_.size())) return false;
    for (std::int64_t i = start; i < start + w; ++i)
      if (used_[i]) return false;
    return true;
  }
  void take(std::int64_t start, std::int64_t w) { std::fill(used_.begin() + start, used_.begin() + start + w, 1); }

  // A uniformly random free start, or -1 when the motif fits nowhere.
  std::int64_t random_start(std::int64_t w) {
    const auto last = static_cast<std::int64_t>(used_.size()) - w;
    if (last < 0) return -1;
    for (int attempt = 0; attempt < 32; ++attempt) {  // nearly always succeeds at once
      const auto start = static_cast<std::int64_t>(random_.below(static_cast<std::uint64_t>(last) + 1));
      if (is_free(start, w)) return start;
    }
    std::vector<std::int64_t> starts;
    for (std::int64_t s = 0; s <= last; ++s)
      if (is_free(s, w)) starts.push_back(s);
    if (starts.empty()) return -1;
    return starts[random_.below(starts.size())];
  }

 private:
  std::vector<char> used_;
  DataRandom& random_;
};

class Generator {
 public:
  explicit Generator(const SyntheticOptions& options)
      : options_(options), random_(options.seed, "synthetic"), noise_(options.seed, "synthetic-noise") {
    for (const auto& motif : kMotifs) {
      std::vector<std::string> letters;
      for (char c : motif.consensus) letters.push_back(iupac_letters(c));
      letters_.push_back(std::move(letters));
    }
  }

  std::string background() {
    std::string s(static_cast<std::size_t>(options_.length), 'A');
    for (auto& c : s) {
      const double u = random_.uniform();
      const bool gc = u < options_.gc_content;
      const bool second = random_.next() >> 63;
      c = gc ? (second ? 'G' : 'C') : (second ? 'T' : 'A');
    }
    return s;
  }

  // Writes an instance drawn from the motif's PWM into `sequence` at `start`.
  void plant(std::string& sequence, std::int64_t index, int motif, std::int64_t start, bool reverse,
             std::vector<PlantedSite>& sites) {
    const auto& letters = letters_[motif];
    std::string instance(letters.size(), 'A');
    for (std::size_t i = 0; i < letters.size(); ++i) {
      const std::string& choice = random_.bernoulli(options_.motif_fidelity) ? letters[i] : std::string("ACGT");
      instance[i] = choice[random_.below(choice.size())];
    }
    if (reverse) {
      std::reverse(instance.begin(), instance.end());
      for (auto& c : instance) c = complement(c);
    }
    sequence.replace(static_cast<std::size_t>(start), instance.size(), instance);
    sites.push_back({index, motif, start, reverse});
  }

  void place_random(std::string& sequence, std::int64_t index, int motif, Placer& placer,
                    std::vector<PlantedSite>& sites) {
    const std::int64_t start = placer.random_start(width(motif));
    if (start < 0) return;  // no room left: the labels follow the sites actually planted
    placer.take(start, width(motif));
    plant(sequence, index, motif, start, random_.bernoulli(0.5), sites);
  }

  // AP-1 next to a GABPA site, 0..8 nt apart on either side, when there is room.
  bool place_composite(std::string& sequence, std::int64_t index, Placer& placer, std::vector<PlantedSite>& sites) {
    const int ets = motif_index("GABPA"), ap1 = motif_index("AP1");
    const std::int64_t ets_start = placer.random_start(width(ets));
    if (ets_start < 0) return false;
    placer.take(ets_start, width(ets));
    plant(sequence, index, ets, ets_start, random_.bernoulli(0.5), sites);
    const auto gap = static_cast<std::int64_t>(random_.below(kCompositeMaxGap + 1));
    const bool left = random_.bernoulli(0.5);
    for (int side = 0; side < 2; ++side) {
      const bool on_left = (side == 0) == left;
      const std::int64_t start = on_left ? ets_start - gap - width(ap1) : ets_start + width(ets) + gap;
      if (placer.is_free(start, width(ap1))) {
        placer.take(start, width(ap1));
        plant(sequence, index, ap1, start, random_.bernoulli(0.5), sites);
        return true;
      }
    }
    place_random(sequence, index, ap1, placer, sites);
    return true;
  }

  SyntheticData run() {
    const std::int64_t count = options_.num_sequences, length = options_.length;
    const bool binary = options_.task == SyntheticTask::binary;
    const std::vector<int> factors = binary ? binary_factors() : regression_factors();

    SyntheticData data;
    data.x = torch::empty({count, 4, length}, torch::kUInt8);
    for (std::int64_t n = 0; n < count; ++n) {
      std::string sequence = background();
      Placer placer(length, random_);
      // Which factors (and, for regression, how many sites of each: 1 or 2).
      std::vector<int> copies(kMotifs.size(), 0);
      for (int f : factors)
        if (random_.bernoulli(options_.motif_probability))
          copies[f] = (!binary && random_.bernoulli(options_.motif_probability)) ? 2 : 1;
      const int ets = motif_index("GABPA"), ap1 = motif_index("AP1");
      if (!binary && copies[ets] && copies[ap1] && random_.bernoulli(options_.composite_probability)) {
        if (place_composite(sequence, n, placer, data.sites)) --copies[ets], --copies[ap1];
      }
      // Longest motifs first, while there is most room.
      std::vector<int> order = factors;
      std::stable_sort(order.begin(), order.end(), [](int a, int b) { return width(a) > width(b); });
      for (int f : order)
        for (int c = 0; c < copies[f]; ++c) place_random(sequence, n, f, placer, data.sites);
      one_hot_encode_into(sequence, data.x, n, NPolicy::zero);
    }
    std::stable_sort(data.sites.begin(), data.sites.end(), [](const PlantedSite& a, const PlantedSite& b) {
      return a.sequence != b.sequence ? a.sequence < b.sequence : a.start < b.start;
    });
    binary ? label_binary(data) : label_regression(data);
    return data;
  }

 private:
  std::int64_t kept_tasks(std::size_t available) const {
    return options_.tasks == 0 ? static_cast<std::int64_t>(available) : options_.tasks;
  }

  void label_binary(SyntheticData& data) {
    const auto tasks = binary_tasks();
    const std::int64_t kept = kept_tasks(tasks.size()), count = options_.num_sequences;
    data.y_clean = torch::zeros({count, kept}, torch::kFloat32);
    auto clean = data.y_clean.accessor<float, 2>();
    std::vector<std::vector<char>> present(static_cast<std::size_t>(count), std::vector<char>(kMotifs.size(), 0));
    for (const auto& site : data.sites) present[site.sequence][site.motif] = 1;
    for (std::int64_t n = 0; n < count; ++n)
      for (std::int64_t t = 0; t < kept; ++t) {
        bool bound = true;
        for (int m : tasks[t].needs) bound = bound && present[n][m];
        clean[n][t] = bound ? 1.f : 0.f;
      }
    data.y = data.y_clean.clone();
    auto noisy = data.y.accessor<float, 2>();
    for (std::int64_t n = 0; n < count; ++n)
      for (std::int64_t t = 0; t < kept; ++t)
        if (noise_.bernoulli(options_.label_noise)) noisy[n][t] = 1.f - noisy[n][t];
    for (std::int64_t t = 0; t < kept; ++t) data.task_names.push_back(tasks[t].name);
  }

  void label_regression(SyntheticData& data) {
    const auto tasks = regression_tasks();
    const std::int64_t kept = kept_tasks(tasks.size()), count = options_.num_sequences;
    const int ets = motif_index("GABPA"), ap1 = motif_index("AP1");
    data.y_clean = torch::zeros({count, kept}, torch::kFloat32);
    auto clean = data.y_clean.accessor<float, 2>();
    std::size_t begin = 0;
    for (std::int64_t n = 0; n < count; ++n) {
      std::size_t end = begin;
      while (end < data.sites.size() && data.sites[end].sequence == n) ++end;
      bool composite = false;
      for (std::size_t i = begin; i < end; ++i)
        for (std::size_t j = begin; j < end; ++j) {
          const auto& a = data.sites[i];
          const auto& b = data.sites[j];
          if (a.motif != ap1 || b.motif != ets) continue;
          const std::int64_t gap = std::max(b.start - (a.start + width(ap1)), a.start - (b.start + width(ets)));
          composite = composite || gap <= kCompositeMaxGap;
        }
      for (std::int64_t t = 0; t < kept; ++t) {
        double value = composite ? tasks[t].composite_effect : 0.0;
        for (std::size_t i = begin; i < end; ++i)
          for (const auto& [motif, weight] : tasks[t].weights)
            if (data.sites[i].motif == motif) value += weight;
        clean[n][t] = static_cast<float>(value);
      }
      begin = end;
    }
    data.y = data.y_clean.clone();
    auto noisy = data.y.accessor<float, 2>();
    for (std::int64_t n = 0; n < count; ++n)
      for (std::int64_t t = 0; t < kept; ++t) noisy[n][t] += static_cast<float>(options_.noise_std * noise_.normal());
    for (std::int64_t t = 0; t < kept; ++t) data.task_names.push_back(tasks[t].name);
  }

  SyntheticOptions options_;
  DataRandom random_;  // sequences and sites
  DataRandom noise_;   // label noise, separate so that noise settings leave the sequences unchanged
  std::vector<std::vector<std::string>> letters_;
};

}  // namespace

void check_synthetic_options(const SyntheticOptions& options) {
  const auto require = [](bool ok, const std::string& key, const std::string& message) {
    if (!ok) throw ParamError(key, "synthetic data: '" + key + "' " + message);
  };
  require(options.num_sequences > 0, "num_sequences", "must be positive");
  require(options.motif_probability >= 0 && options.motif_probability <= 1, "motif_probability", "must be in [0, 1]");
  require(options.motif_fidelity >= 0 && options.motif_fidelity <= 1, "motif_fidelity", "must be in [0, 1]");
  require(options.gc_content >= 0 && options.gc_content <= 1, "gc_content", "must be in [0, 1]");
  require(options.label_noise >= 0 && options.label_noise <= 0.5, "label_noise", "must be in [0, 0.5]");
  require(options.noise_std >= 0, "noise_std", "must be >= 0");
  require(options.composite_probability >= 0 && options.composite_probability <= 1, "composite_probability",
          "must be in [0, 1]");
  const auto available = static_cast<std::int64_t>(synthetic_task_names(options.task).size());
  require(options.tasks >= 0 && options.tasks <= available, "tasks",
          "is " + std::to_string(options.tasks) + ", but the " +
              (options.task == SyntheticTask::binary ? "binary" : "regression") + " grammar has " +
              std::to_string(available) + " tasks (" + join(synthetic_task_names(options.task)) +
              "); 0 keeps them all");
  // Room for every factor's sites (two each for regression) without overlaps.
  const bool binary = options.task == SyntheticTask::binary;
  std::int64_t needed = 0;
  for (int f : binary ? binary_factors() : regression_factors()) needed += (binary ? 1 : 2) * width(f);
  require(options.length >= needed, "length",
          "is " + std::to_string(options.length) + ", too short to hold the grammar's motifs (at least " +
              std::to_string(needed) + " nt)");
}

const std::vector<Motif>& synthetic_motifs() { return kMotifs; }

int motif_index(const std::string& factor) {
  for (std::size_t i = 0; i < kMotifs.size(); ++i)
    if (kMotifs[i].factor == factor) return static_cast<int>(i);
  std::vector<std::string> names;
  for (const auto& m : kMotifs) names.push_back(m.factor);
  throw Error(unknown_name_message("motif", factor, names));
}

at::Tensor motif_pwm(const Motif& motif, double fidelity) {
  const auto w = static_cast<std::int64_t>(motif.consensus.size());
  at::Tensor pwm = torch::full({4, w}, (1.0 - fidelity) / 4.0, torch::kFloat64);
  auto p = pwm.accessor<double, 2>();
  for (std::int64_t i = 0; i < w; ++i) {
    const std::string letters = iupac_letters(motif.consensus[static_cast<std::size_t>(i)]);
    for (char c : letters) p[std::string("ACGT").find(c)][i] += fidelity / static_cast<double>(letters.size());
  }
  return pwm.to(torch::kFloat32);
}

SyntheticTask parse_synthetic_task(const std::string& text) {
  if (text == "binary") return SyntheticTask::binary;
  if (text == "regression") return SyntheticTask::regression;
  throw Error("unknown synthetic task '" + text + "'; known: binary, regression");
}

std::vector<std::string> synthetic_task_names(SyntheticTask task) {
  std::vector<std::string> names;
  if (task == SyntheticTask::binary)
    for (const auto& t : binary_tasks()) names.push_back(t.name);
  else
    for (const auto& t : regression_tasks()) names.push_back(t.name);
  return names;
}

SyntheticData generate_synthetic(const SyntheticOptions& options) {
  check_synthetic_options(options);
  return Generator(options).run();
}

}  // namespace evoaug
