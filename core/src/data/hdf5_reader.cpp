#include <H5Cpp.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "data/hdf5_io.h"
#include "data/memory_estimate.h"
#include "evoaug/error.h"
#include "util/suggest.h"

namespace evoaug {
namespace fs = std::filesystem;

const char* split_name(SplitId split) {
  switch (split) {
    case SplitId::train: return "train";
    case SplitId::valid: return "valid";
    case SplitId::test: return "test";
  }
  return "?";
}

AxisOrder parse_axis_order(const std::string& text) {
  if (text == "auto") return AxisOrder::detect;
  if (text == "channels_first") return AxisOrder::channels_first;
  if (text == "channels_last") return AxisOrder::channels_last;
  throw Error("unknown axis order '" + text + "'; known: auto, channels_first (N, 4, L), channels_last (N, L, 4)");
}

bool is_hdf5_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char signature[8] = {};
  in.read(signature, sizeof signature);
  return in && std::string(signature, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

std::string data_file_problem(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return "file '" + path.string() + "' does not exist";
  if (fs::is_directory(path, ec)) return "'" + path.string() + "' is a folder, not a data file";
  const std::string extension = path.extension().string();
  if ((extension == ".h5" || extension == ".hdf5") && !is_hdf5_file(path)) {
    const auto size = fs::file_size(path, ec);
    return "'" + path.string() + "' is named as an HDF5 file but is not one (" +
           (!ec && size == 0 ? std::string("it is empty, 0 bytes") : std::string("it lacks the HDF5 signature")) +
           "; was it written completely?)";
  }
  return "";
}

namespace {

// Values per block when X is read: 16 MB of float32, whatever the sequence length.
constexpr std::int64_t kBlockValues = std::int64_t{4} << 20;

std::string shape_text(const std::vector<hsize_t>& dims) {
  std::string text = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + (dims.size() == 1 ? ",)" : ")");
}

// The stored type's name when it is one of HDF5's standard layouts (IEEE floats, two's
// complement integers, h5py's int8 enum for bool), else "an unsupported type". Comparing
// the whole layout, not only the class and size, matters: a corrupt file can declare an
// integer of 4 bytes with 200 bits of precision, and converting it to float overruns a
// stack buffer inside the HDF5 library (1.10.8, H5T__bit_get_d: found by the fuzzer,
// tests/fuzz/corpus/fuzz_hdf5/regression-corrupt-integer-type.h5).
std::string type_name(const H5::DataSet& data) {
  const H5::DataType type = data.getDataType();
  const hid_t id = type.getId();
  const auto is = [id](hid_t standard) { return H5Tequal(id, standard) > 0; };
  for (const auto& [standard, name] : {std::pair{H5T_IEEE_F32LE, "float32"}, {H5T_IEEE_F32BE, "float32"},
                                       {H5T_IEEE_F64LE, "float64"}, {H5T_IEEE_F64BE, "float64"},
                                       {H5T_STD_U8LE, "uint8"}, {H5T_STD_U8BE, "uint8"},
                                       {H5T_STD_I8LE, "int8"}, {H5T_STD_I8BE, "int8"},
                                       {H5T_STD_U16LE, "uint16"}, {H5T_STD_U16BE, "uint16"},
                                       {H5T_STD_I16LE, "int16"}, {H5T_STD_I16BE, "int16"},
                                       {H5T_STD_U32LE, "uint32"}, {H5T_STD_U32BE, "uint32"},
                                       {H5T_STD_I32LE, "int32"}, {H5T_STD_I32BE, "int32"},
                                       {H5T_STD_U64LE, "uint64"}, {H5T_STD_U64BE, "uint64"},
                                       {H5T_STD_I64LE, "int64"}, {H5T_STD_I64BE, "int64"}})
    if (is(standard)) return name;
  if (data.getTypeClass() == H5T_ENUM && type.getSize() == 1) {
    const hid_t base = H5Tget_super(id);
    const bool standard_base = base >= 0 && (H5Tequal(base, H5T_STD_I8LE) > 0 || H5Tequal(base, H5T_STD_U8LE) > 0);
    if (base >= 0) H5Tclose(base);
    if (standard_base) return "bool";
  }
  return "an unsupported type";
}

// One open file with the messages that name it.
class Hdf5File {
 public:
  explicit Hdf5File(const fs::path& path) : path_(path) {
    if (!fs::exists(path)) throw Error("HDF5 file '" + path.string() + "' does not exist");
    if (fs::is_directory(path)) throw Error("HDF5 file '" + path.string() + "' is a folder, not a file");
    H5::Exception::dontPrint();
    try {
      if (!H5::H5File::isHdf5(path.string())) throw Error("'" + path.string() + "' is not an HDF5 file");
      file_.openFile(path.string(), H5F_ACC_RDONLY);
    } catch (const H5::Exception& e) {
      throw Error("cannot open HDF5 file '" + path.string() + "': " + e.getDetailMsg());
    }
  }

  std::vector<std::string> dataset_names() const {
    std::vector<std::string> names;
    for (hsize_t i = 0; i < file_.getNumObjs(); ++i)
      if (file_.getObjTypeByIdx(i) == H5G_DATASET) names.push_back(file_.getObjnameByIdx(i));
    return names;
  }

  // True when `name` (which may be a path "group/dataset") exists. H5Lexists fails rather
  // than answering false when a group on the way is missing or is not a group, so each
  // component is checked in turn.
  bool exists(const std::string& name) const {
    try {
      std::size_t end = 0;
      while (true) {
        end = name.find('/', end + 1);
        const std::string prefix = name.substr(0, end);
        if (!prefix.empty() && prefix != "/") {
          if (!file_.nameExists(prefix)) return false;
          if (end != std::string::npos && file_.childObjType(prefix) != H5O_TYPE_GROUP) return false;
        }
        if (end == std::string::npos) return true;
      }
    } catch (const H5::Exception&) {
      return false;
    }
  }

  // The configured name, or the upper-case default, or the lower-case one.
  std::string resolve(const std::string& configured, const std::string& upper, const std::string& key) const {
    if (!configured.empty()) {
      if (!exists(configured))
        throw Error(where(configured) + ": no such dataset (set by [data] " + key + "); " + present());
      return configured;
    }
    if (exists(upper)) return upper;
    std::string lower = upper;
    lower[0] = static_cast<char>(std::tolower(lower[0]));
    if (exists(lower)) return lower;
    throw Error("HDF5 file '" + path_.string() + "' has no dataset '" + upper + "' (nor '" + lower + "'); " +
                present() + ". Name it with [data] " + key + " = \"...\"");
  }

  H5::DataSet open(const std::string& name) const {
    try {
      return file_.openDataSet(name);
    } catch (const H5::Exception& e) {
      throw Error(where(name) + ": cannot open dataset: " + e.getDetailMsg());
    }
  }

  std::string where(const std::string& dataset) const { return path_.string() + ": dataset '" + dataset + "'"; }
  const fs::path& path() const { return path_; }
  const H5::H5File& handle() const { return file_; }

 private:
  std::string present() const {
    const auto names = dataset_names();
    return names.empty() ? "the file holds no datasets" : "datasets in the file: " + join(names);
  }
  fs::path path_;
  H5::H5File file_;
};

std::vector<hsize_t> dims_of(const H5::DataSet& data) {
  const H5::DataSpace space = data.getSpace();
  std::vector<hsize_t> dims(static_cast<std::size_t>(space.getSimpleExtentNdims()));
  space.getSimpleExtentDims(dims.data());
  return dims;
}

// A contiguous dataset stores exactly its declared bytes; fewer means a damaged or
// unfinished file, on which the HDF5 library fills the missing part itself (a 9 KB file
// found by the fuzzer declared gigabytes and took minutes and 11 GB to read).
// Chunked datasets may be compressed, so only the memory check bounds them.
void require_stored_as_declared(const Hdf5File& file, const std::string& name, const H5::DataSet& data) {
  const H5::DSetCreatPropList creation = data.getCreatePlist();
  if (creation.getLayout() != H5D_CONTIGUOUS) return;
  const double declared = static_cast<double>(data.getSpace().getSimpleExtentNpoints()) *
                          static_cast<double>(data.getDataType().getSize());
  const double stored = static_cast<double>(data.getStorageSize());
  if (stored != declared)
    throw Error(file.where(name) + ": the dataset declares " + human_bytes(declared) + " but the file stores " +
                human_bytes(stored) + " of it (a damaged or unfinished file; write it again)");
}

Hdf5SplitHeader read_split_header(const Hdf5File& file, SplitId split, const Hdf5ReadOptions& options) {
  const auto index = static_cast<std::size_t>(split);
  const std::string suffix = std::string("_") + split_name(split);
  Hdf5SplitHeader header;
  header.x_name = file.resolve(options.x_names[index], "X" + suffix, "x" + suffix);
  header.y_name = file.resolve(options.y_names[index], "Y" + suffix, "y" + suffix);
  const H5::DataSet x = file.open(header.x_name);
  const H5::DataSet y = file.open(header.y_name);
  const auto x_dims = dims_of(x);
  const auto y_dims = dims_of(y);

  header.x_type = type_name(x);
  if (header.x_type != "an unsupported type") require_stored_as_declared(file, header.x_name, x);
  if (header.x_type == "an unsupported type")
    throw Error(file.where(header.x_name) +
                ": X must be stored as float32, float64, an integer type or bool; its stored type is none of "
                "these standard layouts (another layout, or a damaged file)");
  if (x_dims.size() != 3)
    throw Error(file.where(header.x_name) + ": X must have rank 3, (N, 4, L) or (N, L, 4); its shape is " +
                shape_text(x_dims));
  const bool axis1_is_4 = x_dims[1] == 4, axis2_is_4 = x_dims[2] == 4;
  switch (options.axis_order) {
    case AxisOrder::channels_first: header.channels_last = false; break;
    case AxisOrder::channels_last: header.channels_last = true; break;
    case AxisOrder::detect:
      if (axis1_is_4 && axis2_is_4)
        throw Error(file.where(header.x_name) + ": shape " + shape_text(x_dims) +
                    " could be (N, 4, L) or (N, L, 4); set [data] axis_order = \"channels_first\" or "
                    "\"channels_last\"");
      header.channels_last = axis2_is_4;
      break;
  }
  header.count = static_cast<std::int64_t>(x_dims[0]);
  header.alphabet = static_cast<std::int64_t>(header.channels_last ? x_dims[2] : x_dims[1]);
  header.length = static_cast<std::int64_t>(header.channels_last ? x_dims[1] : x_dims[2]);
  if (header.alphabet != 4)
    throw Error(file.where(header.x_name) + ": the alphabet axis has size " + std::to_string(header.alphabet) +
                ", not 4 (A, C, G, T), in shape " + shape_text(x_dims) +
                (options.axis_order == AxisOrder::detect ? "" : "; check [data] axis_order"));
  if (header.count == 0) throw Error(file.where(header.x_name) + ": the " + split_name(split) + " split is empty");
  if (header.length == 0) throw Error(file.where(header.x_name) + ": sequences have length 0");

  if (y_dims.size() != 1 && y_dims.size() != 2)
    throw Error(file.where(header.y_name) + ": Y must be (N, T) or (N,); its shape is " + shape_text(y_dims));
  if (type_name(y) == "an unsupported type")
    throw Error(file.where(header.y_name) +
                ": Y must hold numbers stored as a standard float or integer type (or bool); its stored type "
                "is neither (another layout, or a damaged file)");
  require_stored_as_declared(file, header.y_name, y);
  header.tasks = y_dims.size() == 2 ? static_cast<std::int64_t>(y_dims[1]) : 1;
  if (header.tasks == 0) throw Error(file.where(header.y_name) + ": Y has zero tasks, shape " + shape_text(y_dims));
  if (static_cast<std::int64_t>(y_dims[0]) != header.count)
    throw Error(file.path().string() + ": " + split_name(split) + " split: '" + header.x_name + "' has " +
                std::to_string(header.count) + " sequences but '" + header.y_name + "' has " +
                std::to_string(y_dims[0]) + " rows of labels");
  return header;
}

std::vector<std::string> read_task_names(const Hdf5File& file, std::int64_t tasks) {
  std::vector<std::string> names;
  try {
    if (file.handle().attrExists("task_names")) {
      const H5::Attribute attribute = file.handle().openAttribute("task_names");
      std::string text;
      attribute.read(attribute.getStrType(), text);
      std::size_t start = 0;
      while (start <= text.size()) {
        const std::size_t tab = text.find('\t', start);
        names.push_back(text.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
      }
    }
  } catch (const H5::Exception&) {
    names.clear();  // an attribute of another shape, written by another tool: not ours
  }
  if (static_cast<std::int64_t>(names.size()) != tasks) {
    if (!names.empty())
      spdlog::warn("{}: attribute task_names has {} names for {} tasks; using task_0..", file.path().string(),
                   names.size(), tasks);
    names.clear();
    for (std::int64_t t = 0; t < tasks; ++t) names.push_back("task_" + std::to_string(t));
  }
  return names;
}

// Reads X block by block into (N, 4, L), uint8 while every value is 0 or 1, switching to
// float32 (and converting the rows already read) at the first other value.
at::Tensor read_x(const Hdf5File& file, const Hdf5SplitHeader& header) {
  const H5::DataSet data = file.open(header.x_name);
  const std::int64_t count = header.count, length = header.length, per_row = 4 * length;
  const std::int64_t block_rows = std::max<std::int64_t>(1, kBlockValues / per_row);
  const bool is_bool = header.x_type == "bool";
  const bool integer_type = header.x_type.rfind("int", 0) == 0 || header.x_type.rfind("uint", 0) == 0;
  const H5::DataType memory_type = is_bool ? data.getDataType() : H5::DataType(H5::PredType::NATIVE_FLOAT);

  at::Tensor out = torch::empty({count, 4, length}, torch::kUInt8);
  bool exact = true;
  std::vector<float> block(static_cast<std::size_t>(std::min(count, block_rows) * per_row));
  std::vector<std::int8_t> bool_block(is_bool ? block.size() : 0);
  const H5::DataSpace file_space = data.getSpace();
  const hsize_t dim1 = header.channels_last ? static_cast<hsize_t>(length) : 4;
  const hsize_t dim2 = header.channels_last ? 4 : static_cast<hsize_t>(length);

  for (std::int64_t start = 0; start < count; start += block_rows) {
    const std::int64_t rows = std::min(block_rows, count - start);
    const hsize_t offset[3] = {static_cast<hsize_t>(start), 0, 0};
    const hsize_t extent[3] = {static_cast<hsize_t>(rows), dim1, dim2};
    H5::DataSpace selection = file_space;
    selection.selectHyperslab(H5S_SELECT_SET, extent, offset);
    const H5::DataSpace memory_space(3, extent);
    try {
      if (is_bool) {
        data.read(bool_block.data(), memory_type, memory_space, selection);
        for (std::size_t i = 0; i < static_cast<std::size_t>(rows * per_row); ++i) block[i] = bool_block[i] ? 1.f : 0.f;
      } else {
        data.read(block.data(), memory_type, memory_space, selection);
      }
    } catch (const H5::Exception& e) {
      throw Error(file.where(header.x_name) + ": cannot read rows " + std::to_string(start) + ".." +
                  std::to_string(start + rows - 1) + ": " + e.getDetailMsg());
    }
    at::Tensor values = torch::from_blob(block.data(), {rows, static_cast<std::int64_t>(dim1),
                                                        static_cast<std::int64_t>(dim2)}, torch::kFloat32);
    if (header.channels_last) values = values.transpose(1, 2);
    if (exact && !((values == 0) | (values == 1)).all().item<bool>()) {
      // Floats may be soft (probabilities); integers can only be one-hot 0/1. A file
      // scaled to 0..255 would otherwise train on 255s without a word.
      if (integer_type)
        throw Error(file.where(header.x_name) + ": X is stored as integers (" + header.x_type +
                    ") but holds values other than 0 and 1 near row " + std::to_string(start) + " (largest " +
                    std::to_string(static_cast<long long>(values.max().item<float>())) +
                    "); one-hot X must be 0/1 (if it was scaled to 0..255, divide it by 255 when writing)");
      exact = false;
      if (!torch::isfinite(values).all().item<bool>())
        throw Error(file.where(header.x_name) + ": X holds NaN or infinite values near row " + std::to_string(start));
      at::Tensor widened = torch::empty({count, 4, length}, torch::kFloat32);
      widened.narrow(0, 0, start).copy_(out.narrow(0, 0, start));
      out = widened;  // the uint8 copy is released here
    } else if (!exact && !torch::isfinite(values).all().item<bool>()) {
      throw Error(file.where(header.x_name) + ": X holds NaN or infinite values near row " + std::to_string(start));
    }
    out.narrow(0, start, rows).copy_(values);
  }
  return out;
}

at::Tensor read_y(const Hdf5File& file, const Hdf5SplitHeader& header) {
  const H5::DataSet data = file.open(header.y_name);
  at::Tensor y = torch::empty({header.count, header.tasks}, torch::kFloat32);
  try {
    if (data.getTypeClass() == H5T_ENUM) {
      std::vector<std::int8_t> raw(static_cast<std::size_t>(y.numel()));
      data.read(raw.data(), data.getDataType());
      float* out = y.data_ptr<float>();
      for (std::size_t i = 0; i < raw.size(); ++i) out[i] = raw[i] ? 1.f : 0.f;
    } else {
      data.read(y.data_ptr<float>(), H5::PredType::NATIVE_FLOAT);
    }
  } catch (const H5::Exception& e) {
    throw Error(file.where(header.y_name) + ": cannot read: " + e.getDetailMsg());
  }
  const at::Tensor bad = (~torch::isfinite(y)).nonzero();
  if (bad.size(0) > 0)
    throw Error(file.where(header.y_name) + ": " + std::to_string(bad.size(0)) +
                " label(s) are NaN or infinite, the first at row " + std::to_string(bad[0][0].item<std::int64_t>()) +
                ", task " + std::to_string(bad[0][1].item<std::int64_t>()));
  return y;
}

}  // namespace

Hdf5Header read_hdf5_header(const fs::path& path, const Hdf5ReadOptions& options) {
  const Hdf5File file(path);
  Hdf5Header header;
  try {
    for (SplitId split : kSplitIds)
      header.splits[static_cast<std::size_t>(split)] = read_split_header(file, split, options);
  } catch (const H5::Exception& e) {
    throw Error(path.string() + ": cannot read dataset shapes: " + e.getDetailMsg());
  }
  const Hdf5SplitHeader& train = header.splits[0];
  for (const auto& split : header.splits) {
    if (split.length != train.length)
      throw Error(path.string() + ": sequences in '" + split.x_name + "' have length " +
                  std::to_string(split.length) + " but those in '" + train.x_name + "' have length " +
                  std::to_string(train.length));
    if (split.tasks != train.tasks)
      throw Error(path.string() + ": '" + split.y_name + "' has " + std::to_string(split.tasks) +
                  " tasks but '" + train.y_name + "' has " + std::to_string(train.tasks));
  }
  header.task_names = read_task_names(file, train.tasks);
  return header;
}

Dataset read_hdf5_dataset(const fs::path& path, const Hdf5ReadOptions& options) {
  const Hdf5Header header = read_hdf5_header(path, options);
  // The shapes the file declares, as read (X as uint8 at least, Y as float32), before
  // anything is allocated: a huge or crafted shape is refused by name.
  double bytes = 0;
  std::string shapes;
  for (const auto& split : header.splits) {
    bytes += static_cast<double>(split.count) * (4.0 * static_cast<double>(split.length) +
                                                 4.0 * static_cast<double>(split.tasks));
    shapes += (shapes.empty() ? "" : ", ") + split.x_name + " (" + std::to_string(split.count) + ", 4, " +
              std::to_string(split.length) + ")";
  }
  require_memory(bytes, "HDF5 file '" + path.string() + "' (" + shapes + ")",
                 "use a smaller file (or fewer sequences), or a machine with more memory");
  const Hdf5File file(path);
  Dataset dataset;
  Split* splits[3] = {&dataset.train, &dataset.valid, &dataset.test};
  for (SplitId split : kSplitIds) {
    const auto& split_header = header.splits[static_cast<std::size_t>(split)];
    splits[static_cast<std::size_t>(split)]->x = read_x(file, split_header);
    splits[static_cast<std::size_t>(split)]->y = read_y(file, split_header);
  }
  dataset.task_names = header.task_names;
  dataset.source = path.string();
  return dataset;
}

}  // namespace evoaug
