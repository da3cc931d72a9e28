#include <H5Cpp.h>
#include <torch/torch.h>

#include "data/hdf5_io.h"
#include "evoaug/error.h"
#include "util/file_safety.h"

namespace evoaug {
namespace fs = std::filesystem;
namespace {

// h5py stores numpy booleans as a one-byte enum {FALSE = 0, TRUE = 1}; so do we, so that
// files written here read the same in Python.
H5::EnumType bool_type() {
  H5::EnumType type(H5::PredType::NATIVE_INT8);
  std::int8_t value = 0;
  type.insert("FALSE", &value);
  value = 1;
  type.insert("TRUE", &value);
  return type;
}

struct Types {
  H5::DataType file, memory;
};

Types types_for(const at::Tensor& values, const std::string& name) {
  switch (values.scalar_type()) {
    case torch::kUInt8: return {H5::PredType::STD_U8LE, H5::PredType::NATIVE_UINT8};
    case torch::kInt32: return {H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32};
    case torch::kInt64: return {H5::PredType::STD_I64LE, H5::PredType::NATIVE_INT64};
    case torch::kFloat32: return {H5::PredType::IEEE_F32LE, H5::PredType::NATIVE_FLOAT};
    case torch::kFloat64: return {H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE};
    case torch::kBool: return {bool_type(), bool_type()};
    default:
      throw Error("cannot write dataset '" + name + "' of type " + std::string(c10::toString(values.scalar_type())) +
                  " to HDF5 (uint8, int32, int64, float32, float64 or bool)");
  }
}

void write_tensor(H5::H5File& file, const std::string& name, at::Tensor values) {
  const Types types = types_for(values, name);
  values = values.to(torch::kCPU).contiguous();
  if (values.scalar_type() == torch::kBool) values = values.to(torch::kInt8);  // the enum's bytes
  std::vector<hsize_t> dims(values.sizes().begin(), values.sizes().end());
  const H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
  H5::DataSet data = file.createDataSet(name, types.file, space);
  if (values.numel() > 0) data.write(values.data_ptr(), types.memory);
}

void check_split(const Split& split, const char* name) {
  if (!split.x.defined() || !split.y.defined())
    throw Error(std::string("write_hdf5_dataset: the ") + name + " split is missing");
  if (split.x.dim() != 3 || split.y.dim() != 2 || split.x.size(0) != split.y.size(0))
    throw Error(std::string("write_hdf5_dataset: the ") + name + " split must be X (N, 4, L) and Y (N, T)");
}

// Writes an HDF5 file through `fill` into a temporary sibling, then renames it over
// `path`: a failure leaves the earlier file whole and removes the temporary.
template <typename Fill>
void write_atomically_as_hdf5(const fs::path& path, Fill&& fill) {
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path());
  const fs::path temp = temporary_sibling(path);
  H5::Exception::dontPrint();
  try {
    H5::H5File file(temp.string(), H5F_ACC_TRUNC);
    fill(file);
    file.close();
  } catch (const H5::Exception& e) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error("cannot write HDF5 file '" + path.string() + "': " + e.getDetailMsg());
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
  commit_temporary(temp, path);
}

}  // namespace

void write_hdf5_dataset(const fs::path& path, const Dataset& dataset, const Hdf5WriteOptions& options,
                        const std::vector<Hdf5Extra>& extras) {
  const Split* splits[3] = {&dataset.train, &dataset.valid, &dataset.test};
  for (SplitId id : kSplitIds) check_split(*splits[static_cast<std::size_t>(id)], split_name(id));

  write_atomically_as_hdf5(path, [&](H5::H5File& file) {
    for (SplitId id : kSplitIds) {
      const Split& split = *splits[static_cast<std::size_t>(id)];
      const std::string suffix = std::string("_") + split_name(id);
      at::Tensor x = options.channels_last ? split.x.transpose(1, 2) : split.x;
      at::Tensor y = split.y.to(torch::kFloat32);
      if (options.y_as_vector) {
        if (y.size(1) != 1)
          throw Error("write_hdf5_dataset: Y can be written as a vector only with one task, not " +
                      std::to_string(y.size(1)));
        y = y.reshape({-1});
      }
      write_tensor(file, (options.lower_case_names ? "x" : "X") + suffix, x);
      write_tensor(file, (options.lower_case_names ? "y" : "Y") + suffix, y);
    }
    for (const auto& extra : extras) write_tensor(file, extra.name, extra.values);

    std::string names;
    for (std::size_t t = 0; t < dataset.task_names.size(); ++t) names += (t ? "\t" : "") + dataset.task_names[t];
    if (!names.empty()) {
      const H5::StrType type(H5::PredType::C_S1, names.size());
      H5::Attribute attribute = file.createAttribute("task_names", type, H5::DataSpace(H5S_SCALAR));
      attribute.write(type, names);
    }
  });
}

void write_hdf5_tensors(const fs::path& path, const std::vector<Hdf5Extra>& datasets,
                        const std::vector<std::pair<std::string, std::string>>& attributes) {
  write_atomically_as_hdf5(path, [&](H5::H5File& file) {
    for (const auto& dataset : datasets) write_tensor(file, dataset.name, dataset.values);
    for (const auto& [name, text] : attributes) {
      const H5::StrType type(H5::PredType::C_S1, std::max<std::size_t>(1, text.size()));
      H5::Attribute attribute = file.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
      attribute.write(type, text);
    }
  });
}

}  // namespace evoaug
