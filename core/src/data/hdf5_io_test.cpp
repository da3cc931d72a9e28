#include "data/hdf5_io.h"

#include <H5Cpp.h>
#include "catch.h"
#include <torch/torch.h>

#include "data/fasta.h"
#include "evoaug/error.h"
#include "test_support.h"

using namespace evoaug;
using evoaug::testing::TempDir;
using evoaug::testing::Contains;

namespace {

// A small dataset of random one-hot sequences: n_train/valid/test rows, length L, T tasks.
Dataset random_dataset(std::int64_t length, std::int64_t tasks, std::uint64_t seed) {
  torch::manual_seed(seed);
  const auto make = [&](std::int64_t n) {
    const at::Tensor letters = torch::randint(0, 4, {n, length});
    at::Tensor x = torch::one_hot(letters, 4).permute({0, 2, 1}).to(torch::kUInt8).contiguous();
    return Split{x, torch::rand({n, tasks})};
  };
  Dataset d;
  d.train = make(7);
  d.valid = make(3);
  d.test = make(4);
  for (std::int64_t t = 0; t < tasks; ++t) d.task_names.push_back("t" + std::to_string(t));
  return d;
}

void require_same(const Dataset& a, const Dataset& b) {
  const Split* sa[3] = {&a.train, &a.valid, &a.test};
  const Split* sb[3] = {&b.train, &b.valid, &b.test};
  for (int i = 0; i < 3; ++i) {
    REQUIRE(sa[i]->x.sizes() == sb[i]->x.sizes());
    CHECK(torch::equal(sa[i]->x.to(torch::kFloat32), sb[i]->x.to(torch::kFloat32)));
    CHECK(torch::allclose(sa[i]->y, sb[i]->y));
  }
}

// Writes raw datasets with the HDF5 API, to build malformed files: uint8 tensors as
// uint8, everything else as float32.
void write_raw(const std::filesystem::path& file, const std::vector<std::pair<std::string, at::Tensor>>& items) {
  H5::H5File h5(file.string(), H5F_ACC_TRUNC);
  for (const auto& [name, tensor] : items) {
    const bool bytes = tensor.scalar_type() == torch::kUInt8;
    const at::Tensor t = (bytes ? tensor : tensor.to(torch::kFloat32)).contiguous();
    std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
    const H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
    if (bytes) {
      h5.createDataSet(name, H5::PredType::STD_U8LE, space).write(t.data_ptr<std::uint8_t>(), H5::PredType::NATIVE_UINT8);
    } else {
      h5.createDataSet(name, H5::PredType::IEEE_F32LE, space).write(t.data_ptr<float>(), H5::PredType::NATIVE_FLOAT);
    }
  }
}

std::vector<std::pair<std::string, at::Tensor>> six(at::Tensor x, at::Tensor y) {
  return {{"X_train", x}, {"Y_train", y}, {"X_valid", x}, {"Y_valid", y}, {"X_test", x}, {"Y_test", y}};
}

}  // namespace

TEST_CASE("HDF5: round trip in every layout of the paper's files", "[data]") {
  TempDir dir;
  const Dataset original = random_dataset(12, 3, 1);
  for (bool lower : {false, true})
    for (bool last : {false, true})
      for (auto dtype : {torch::kUInt8, torch::kFloat32, torch::kFloat64, torch::kBool}) {
        Dataset copy = original;
        for (Split* s : {&copy.train, &copy.valid, &copy.test}) s->x = s->x.to(dtype);
        const auto file = dir / "d.h5";
        Hdf5WriteOptions options;
        options.lower_case_names = lower;
        options.channels_last = last;
        write_hdf5_dataset(file, copy, options);
        INFO("lower " << lower << ", channels_last " << last << ", " << c10::toString(dtype));
        const Hdf5Header header = read_hdf5_header(file);
        CHECK(header.splits[0].x_name == (lower ? "x_train" : "X_train"));
        CHECK(header.splits[2].y_name == (lower ? "y_test" : "Y_test"));
        CHECK(header.splits[0].channels_last == last);
        CHECK(header.length() == 12);
        CHECK(header.tasks() == 3);
        CHECK(header.task_names == original.task_names);
        const Dataset back = read_hdf5_dataset(file);
        // Exact one-hot data is kept as uint8, whatever the file's type.
        CHECK(back.train.x.scalar_type() == torch::kUInt8);
        CHECK(back.train.y.scalar_type() == torch::kFloat32);
        require_same(original, back);
      }
}

TEST_CASE("HDF5: soft X is kept as float32, a one-task vector Y reads as (N, 1)", "[data]") {
  TempDir dir;
  Dataset d = random_dataset(10, 1, 2);
  d.valid.x = d.valid.x.to(torch::kFloat32) * 0.5;  // not exact one-hot: only this split widens
  Hdf5WriteOptions options;
  options.y_as_vector = true;
  write_hdf5_dataset(dir / "soft.h5", d, options);
  const Dataset back = read_hdf5_dataset(dir / "soft.h5");
  CHECK(back.train.x.scalar_type() == torch::kUInt8);
  CHECK(back.valid.x.scalar_type() == torch::kFloat32);
  CHECK(back.valid.y.sizes() == torch::IntArrayRef({3, 1}));
  require_same(d, back);
}

TEST_CASE("HDF5: a float split that turns soft after the first block is widened without loss", "[data]") {
  TempDir dir;
  // Long enough sequences that one block holds few rows: 4 Mi values / (4 * 200000) = 5 rows.
  const std::int64_t length = 200000;
  at::Tensor x = torch::one_hot(torch::randint(0, 4, {12, length}), 4).permute({0, 2, 1}).to(torch::kFloat32).contiguous();
  x[11][0][5] = 0.25f;
  at::Tensor y = torch::rand({12, 2});
  write_raw(dir / "late.h5", six(x, y));
  const Dataset back = read_hdf5_dataset(dir / "late.h5");
  CHECK(back.train.x.scalar_type() == torch::kFloat32);
  CHECK(torch::equal(back.train.x, x));
}

TEST_CASE("HDF5: configured dataset names and a forced axis order", "[data]") {
  TempDir dir;
  const at::Tensor x = torch::one_hot(torch::randint(0, 4, {5, 4}), 4).permute({0, 2, 1}).contiguous();  // (5, 4, 4)
  const at::Tensor y = torch::rand({5, 2});
  write_raw(dir / "named.h5", {{"seqs_tr", x}, {"lab_tr", y}, {"X_valid", x}, {"Y_valid", y}, {"X_test", x}, {"Y_test", y}});
  Hdf5ReadOptions options;
  options.x_names[0] = "seqs_tr";
  options.y_names[0] = "lab_tr";
  // (5, 4, 4) is ambiguous until the axis order is given.
  REQUIRE_THROWS_WITH(read_hdf5_header(dir / "named.h5", options), Contains("axis_order") && Contains("seqs_tr"));
  options.axis_order = AxisOrder::channels_first;
  const Dataset d = read_hdf5_dataset(dir / "named.h5", options);
  CHECK(torch::equal(d.train.x.to(torch::kFloat32), x.to(torch::kFloat32)));
  options.axis_order = AxisOrder::channels_last;
  CHECK(torch::equal(read_hdf5_dataset(dir / "named.h5", options).train.x.to(torch::kFloat32),
                     x.transpose(1, 2).to(torch::kFloat32)));
  options.x_names[0] = "nope";
  REQUIRE_THROWS_WITH(read_hdf5_header(dir / "named.h5", options),
                      Contains("'nope'") && Contains("x_train") && Contains("seqs_tr"));
}

TEST_CASE("HDF5: a configured dataset under a missing group is the missing-dataset error", "[data]") {
  TempDir dir;
  write_hdf5_dataset(dir / "d.h5", random_dataset(6, 2, 3));
  Hdf5ReadOptions options;
  options.x_names[0] = "nogroup/X";
  REQUIRE_THROWS_WITH(read_hdf5_header(dir / "d.h5", options),
                      Contains("d.h5: dataset 'nogroup/X': no such dataset (set by [data] x_train)") &&
                          Contains("datasets in the file: X_test, X_train") && !Contains("H5Lexists"));
  // Under a dataset, not a group; and deeper paths.
  options.x_names[0] = "X_train/X";
  REQUIRE_THROWS_WITH(read_hdf5_header(dir / "d.h5", options), Contains("'X_train/X': no such dataset"));
  options.x_names[0] = "/a/b/c";
  REQUIRE_THROWS_WITH(read_hdf5_header(dir / "d.h5", options), Contains("'/a/b/c': no such dataset"));
  // An absolute name of a dataset that exists still resolves.
  options.x_names[0] = "/X_train";
  CHECK(read_hdf5_header(dir / "d.h5", options).length() == 6);
}

TEST_CASE("HDF5: bad files are errors naming the file and the dataset", "[data]") {
  TempDir dir;
  const auto file = dir / "bad.h5";
  const at::Tensor x = torch::one_hot(torch::randint(0, 4, {6, 10}), 4).permute({0, 2, 1}).contiguous();
  const at::Tensor y = torch::rand({6, 2});

  REQUIRE_THROWS_WITH(read_hdf5_header(dir / "none.h5"), Contains("none.h5") && Contains("does not exist"));
  evoaug::testing::write_file(dir / "text.h5", "not hdf5");
  REQUIRE_THROWS_WITH(read_hdf5_header(dir / "text.h5"), Contains("text.h5") && Contains("not an HDF5 file"));

  write_raw(file, {{"X_train", x}, {"Y_train", y}});
  REQUIRE_THROWS_WITH(read_hdf5_header(file), Contains("bad.h5") && Contains("X_valid") && Contains("X_train, Y_train"));

  auto items = six(x, y);
  items[0].second = x.reshape({6, 40});
  write_raw(file, items);
  REQUIRE_THROWS_WITH(read_hdf5_header(file), Contains("'X_train'") && Contains("rank 3") && Contains("(6, 40)"));

  items = six(x, y);
  items[2].second = torch::zeros({6, 5, 10});
  write_raw(file, items);
  REQUIRE_THROWS_WITH(read_hdf5_header(file), Contains("'X_valid'") && Contains("not 4"));

  items = six(x, y);
  items[5].second = torch::rand({5, 2});
  write_raw(file, items);
  REQUIRE_THROWS_WITH(read_hdf5_header(file), Contains("test split") && Contains("6 sequences") && Contains("5 rows"));

  items = six(x, y);
  items[3].second = torch::rand({6, 3});
  write_raw(file, items);
  REQUIRE_THROWS_WITH(read_hdf5_header(file), Contains("'Y_valid' has 3 tasks"));

  items = six(x, y);
  items[4].second = torch::zeros({0, 4, 10});
  items[5].second = torch::zeros({0, 2});
  write_raw(file, items);
  REQUIRE_THROWS_WITH(read_hdf5_header(file), Contains("'X_test'") && Contains("empty"));

  items = six(x, y);
  at::Tensor y_nan = y.clone();
  y_nan[4][1] = std::numeric_limits<float>::quiet_NaN();
  items[1].second = y_nan;
  write_raw(file, items);
  REQUIRE_THROWS_WITH(read_hdf5_dataset(file), Contains("'Y_train'") && Contains("row 4, task 1"));

  // One-hot stored as integers 0/255: refused (floats may be soft; integers cannot be).
  items = six(x, y);
  items[0].second = (x * 255).to(torch::kUInt8);
  write_raw(file, items);
  REQUIRE_THROWS_WITH(read_hdf5_dataset(file), Contains("'X_train'") && Contains("integers") &&
                                                   Contains("other than 0 and 1") && Contains("255"));
}

TEST_CASE("HDF5: a declared shape beyond memory is refused by name before anything is allocated", "[data]") {
  TempDir dir;
  const auto file = dir / "huge.h5";
  {
    // Chunked datasets with no data written: a file of kilobytes that declares terabytes.
    H5::H5File h5(file.string(), H5F_ACC_TRUNC);
    H5::DSetCreatPropList chunked;
    const hsize_t chunk_x[3] = {1, 4, 100}, chunk_y[2] = {1, 1};
    for (const char* split : {"train", "valid", "test"}) {
      const hsize_t x_dims[3] = {1000000000, 4, 1000}, y_dims[2] = {1000000000, 1};
      chunked.setChunk(3, chunk_x);
      h5.createDataSet(std::string("X_") + split, H5::PredType::STD_U8LE, H5::DataSpace(3, x_dims), chunked);
      H5::DSetCreatPropList chunked_y;
      chunked_y.setChunk(2, chunk_y);
      h5.createDataSet(std::string("Y_") + split, H5::PredType::IEEE_F32LE, H5::DataSpace(2, y_dims), chunked_y);
    }
  }
  REQUIRE(std::filesystem::file_size(file) < 1000000);
  CHECK_THROWS_WITH(read_hdf5_dataset(file), Contains("huge.h5") && Contains("of memory") &&
                                                 Contains("X_train (1000000000, 4, 1000)"));
}

TEST_CASE("HDF5: a non-standard stored type or a contiguous dataset missing its data is refused by name",
          "[data]") {
  TempDir dir;
  const auto file = dir / "odd.h5";
  const at::Tensor x = torch::one_hot(torch::randint(0, 4, {6, 10}), 4).permute({0, 2, 1}).to(torch::kUInt8);
  const at::Tensor y = torch::rand({6, 2});

  // An integer whose precision is not its size: the HDF5 library's own conversion of such
  // a type overran a stack buffer on a corrupt file (the fuzzer's regression input).
  write_raw(file, six(x, y));
  {
    H5::H5File h5(file.string(), H5F_ACC_RDWR);
    h5.unlink("Y_valid");
    H5::IntType odd(H5::PredType::STD_I32LE);
    odd.setPrecision(20);
    const hsize_t dims[2] = {6, 2};
    std::vector<std::int32_t> values(12, 1);
    h5.createDataSet("Y_valid", odd, H5::DataSpace(2, dims)).write(values.data(), H5::PredType::NATIVE_INT32);
  }
  CHECK_THROWS_WITH(read_hdf5_header(file), Contains("odd.h5") && Contains("'Y_valid'") &&
                                                Contains("standard float or integer type"));

  // A contiguous dataset created but never written: the library would fill it silently.
  write_raw(file, six(x, y));
  {
    H5::H5File h5(file.string(), H5F_ACC_RDWR);
    h5.unlink("X_test");
    const hsize_t dims[3] = {6, 4, 10};
    h5.createDataSet("X_test", H5::PredType::STD_U8LE, H5::DataSpace(3, dims));
  }
  CHECK_THROWS_WITH(read_hdf5_header(file), Contains("'X_test'") && Contains("declares 240 bytes") &&
                                                Contains("stores 0 bytes") && Contains("damaged or unfinished"));
  // The same files written whole are read.
  write_raw(file, six(x, y));
  CHECK(read_hdf5_dataset(file).test.x.size(0) == 6);
}

TEST_CASE("A file named .h5 that is empty or missing is described as such, not as FASTA", "[data]") {
  TempDir dir;
  evoaug::testing::write_file(dir / "empty.h5", "");
  CHECK_THAT(data_file_problem(dir / "empty.h5"), Contains("empty.h5") && Contains("0 bytes"));
  CHECK_THAT(data_file_problem(dir / "x.h5"), Contains("x.h5") && Contains("does not exist"));
  evoaug::testing::write_file(dir / "x.fa", ">a\nACGT\n");
  CHECK(data_file_problem(dir / "x.fa").empty());
}
