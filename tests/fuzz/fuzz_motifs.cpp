// libFuzzer target: the MEME motif reader of `evoaug filters --motifs`. A file that parses
// is written back and read again: the round trip must keep every motif and its width
// (a difference aborts, as a crash would).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "analysis/motifs.h"
#include "evoaug/error.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const evoaug::fuzz::InputFile file(data, size, "motifs.meme");
  try {
    const auto motifs = evoaug::analysis::read_meme(file.path());
    const std::string written = evoaug::analysis::write_meme(motifs);
    const evoaug::fuzz::InputFile again(reinterpret_cast<const std::uint8_t*>(written.data()), written.size(),
                                        "again.meme");
    const auto reread = evoaug::analysis::read_meme(again.path());
    if (reread.size() != motifs.size()) std::abort();
    for (std::size_t i = 0; i < motifs.size(); ++i) {
      if (reread[i].columns.size() != motifs[i].columns.size()) std::abort();
      (void)evoaug::analysis::reverse_complement(motifs[i]);
    }
  } catch (const evoaug::Error&) {
  }
  return 0;
}
