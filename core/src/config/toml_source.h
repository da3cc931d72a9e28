// Reading pipeline files: TOML parsing with positioned errors, and `--set` overrides.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace evoaug {

/// One `--set table.key=value` from the command line. The value is read as a TOML
/// value when it parses as one (42, 0.5, true, "x", [1, 2]) and as a string otherwise,
/// so `--set data.path=train.h5` needs no quotes; a key that takes a string takes the
/// text as written (`--set runtime.output_dir=nan` is a folder, not a number). A numeric
/// segment indexes an array of tables (`--set augment.ops.0.delete_max=20`) and `+`
/// appends to it: `--set 'augment.ops.+={type = "deletion"}'`, or key by key with
/// `augment.ops.+.type=deletion` (each `+` appends a new element). A table given as an
/// inline table replaces it whole: `--set 'augment={ops = []}'`.
struct Override {
  std::string dotted_key;
  std::string value_text;
  std::string origin;  ///< the argument as given, for messages
};

/// Splits "table.key=value"; throws Error naming the argument when malformed.
Override parse_override(const std::string& argument);

/// Parses a TOML file; a syntax error names file, line and column.
toml::table load_toml_file(const std::filesystem::path& file, const std::vector<Override>& overrides = {});
/// Parses TOML text; `source_name` stands for the file in messages.
toml::table parse_toml_text(const std::string& text, const std::string& source_name,
                            const std::vector<Override>& overrides = {});
/// Applies overrides to a parsed table.
void apply_overrides(toml::table& root, const std::vector<Override>& overrides);

/// The value as typed on the command line when `node` came from a `--set`; nullopt
/// for a node of the file.
std::optional<std::string> override_text(const toml::node& node);

/// "file:line:column" of a node (or "--set key=value" for an override).
std::string position_of(const toml::node& node);
std::string position_of(const toml::source_region& source);

}  // namespace evoaug
