#include "data/data_config.h"

#include "catch.h"
#include <torch/torch.h>

#include "data/fasta.h"
#include "data/hdf5_io.h"
#include "data/splits.h"
#include "data/synthetic.h"
#include "evoaug/error.h"
#include "test_support.h"

using namespace evoaug;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;
using evoaug::testing::Contains;

namespace {

PipelineFile pipeline(const std::string& text, const std::filesystem::path& base = std::filesystem::current_path(),
                      const std::vector<std::string>& sets = {}) {
  std::vector<Override> overrides;
  for (const auto& s : sets) overrides.push_back(parse_override(s));
  return pipeline_from_text(text, "P.toml", overrides, base);
}

}  // namespace

TEST_CASE("splits: seeded, disjoint, in the requested fractions", "[data]") {
  const SplitIndices a = random_split(1000, {}, 9);
  const SplitIndices b = random_split(1000, {}, 9);
  const SplitIndices c = random_split(1000, {}, 10);
  CHECK(a.train == b.train);
  CHECK(a.test == b.test);
  CHECK(a.train != c.train);
  CHECK(a.train.size() == 700);
  CHECK(a.valid.size() == 100);
  CHECK(a.test.size() == 200);
  std::vector<std::int64_t> all = a.train;
  all.insert(all.end(), a.valid.begin(), a.valid.end());
  all.insert(all.end(), a.test.begin(), a.test.end());
  std::sort(all.begin(), all.end());
  for (std::int64_t i = 0; i < 1000; ++i) REQUIRE(all[i] == i);
  CHECK(std::is_sorted(a.valid.begin(), a.valid.end()));

  REQUIRE_THROWS_WITH(random_split(10, {0.5, 0.3, 0.3}, 0), Contains("add up to 1"));
  REQUIRE_THROWS_WITH(random_split(4, {0.9, 0.05, 0.05}, 0), Contains("valid split") && Contains("empty"));
}

TEST_CASE("downsample: a seeded count or fraction of the training split", "[data]") {
  const Split split{torch::zeros({100, 4, 5}, torch::kUInt8), torch::arange(100, torch::kFloat32).unsqueeze(1)};
  const Split a = downsample(split, 0.25, 3);
  const Split b = downsample(split, 0.25, 3);
  const Split c = downsample(split, 0.25, 4);
  CHECK(a.size() == 25);
  CHECK(torch::equal(a.y, b.y));
  CHECK_FALSE(torch::equal(a.y, c.y));
  CHECK(torch::equal(a.y, std::get<0>(a.y.sort(0))));  // original order kept
  CHECK(downsample(split, 40, 3).size() == 40);
  CHECK(downsample(split, 0, 3).size() == 100);
  CHECK(downsample(split, 1.0, 3).size() == 100);
  REQUIRE_THROWS_WITH(downsample(split, 200, 3), Contains("more sequences than the training split has (100)"));
  REQUIRE_THROWS_WITH(downsample(split, 2.5, 3), Contains("whole"));
  // Training needs two sequences: a fraction or count that keeps fewer is refused.
  REQUIRE_THROWS_WITH(downsample(split, 0.001, 3), Contains("keeps 0 of the 100") && Contains("at least 2"));
  REQUIRE_THROWS_WITH(downsample(split, 0.01, 3), Contains("keeps 1 of the 100"));
  CHECK(downsample(split, 0.02, 3).size() == 2);
}

TEST_CASE("data config: synthetic data in memory, split and downsampled from the seed", "[data]") {
  const auto file = pipeline("[data]\nformat = \"synthetic\"\nnum_sequences = 500\ndownsample = 100\n");
  const Dataset a = load_dataset(file, 1);
  const Dataset b = load_dataset(file, 1);
  const Dataset c = load_dataset(file, 2);
  CHECK(a.train.size() == 100);
  CHECK(a.valid.size() == 50);
  CHECK(a.test.size() == 100);
  CHECK(a.length() == 200);
  CHECK(a.tasks() == 6);
  CHECK(a.train.x.scalar_type() == torch::kUInt8);
  CHECK(torch::equal(a.train.x, b.train.x));
  CHECK_FALSE(torch::equal(a.train.x, c.train.x));
  // [data] seed overrides the run's seed.
  const auto seeded = pipeline("[data]\nformat = \"synthetic\"\nnum_sequences = 300\nseed = 5\n");
  CHECK(torch::equal(load_dataset(seeded, 1).test.y, load_dataset(seeded, 2).test.y));

  const DataHeader header = read_data_header(pipeline("[data]\nformat = \"synthetic\"\ntask = \"regression\"\n"));
  CHECK(header.length == 200);
  CHECK(header.tasks == 2);
  CHECK(header.task_names == std::vector<std::string>{"developmental", "housekeeping"});
}

TEST_CASE("data config: HDF5 written by `synth`'s writer loads back through the pipeline", "[data]") {
  TempDir dir;
  SyntheticOptions options;
  options.num_sequences = 120;
  const SyntheticData generated = generate_synthetic(options);
  Dataset dataset;
  assign_random_splits(dataset, generated.x, generated.y, {}, 0);
  dataset.task_names = generated.task_names;
  Hdf5WriteOptions write;
  write.lower_case_names = true;
  write.channels_last = true;
  write_hdf5_dataset(dir / "synth.h5", dataset, write);

  // Relative paths resolve against the pipeline file's folder; auto-detected format.
  const auto file = pipeline("[data]\npath = \"synth.h5\"\n", dir.path());
  const DataHeader header = read_data_header(file);
  CHECK(header.length == 200);
  CHECK(header.tasks == 6);
  CHECK(header.task_names == generated.task_names);
  const Dataset loaded = load_dataset(file, 0);
  CHECK(torch::equal(loaded.test.x, dataset.test.x));
  CHECK(torch::equal(loaded.train.y, dataset.train.y));

  REQUIRE_THROWS_WITH(read_data_header(pipeline("[data]\npath = \"synth.h5\"\nlength = 249\n", dir.path())),
                      Contains("P.toml:3:") && Contains("length") && Contains("have length 200"));
  REQUIRE_THROWS_WITH(read_data_header(pipeline("[data]\npath = \"gone.h5\"\n", dir.path())),
                      Contains("P.toml:2:") && Contains("gone.h5") && Contains("does not exist"));
}

TEST_CASE("data config: FASTA with labels, split from the seed", "[data]") {
  TempDir dir;
  std::string fasta, tsv = "name\tup\tdown\n";
  for (int i = 0; i < 40; ++i) {
    fasta += ">s" + std::to_string(i) + "\n" + (i % 10 == 0 ? "ACGTNACGTA" : "ACGTACGTAC") + "\n";
    tsv += "s" + std::to_string(i) + "\t" + std::to_string(i % 2) + "\t" + std::to_string(i) + "\n";
  }
  write_file(dir / "s.fa", fasta);
  write_file(dir / "s.tsv", tsv);
  const auto file = pipeline("[data]\npath = \"s.fa\"\nlabels = \"s.tsv\"\n", dir.path());
  const DataHeader header = read_data_header(file);
  CHECK(header.length == 10);
  CHECK(header.task_names == std::vector<std::string>{"up", "down"});
  const Dataset d = load_dataset(file, 4);
  CHECK(d.train.size() + d.valid.size() + d.test.size() == 36);  // 4 dropped for N
  CHECK(d.test.size() == 7);
  CHECK(d.task_names == header.task_names);
  CHECK(torch::equal(load_dataset(file, 4).valid.y, d.valid.y));
  CHECK_FALSE(torch::equal(load_dataset(file, 5).valid.y, d.valid.y));

  REQUIRE_THROWS_WITH(read_data_header(pipeline("[data]\npath = \"s.fa\"\n", dir.path())),
                      Contains("labels"));
}

TEST_CASE("data config: no data source, typos and bad values are positioned errors", "[data]") {
  const DataHeader header = read_data_header(pipeline("", ".", {"data.length=249", "data.tasks=2"}));
  CHECK(header.length == 249);
  CHECK(header.tasks == 2);
  CHECK(header.task_names == std::vector<std::string>{"task_0", "task_1"});
  REQUIRE_THROWS_WITH(read_data_header(pipeline("[data]\nlength = 249\n")), Contains("no data source"));
  REQUIRE_THROWS_WITH(load_dataset(pipeline("[data]\nlength = 249\ntasks = 1\n"), 0), Contains("no data source"));
  REQUIRE_THROWS_WITH(read_data_header(pipeline("[data]\nformat = \"synthetic\"\nnum_sequnces = 5\n")),
                      Contains("P.toml:3:") && Contains("num_sequences"));
  REQUIRE_THROWS_WITH(read_data_header(pipeline("[data]\nn_policy = \"keep\"\n")), Contains("P.toml:2:"));
  REQUIRE_THROWS_WITH(load_dataset(pipeline("[data]\nformat = \"synthetic\"\nlength = 60\n"), 0),
                      Contains("P.toml:3:") && Contains("too short"));
  REQUIRE_THROWS_WITH(read_data_header(pipeline("[data]\nformat = \"synthetic\"\ntasks = 9\n")),
                      Contains("P.toml:3:") && Contains("6 tasks"));
  REQUIRE_THROWS_WITH(load_dataset(pipeline("[data]\nformat = \"synthetic\"\nnum_sequences = 100\n"
                                            "train_fraction = 0.5\n"),
                                   0),
                      Contains("P.toml:4:") && Contains("add up to 1"));
  REQUIRE_THROWS_WITH(read_data_header(pipeline("[data]\nformat = \"hdf5\"\n")), Contains("set [data] path"));
  // Every key is documented. (The schema is named: specs() refers into it, and a range-for
  // over a temporary's member dangles; AddressSanitizer found this loop doing so.)
  const sdk::Schema schema = data_table_schema();
  for (const auto& spec : schema.specs()) CHECK_FALSE(spec.doc.empty());
}

TEST_CASE("data config: the FASTA header's length agrees with the loaded data under pad and trim", "[data]") {
  TempDir dir;
  // The first sequence is neither the shortest nor the longest.
  std::string fasta, tsv = "id\tt\n";
  const int lengths[] = {12, 8, 20, 10, 16, 14, 9, 18, 11, 13};
  for (int i = 0; i < 10; ++i) {
    fasta += ">s" + std::to_string(i) + "\n" + std::string(static_cast<std::size_t>(lengths[i]), "ACGT"[i % 4]) + "\n";
    tsv += "s" + std::to_string(i) + "\t" + std::to_string(i % 2) + "\n";
  }
  write_file(dir / "s.fa", fasta);
  write_file(dir / "s.tsv", tsv);
  for (const std::string policy : {"pad", "trim"}) {
    INFO(policy);
    const auto file = pipeline("[data]\npath = \"s.fa\"\nlabels = \"s.tsv\"\nlength_policy = \"" + policy +
                                   "\"\nvalid_fraction = 0.2\ntest_fraction = 0.2\ntrain_fraction = 0.6\n",
                               dir.path());
    const DataHeader header = read_data_header(file);
    CHECK(header.length == (policy == "pad" ? 20 : 8));
    CHECK(load_dataset(file, 0).length() == header.length);
  }
  // pad_or_trim without length: the same positioned error in the header and in loading.
  const auto no_length =
      pipeline("[data]\npath = \"s.fa\"\nlabels = \"s.tsv\"\nlength_policy = \"pad_or_trim\"\n", dir.path());
  REQUIRE_THROWS_WITH(read_data_header(no_length), Contains("P.toml:4:") && Contains("set [data] length"));
  REQUIRE_THROWS_WITH(load_dataset(no_length, 0), Contains("P.toml:4:") && Contains("set [data] length"));
  const auto with_length = pipeline(
      "[data]\npath = \"s.fa\"\nlabels = \"s.tsv\"\nlength_policy = \"pad_or_trim\"\nlength = 15\n"
      "valid_fraction = 0.2\ntest_fraction = 0.2\ntrain_fraction = 0.6\n",
      dir.path());
  CHECK(read_data_header(with_length).length == 15);
  CHECK(load_dataset(with_length, 0).length() == 15);
}

TEST_CASE("data config: the synthetic header rejects what loading rejects, at the same key", "[data]") {
  // Each setting, in the header and in loading: the same positioned error.
  const std::pair<std::string, std::string> cases[] = {
      {"length = 60\n", "too short"},
      {"task = \"regression\"\nlength = 80\n", "too short"},
      {"tasks = 9\n", "6 tasks"},
      {"num_sequences = 100\ntrain_fraction = 0.5\n", "add up to 1"},
      {"num_sequences = 3\ntrain_fraction = 0.7\n", "would be empty"},
      {"num_sequences = 100\ndownsample = 500\n", "more sequences than the training split has (70)"},
  };
  for (const auto& [settings, message] : cases) {
    INFO(settings);
    const auto file = pipeline("[data]\nformat = \"synthetic\"\n" + settings);
    const std::string line = "P.toml:" + std::to_string(2 + std::count(settings.begin(), settings.end(), '\n')) + ":";
    REQUIRE_THROWS_WITH(read_data_header(file), Contains(line) && Contains(message));
    REQUIRE_THROWS_WITH(load_dataset(file, 0), Contains(line) && Contains(message));
  }
  // The shortest length the binary grammar accepts passes both.
  const auto file = pipeline("[data]\nformat = \"synthetic\"\nlength = 72\nnum_sequences = 50\n");
  CHECK(read_data_header(file).length == 72);
  CHECK(load_dataset(file, 0).length() == 72);
}
