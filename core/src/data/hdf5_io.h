// HDF5 files in the layout of the EvoAug paper's published data (Zenodo 7265991):
// six datasets X_train, Y_train, X_valid, Y_valid, X_test, Y_test (DeepSTARR, Basset) or
// x_train, y_train, ... (the ChIP-seq files); X is (N, 4, L) or (N, L, 4) of float32,
// float64, uint8 or bool; Y is (N, T), or (N,) for one task.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>
#include <utility>

#include "evoaug/dataset.h"

namespace evoaug {

/// The three splits, in file order.
enum class SplitId { train = 0, valid = 1, test = 2 };
constexpr std::array<SplitId, 3> kSplitIds{SplitId::train, SplitId::valid, SplitId::test};
/// "train" | "valid" | "test".
const char* split_name(SplitId split);

/// Where the alphabet axis of X is.
enum class AxisOrder {
  detect,          ///< (N, 4, L) or (N, L, 4), whichever axis has size 4 (an error when both do)
  channels_first,  ///< (N, 4, L), as the paper's Basset and DeepSTARR files
  channels_last,   ///< (N, L, 4)
};
/// "auto" | "channels_first" | "channels_last".
AxisOrder parse_axis_order(const std::string& text);

struct Hdf5ReadOptions {
  /// Dataset names per split (index: SplitId). An empty name means "X_train", or
  /// "x_train" when only the lower-case name exists (and the same for the others).
  std::array<std::string, 3> x_names, y_names;
  AxisOrder axis_order = AxisOrder::detect;
};

/// The shape of one split as stored, read without loading data.
struct Hdf5SplitHeader {
  std::string x_name, y_name;
  std::int64_t count = 0, alphabet = 0, length = 0, tasks = 0;
  bool channels_last = false;
  std::string x_type;  ///< "float32", "float64", "uint8", "bool", ...
};

struct Hdf5Header {
  std::array<Hdf5SplitHeader, 3> splits;
  std::vector<std::string> task_names;  ///< from the file's task_names attribute, or task_0..
  std::int64_t length() const { return splits[0].length; }
  std::int64_t tasks() const { return splits[0].tasks; }
};

/// True when `file` starts with the HDF5 signature (whatever its name).
bool is_hdf5_file(const std::filesystem::path& file);

/// What is wrong with `file` as a data file, before its format is guessed from its
/// content: "" when nothing is; else that it does not exist, is a folder, or is named as
/// HDF5 (.h5, .hdf5) without being one (an empty file, say), which would otherwise be
/// read, and described, as FASTA.
std::string data_file_problem(const std::filesystem::path& file);

/// Reads only the datasets' shapes and checks them (rank, A = 4, X/Y counts, equal L and
/// T across splits, no empty split). Errors name the file and the dataset.
Hdf5Header read_hdf5_header(const std::filesystem::path& file, const Hdf5ReadOptions& options = {});

/// Reads the three splits. X is read in blocks of sequences straight into the result, so
/// the peak memory is one copy of X (uint8 when every value is 0 or 1, else float32)
/// plus a few MB; Y is float32 and must be finite.
Dataset read_hdf5_dataset(const std::filesystem::path& file, const Hdf5ReadOptions& options = {});

struct Hdf5WriteOptions {
  bool lower_case_names = false;  ///< x_train, y_train, ... as the paper's ChIP-seq files
  bool channels_last = false;     ///< store X as (N, L, 4)
  bool y_as_vector = false;       ///< store a one-task Y as (N,) instead of (N, 1)
};

/// An extra dataset written next to the six (e.g. the synthetic data's planted sites).
struct Hdf5Extra {
  std::string name;
  at::Tensor values;  ///< int32, int64, uint8, float32 or float64, any rank
};

/// Writes `dataset` in the paper's layout, atomically (temporary file + rename). X keeps
/// its dtype: uint8, float32, float64, or bool (stored as h5py stores numpy booleans).
/// Task names go to the root attribute "task_names" (tab-separated).
void write_hdf5_dataset(const std::filesystem::path& file, const Dataset& dataset,
                        const Hdf5WriteOptions& options = {}, const std::vector<Hdf5Extra>& extras = {});

/// Writes free-form datasets and string attributes of the root (name, text) to a new file,
/// atomically (the analyses' outputs: attribution maps and their sequence ids).
void write_hdf5_tensors(const std::filesystem::path& file, const std::vector<Hdf5Extra>& datasets,
                        const std::vector<std::pair<std::string, std::string>>& attributes = {});

}  // namespace evoaug
