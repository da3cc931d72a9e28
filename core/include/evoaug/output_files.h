// The one check every command runs on a file it was told to write, before any work: an
// output may never replace one of the command's inputs, and replaces an existing file
// only when the user said so. Public, so that an application's commands refuse what
// evoaug's own refuse, with the same messages.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace evoaug {

/// A file a command reads, as its messages name it: {"--in", "x.fa"}.
struct NamedPath {
  std::string what;
  std::filesystem::path path;
};

/// The one check every command runs on a file it was told to write (`option` names the
/// option in messages, e.g. "--out"), before any work. Throws Error when `output`
///  - is, or resolves through links to, any of `inputs` (it would replace it);
///  - is an existing folder;
///  - exists (a file, or a link) and `replace_existing` is false (the CLI's --force).
/// Then removes the stale temporaries of `output` that a killed earlier write left.
void check_output_file(const std::filesystem::path& output, const std::string& option,
                       const std::vector<NamedPath>& inputs, bool replace_existing);

}  // namespace evoaug
