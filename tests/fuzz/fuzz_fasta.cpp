// libFuzzer target: the FASTA reader and the label-table reader, on plain and gzip
// bytes (the reader decompresses by content, so one target covers both; the seed corpus
// holds gzip files). Every input must end in records or an evoaug::Error, never a crash.
#include <cstddef>
#include <cstdint>

#include "data/fasta.h"
#include "data/labeled_fasta.h"
#include "evoaug/error.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const evoaug::fuzz::InputFile file(data, size, "input.fa");
  try {
    const auto records = evoaug::read_fasta(file.path());
    std::vector<std::string> sequences;
    for (const auto& record : records)
      if (sequences.size() < 64 && record.sequence.size() < 4096) sequences.push_back(record.sequence);
    // The encoder refuses unequal lengths and other letters with an Error of its own.
    if (!sequences.empty()) (void)evoaug::one_hot_encode(sequences, evoaug::NPolicy::uniform);
  } catch (const evoaug::Error&) {
  }
  try {
    (void)evoaug::read_label_table(file.path());
  } catch (const evoaug::Error&) {
  }
  return 0;
}
