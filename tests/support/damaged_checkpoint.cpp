#include "damaged_checkpoint.h"

#include <caffe2/serialize/inline_container.h>

#include <utility>
#include <vector>

namespace evoaug::testing {
namespace fs = std::filesystem;

void rewrite_largest_record(const fs::path& file, const std::function<void(std::string&)>& edit) {
  std::vector<std::pair<std::string, std::string>> records;
  {
    caffe2::serialize::PyTorchStreamReader reader(file.string());
    for (const auto& name : reader.getAllRecords()) {
      if (name == "version" || name == ".data/version" || name == "byteorder" || name == ".data/serialization_id")
        continue;  // the writer adds these itself
      auto record = reader.getRecord(name);
      records.emplace_back(name, std::string(static_cast<const char*>(std::get<0>(record).get()), std::get<1>(record)));
    }
  }
  std::size_t largest = 0;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records[i].first.rfind("data/", 0) == 0 && records[i].second.size() > records[largest].second.size())
      largest = i;
  edit(records[largest].second);
  const fs::path temporary = file.string() + ".rewritten";
  {
    caffe2::serialize::PyTorchStreamWriter writer(temporary.string());
    for (const auto& [name, bytes] : records) writer.writeRecord(name, bytes.data(), bytes.size());
    writer.writeEndOfFile();
  }
  fs::rename(temporary, file);
}

}  // namespace evoaug::testing
