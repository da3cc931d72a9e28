// What keeps a user's files safe: atomic writes, outputs that may not replace an input,
// and the temporaries a killed process leaves behind. docs/reliability.md states the
// guarantees these give.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evoaug/output_files.h"  // NamedPath, check_output_file

namespace evoaug {

/// The temporary file this process writes `target` through: "<target>.tmp-<pid>", in the
/// same folder (so the final rename is atomic), named by the process so that a later run
/// can tell the leftovers of a process that is gone.
std::filesystem::path temporary_sibling(const std::filesystem::path& target);

/// Renames `temp` over `target` and syncs the folder; on failure removes `temp` and
/// throws Error naming the target and the system's reason.
void commit_temporary(const std::filesystem::path& temp, const std::filesystem::path& target);

/// Writes `bytes` to `file` through temporary_sibling(), synced to disk before the rename:
/// a reader, a crash or a full disk never leaves half a file under `file`, and a failed
/// write leaves the earlier file as it was. Creates the parent folder. The Error of a
/// failure names `file` and the system's reason ("No space left on device").
void write_file_atomically(const std::filesystem::path& file, std::string_view bytes);

/// Removes from `folder` (not recursively) the temporaries "<name>.tmp-<pid>" whose
/// process no longer exists (kill(pid, 0) fails with ESRCH), logging each at info level;
/// with `target_name`, only those of that file. Returns what it removed. A temporary of
/// a live process, or of a process of another user, is kept.
std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& folder,
                                                            const std::string& target_name = "");

/// True when `a` and `b` are the same file: the same inode when both exist (through
/// symbolic and hard links), else the same path once resolved (weakly_canonical).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);



}  // namespace evoaug
