#include "analysis/variants.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cctype>
#include <fstream>
#include <sstream>

#include "analysis/indexed_fasta.h"
#include "data/fasta.h"
#include "evoaug/error.h"
#include "util/suggest.h"

namespace evoaug::analysis {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t')) fields.push_back(field);
  if (!line.empty() && line.back() == '\t') fields.emplace_back();
  return fields;
}

std::string where(const fs::path& file, std::size_t line) { return file.string() + ":" + std::to_string(line); }

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_base(const std::string& allele) {
  return allele.size() == 1 && std::string("ACGT").find(allele[0]) != std::string::npos;
}

std::ifstream open_text(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot open '" + file.string() + "'");
  return in;
}

}  // namespace

std::vector<Variant> read_vcf(const fs::path& file) {
  std::ifstream in = open_text(file);
  std::vector<Variant> out;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto fields = split_tabs(line);
    if (fields.size() < 5)
      throw Error(where(file, number) + ": a VCF record needs at least 5 tab-separated columns (CHROM POS ID REF ALT), not " +
                  std::to_string(fields.size()));
    Variant v;
    v.chrom = fields[0];
    v.id = fields[2];
    v.ref = upper(fields[3]);
    v.alt = upper(fields[4]);
    v.line = number;
    std::size_t used = 0;
    try {
      v.pos = std::stoll(fields[1], &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != fields[1].size() || v.pos < 1)
      throw Error(where(file, number) + ": POS '" + fields[1] + "' is not a positive integer");
    if (v.alt.find(',') != std::string::npos)
      throw Error(where(file, number) + ": ALT '" + fields[4] + "' has several alleles; write one record per allele");
    if (!is_base(v.ref) || !is_base(v.alt))
      throw Error(where(file, number) + ": REF '" + fields[3] + "' ALT '" + fields[4] +
                  "': only single-nucleotide variants (A, C, G, T) are scored; indels and symbolic alleles are not");
    if (v.ref == v.alt) throw Error(where(file, number) + ": REF and ALT are both '" + v.ref + "'");
    out.push_back(std::move(v));
  }
  if (out.empty()) throw Error(file.string() + ": no variant records");
  return out;
}

std::map<std::string, std::string> read_genome(const fs::path& fasta) {
  std::map<std::string, std::string> genome;
  for (auto& record : read_fasta(fasta)) {
    std::string name = record.id.substr(0, record.id.find_first_of(" \t"));
    if (genome.count(name))
      throw Error(fasta.string() + ":" + std::to_string(record.line) + ": chromosome '" + name + "' appears twice");
    genome.emplace(std::move(name), upper(std::move(record.sequence)));
  }
  if (genome.empty()) throw Error(fasta.string() + ": no sequences");
  return genome;
}

GenomeView genome_view(const std::map<std::string, std::string>& genome) {
  GenomeView view;
  for (const auto& [name, sequence] : genome) view.names.push_back(name);
  view.length = [&genome](const std::string& name) -> std::int64_t {
    const auto it = genome.find(name);
    return it == genome.end() ? -1 : static_cast<std::int64_t>(it->second.size());
  };
  view.fetch = [&genome](const std::string& name, std::int64_t start, std::int64_t count) {
    return genome.at(name).substr(static_cast<std::size_t>(start), static_cast<std::size_t>(count));
  };
  return view;
}

GenomeView genome_view(const IndexedFasta& genome) {
  GenomeView view;
  view.names = genome.names();
  view.length = [&genome](const std::string& name) { return genome.has(name) ? genome.length(name) : -1; };
  view.fetch = [&genome](const std::string& name, std::int64_t start, std::int64_t count) {
    return genome.fetch(name, start, count);
  };
  return view;
}

std::vector<VariantPair> variant_windows(const std::vector<Variant>& variants, const GenomeView& genome,
                                         std::int64_t length, const fs::path& vcf) {
  std::vector<VariantPair> out;
  for (const auto& v : variants) {
    const std::int64_t size = genome.length(v.chrom);
    if (size < 0)
      throw Error(where(vcf, v.line) + ": " + unknown_name_message("chromosome", v.chrom, genome.names) +
                  " (the reference FASTA's names must match the VCF's)");
    if (v.pos > size)
      throw Error(where(vcf, v.line) + ": POS " + std::to_string(v.pos) + " is past the end of " + v.chrom + " (" +
                  std::to_string(size) + " bases)");
    const std::int64_t at = v.pos - 1, start = at - length / 2;
    const char genome_base = genome.fetch(v.chrom, at, 1)[0];
    if (genome_base != v.ref[0])
      throw Error(where(vcf, v.line) + ": REF '" + v.ref + "' does not match the reference genome, which has '" +
                  std::string(1, genome_base) + "' at " + v.chrom + ":" + std::to_string(v.pos));
    if (start < 0 || start + length > size)
      throw Error(where(vcf, v.line) + ": the " + std::to_string(length) + "-base window centred on " + v.chrom + ":" +
                  std::to_string(v.pos) + " runs past the chromosome's " + (start < 0 ? "start" : "end") + " (" +
                  std::to_string(size) + " bases); such variants cannot be scored");
    VariantPair pair;
    pair.id = v.id.empty() || v.id == "." ? v.chrom + ":" + std::to_string(v.pos) + ":" + v.ref + ">" + v.alt : v.id;
    pair.ref = genome.fetch(v.chrom, start, length);
    pair.alt = pair.ref;
    pair.alt[static_cast<std::size_t>(at - start)] = v.alt[0];
    out.push_back(std::move(pair));
  }
  return out;
}

std::vector<VariantPair> variant_windows(const std::vector<Variant>& variants,
                                         const std::map<std::string, std::string>& genome, std::int64_t length,
                                         const fs::path& vcf) {
  return variant_windows(variants, genome_view(genome), length, vcf);
}

std::vector<VariantPair> read_variant_pairs(const fs::path& tsv, std::int64_t length) {
  std::ifstream in = open_text(tsv);
  std::string line;
  if (!std::getline(in, line)) throw Error(tsv.string() + ": empty; a header naming the columns id, ref and alt is needed");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto header = split_tabs(line);
  auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      throw Error(where(tsv, 1) + ": the header has no column '" + name + "' (id, ref and alt are needed, tab-separated)");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t id = column("id"), ref = column("ref"), alt = column("alt");
  const auto optional_column = [&](const std::string& name) -> std::optional<std::size_t> {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) return std::nullopt;
    return static_cast<std::size_t>(it - header.begin());
  };
  const auto measured = optional_column("measured"), experiment = optional_column("experiment");
  std::vector<VariantPair> out;
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto fields = split_tabs(line);
    if (fields.size() != header.size())
      throw Error(where(tsv, number) + ": " + std::to_string(fields.size()) + " columns; the header has " +
                  std::to_string(header.size()));
    VariantPair pair{fields[id], upper(fields[ref]), upper(fields[alt]), std::nullopt,
                     experiment ? fields[*experiment] : std::string("all")};
    if (measured && !fields[*measured].empty() && fields[*measured] != "NA" && fields[*measured] != "nan") {
      const std::string& text = fields[*measured];
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size() || !std::isfinite(value))
        throw Error(where(tsv, number) + ": '" + pair.id + "': measured '" + text +
                    "' is not a number (leave it empty or NA when there is no measurement)");
      pair.measured = value;
    }
    for (const std::string* s : {&pair.ref, &pair.alt})
      if (static_cast<std::int64_t>(s->size()) != length)
        throw Error(where(tsv, number) + ": '" + pair.id + "': a sequence of length " + std::to_string(s->size()) +
                    "; the model takes " + std::to_string(length));
    out.push_back(std::move(pair));
  }
  if (out.empty()) throw Error(tsv.string() + ": no variants");
  return out;
}

std::vector<ExperimentCorrelation> measured_correlations(const std::vector<VariantPair>& pairs,
                                                         const std::vector<double>& predicted) {
  if (predicted.size() != pairs.size())
    throw Error("measured_correlations: " + std::to_string(predicted.size()) + " predictions for " +
                std::to_string(pairs.size()) + " variants");
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<double, double>>> values;  // experiment -> (measured, predicted)
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (!pairs[i].measured) continue;
    auto [it, added] = values.try_emplace(pairs[i].experiment);
    if (added) order.push_back(pairs[i].experiment);
    it->second.emplace_back(*pairs[i].measured, predicted[i]);
  }
  std::vector<ExperimentCorrelation> out;
  for (const auto& name : order) {
    const auto& v = values.at(name);
    const double n = static_cast<double>(v.size());
    double mean_m = 0, mean_p = 0;
    for (const auto& [m, p] : v) mean_m += m / n, mean_p += p / n;
    double cov = 0, var_m = 0, var_p = 0;
    for (const auto& [m, p] : v) {
      cov += (m - mean_m) * (p - mean_p);
      var_m += (m - mean_m) * (m - mean_m);
      var_p += (p - mean_p) * (p - mean_p);
    }
    const double r = v.size() >= 3 && var_m > 0 && var_p > 0 ? cov / std::sqrt(var_m * var_p) : std::nan("");
    out.push_back({name, v.size(), r});
  }
  return out;
}

std::string correlations_tsv(const std::vector<ExperimentCorrelation>& correlations) {
  std::string out = "experiment\tvariants\tpearson\n";
  char cell[64];
  double sum = 0;
  std::size_t defined = 0, variants = 0;
  for (const auto& c : correlations) {
    std::snprintf(cell, sizeof cell, "\t%zu\t%.6g\n", c.variants, c.pearson);
    out += c.experiment + cell;
    variants += c.variants;
    if (std::isfinite(c.pearson)) sum += c.pearson, ++defined;
  }
  std::snprintf(cell, sizeof cell, "\t%zu\t%.6g\n", variants, defined ? sum / static_cast<double>(defined) : std::nan(""));
  return out + "mean" + cell;
}

}  // namespace evoaug::analysis
