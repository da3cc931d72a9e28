// The pipeline's [data] table: where the data comes from (an HDF5 file in the paper's
// layout, FASTA + labels, or the built-in synthetic dataset), how it is split, and the
// dataset that results. Every key is declared in data_table_schema() and documented in
// docs/data.md.
#pragma once

#include <cstdint>

#include "evoaug/dataset.h"
#include "evoaug/sdk/params.h"
#include "pipeline/pipeline_file.h"
#include "util/file_safety.h"

namespace evoaug {

/// Every key of [data], with its default, range and one-line doc.
sdk::Schema data_table_schema();

/// The shape of the data without loading it: HDF5 dataset shapes, the first FASTA record
/// and the label file's header, or the synthetic settings. With no data source, the
/// [data] keys `length` and `tasks` (both needed). Relative paths resolve against the
/// pipeline file's folder. Errors are positioned at the [data] key at fault.
DataHeader read_data_header(const PipelineFile& file);

/// Loads (or generates) the dataset and its splits. `seed` is the run's seed; [data] seed,
/// when set, takes its place. The random splits (FASTA, synthetic) and `downsample` are
/// functions of that seed.
Dataset load_dataset(const PipelineFile& file, std::uint64_t seed);

/// The files [data] reads (`path`, `labels` when set), resolved as load_dataset() resolves
/// them and named as messages name them ("[data] path"): what a run may not write over.
std::vector<NamedPath> data_files(const PipelineFile& file);

/// The label file (TSV) of FASTA data; empty for other sources.
std::filesystem::path label_file(const PipelineFile& file);

}  // namespace evoaug
