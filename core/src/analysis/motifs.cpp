#include "analysis/motifs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "evoaug/error.h"

namespace evoaug::analysis {
namespace fs = std::filesystem;
namespace {

double pearson(const std::array<double, 4>& a, const std::array<double, 4>& b) {
  const double ma = (a[0] + a[1] + a[2] + a[3]) / 4, mb = (b[0] + b[1] + b[2] + b[3]) / 4;
  double sab = 0, saa = 0, sbb = 0;
  for (int k = 0; k < 4; ++k) {
    sab += (a[k] - ma) * (b[k] - mb);
    saa += (a[k] - ma) * (a[k] - ma);
    sbb += (b[k] - mb) * (b[k] - mb);
  }
  // A flat column (uniform, uninformative) correlates with nothing.
  return saa < 1e-12 || sbb < 1e-12 ? 0.0 : sab / std::sqrt(saa * sbb);
}

double column_score(const std::array<double, 4>& a, const std::array<double, 4>& b, bool euclidean) {
  if (!euclidean) return pearson(a, b);
  // 1 for identical columns, 0 at half the largest distance (sqrt 2), -1 at the largest:
  // on the scale of a correlation, so that summing over an overlap favours long overlaps.
  double d = 0;
  for (int k = 0; k < 4; ++k) d += (a[k] - b[k]) * (a[k] - b[k]);
  return 1.0 - std::sqrt(2.0 * d);
}

struct Alignment {
  double score = -1e300;
  std::int64_t offset = 0, overlap = 0;
};

// Best summed column score over offsets; target column j sits at query column j + offset.
// A sum, as Tomtom's, not a mean: a mean prefers the shortest overlap with a few lucky
// columns, which a column-shuffled null then matches as often as the true motif.
Alignment best_alignment(const std::vector<std::array<double, 4>>& q, const std::vector<std::array<double, 4>>& t,
                         const CompareOptions& options) {
  const std::int64_t wq = static_cast<std::int64_t>(q.size()), wt = static_cast<std::int64_t>(t.size());
  const std::int64_t need = std::min({options.min_overlap, wq, wt});
  Alignment best;
  for (std::int64_t offset = -(wt - need); offset <= wq - need; ++offset) {
    const std::int64_t from = std::max<std::int64_t>(0, offset), to = std::min(wq, offset + wt);
    if (to - from < need) continue;
    double sum = 0;
    for (std::int64_t i = from; i < to; ++i) sum += column_score(q[i], t[i - offset], options.euclidean);
    if (sum > best.score) best = {sum, offset, to - from};
  }
  return best;
}

}  // namespace

std::string write_meme(const std::vector<Motif>& motifs) {
  std::string out =
      "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\n"
      "A 0.25 C 0.25 G 0.25 T 0.25\n";
  char buffer[128];
  for (const auto& m : motifs) {
    out += "\nMOTIF " + m.name + (m.alt_name.empty() ? "" : " " + m.alt_name) + "\n";
    std::snprintf(buffer, sizeof buffer, "letter-probability matrix: alength= 4 w= %zu nsites= %lld E= 0\n",
                  m.columns.size(), static_cast<long long>(m.sites));
    out += buffer;
    for (const auto& c : m.columns) {
      std::snprintf(buffer, sizeof buffer, " %.6f %.6f %.6f %.6f\n", c[0], c[1], c[2], c[3]);
      out += buffer;
    }
  }
  return out;
}

std::vector<Motif> read_meme(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot open motif file '" + file.string() + "'");
  std::vector<Motif> motifs;
  std::string line;
  std::size_t number = 0;
  auto where = [&] { return file.string() + ":" + std::to_string(number); };
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("MOTIF", 0) == 0) {
      std::istringstream words(line.substr(5));
      Motif m;
      words >> m.name >> m.alt_name;
      if (m.name.empty()) throw Error(where() + ": MOTIF without a name");
      motifs.push_back(std::move(m));
      continue;
    }
    const auto matrix = line.find("letter-probability matrix");
    if (matrix == std::string::npos) continue;
    if (motifs.empty()) throw Error(where() + ": a letter-probability matrix before any MOTIF line");
    Motif& m = motifs.back();
    auto field = [&](const std::string& key) -> long long {
      const auto at = line.find(key);
      if (at == std::string::npos) return -1;
      try {
        return std::stoll(line.substr(at + key.size()));
      } catch (const std::exception&) {
        throw Error(where() + ": '" + key + "' is not followed by a number");
      }
    };
    const long long width = field("w=");
    if (width <= 0) throw Error(where() + ": motif '" + m.name + "': the matrix line needs 'w= WIDTH' (a positive width)");
    if (const long long alength = field("alength="); alength != -1 && alength != 4)
      throw Error(where() + ": motif '" + m.name + "': alength= " + std::to_string(alength) + "; only DNA (4) is read");
    m.sites = std::max(0LL, field("nsites="));
    while (static_cast<long long>(m.columns.size()) < width) {
      if (!std::getline(in, line))
        throw Error(file.string() + ": motif '" + m.name + "' ends after " + std::to_string(m.columns.size()) +
                    " of its " + std::to_string(width) + " rows");
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::istringstream values(line);
      std::array<double, 4> c{};
      std::string extra;
      if (!(values >> c[0] >> c[1] >> c[2] >> c[3]) || (values >> extra))
        throw Error(where() + ": motif '" + m.name + "': a matrix row must be 4 numbers (A C G T), not '" + line + "'");
      const double sum = c[0] + c[1] + c[2] + c[3];
      if (sum <= 0 || std::fabs(sum - 1.0) > 0.02 || *std::min_element(c.begin(), c.end()) < 0)
        throw Error(where() + ": motif '" + m.name + "': a row of probabilities must be non-negative and sum to 1");
      for (double& v : c) v /= sum;
      m.columns.push_back(c);
    }
  }
  for (const auto& m : motifs)
    if (m.columns.empty()) throw Error(file.string() + ": motif '" + m.name + "' has no letter-probability matrix");
  if (motifs.empty()) throw Error(file.string() + ": no MOTIF found (is it a MEME motif file?)");
  return motifs;
}

Motif reverse_complement(const Motif& motif) {
  Motif out = motif;
  std::reverse(out.columns.begin(), out.columns.end());
  for (auto& c : out.columns) c = {c[3], c[2], c[1], c[0]};
  return out;
}

std::vector<MotifMatch> compare_motifs(const std::vector<Motif>& queries, const std::vector<Motif>& targets,
                                       const CompareOptions& options) {
  if (options.shuffles < 1) throw Error("motif comparison: shuffles must be at least 1");
  std::vector<MotifMatch> matches;
  std::mt19937_64 rng(options.seed);
  for (std::size_t t = 0; t < targets.size(); ++t) {
    const Motif rc = reverse_complement(targets[t]);
    // The null: the target's columns in random order (both strands tried, as for the real
    // target), the same shuffles for every query so that p-values are comparable.
    std::vector<std::vector<std::array<double, 4>>> shuffled(static_cast<std::size_t>(options.shuffles),
                                                             targets[t].columns);
    for (auto& columns : shuffled) std::shuffle(columns.begin(), columns.end(), rng);
    for (std::size_t q = 0; q < queries.size(); ++q) {
      MotifMatch match;
      match.query = q;
      match.target = t;
      const Alignment forward = best_alignment(queries[q].columns, targets[t].columns, options);
      const Alignment reverse = best_alignment(queries[q].columns, rc.columns, options);
      const Alignment& best = reverse.score > forward.score ? reverse : forward;
      match.strand = reverse.score > forward.score ? '-' : '+';
      match.score = best.score;
      match.offset = best.offset;
      match.overlap = best.overlap;
      std::int64_t at_least = 0;
      for (const auto& columns : shuffled) {
        Motif null_motif;
        null_motif.columns = columns;
        const double null_score =
            std::max(best_alignment(queries[q].columns, columns, options).score,
                     best_alignment(queries[q].columns, reverse_complement(null_motif).columns, options).score);
        if (null_score >= best.score) ++at_least;
      }
      match.p_value = static_cast<double>(1 + at_least) / static_cast<double>(1 + options.shuffles);
      matches.push_back(match);
    }
  }
  // Benjamini-Hochberg per query over the database, as Tomtom computes its q-values: a
  // filter's matches are one family of tests.
  for (std::size_t q = 0; q < queries.size(); ++q) {
    std::vector<std::size_t> order;
    for (std::size_t k = 0; k < matches.size(); ++k)
      if (matches[k].query == q) order.push_back(k);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return matches[a].p_value < matches[b].p_value; });
    double running = 1.0;
    const double m = static_cast<double>(order.size());
    for (std::size_t k = order.size(); k-- > 0;) {
      running = std::min(running, matches[order[k]].p_value * m / static_cast<double>(k + 1));
      matches[order[k]].q_value = running;
    }
  }
  return matches;
}

MatchSummary summarize_matches(const std::vector<MotifMatch>& matches, std::size_t queries, double q_threshold) {
  MatchSummary summary;
  summary.best.resize(queries);
  std::vector<bool> seen(queries, false);
  for (const auto& match : matches) {
    MotifMatch& best = summary.best.at(match.query);
    if (!seen[match.query] || match.q_value < best.q_value ||
        (match.q_value == best.q_value && match.score > best.score)) {
      best = match;
      seen[match.query] = true;
    }
  }
  if (queries == 0) return summary;
  std::size_t hits = 0;
  double q_sum = 0;
  for (std::size_t q = 0; q < queries; ++q) {
    if (seen[q] && summary.best[q].q_value < q_threshold) ++hits;
    q_sum += seen[q] ? summary.best[q].q_value : 1.0;
  }
  summary.hit_rate = static_cast<double>(hits) / static_cast<double>(queries);
  summary.mean_best_q = q_sum / static_cast<double>(queries);
  return summary;
}

}  // namespace evoaug::analysis
