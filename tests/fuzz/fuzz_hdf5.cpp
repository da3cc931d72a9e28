// libFuzzer target: the HDF5 dataset reader on files mutated from valid ones (the seed
// corpus holds files in the paper's layout). Every input must end in a dataset or an
// evoaug::Error. The HDF5 library itself is not instrumented: a crash inside it is still
// caught (a signal), and reported with its stack.
#include <cstddef>
#include <cstdint>

#include "data/hdf5_io.h"
#include "evoaug/error.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const evoaug::fuzz::InputFile file(data, size, "input.h5");
  try {
    const evoaug::Hdf5Header header = evoaug::read_hdf5_header(file.path());
    (void)header;
    (void)evoaug::read_hdf5_dataset(file.path());
  } catch (const evoaug::Error&) {
  }
  return 0;
}
