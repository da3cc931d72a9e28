// The plugin registry: finds, loads and validates plugin libraries, and builds the
// components they provide. It belongs to one runtime instance (nothing here is
// process-wide), so an application can hold two registries with different plugins.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "evoaug/error.h"
#include "evoaug/sdk/augmentation.h"
#include "evoaug/sdk/model.h"

namespace evoaug {

enum class ComponentKind { augmentation, model };
const char* to_string(ComponentKind kind);

/// One component as listed by `evoaug plugins`.
struct ComponentListing {
  ComponentKind kind;
  std::string name;
  std::string version;
  std::string summary;
  std::string plugin;        ///< the plugin (library) name from its descriptor
  std::filesystem::path file;
  const sdk::Schema* schema;  ///< owned by the registry
  int default_priority;       ///< augmentations only
};

/// A library found while scanning a folder that could not be loaded, and why.
struct PluginFailure {
  std::filesystem::path file;
  std::string reason;
};

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  /// Loads one plugin library. Throws Error saying why it cannot be used: cannot be
  /// opened (the OS's text), no entry point, other ABI or LibTorch version (both named),
  /// registration threw, or a component name already taken (both files named).
  /// Loading the same file twice is a no-op.
  void load(const std::filesystem::path& file);

  /// Loads every shared library in `folder`. A library that fails is recorded in
  /// failures() and logged as a warning, never thrown; a missing folder is skipped.
  void scan(const std::filesystem::path& folder);

  const std::vector<PluginFailure>& failures() const;
  std::vector<ComponentListing> components() const;

  bool has_augmentation(const std::string& name) const;
  bool has_model(const std::string& name) const;
  /// Throw Error for an unknown name, listing the known ones with a "did you mean".
  const sdk::AugmentationInfo& augmentation(const std::string& name) const;
  const sdk::ModelInfo& model(const std::string& name) const;
  const ComponentListing& listing(const std::string& name) const;

  /// Build a component. The result keeps its library loaded for as long as it lives.
  /// A factory's ParamError passes through unchanged (the caller knows the file
  /// positions); any other exception becomes an Error naming component and library.
  std::shared_ptr<sdk::Augmentation> make_augmentation(const std::string& name,
                                                       const sdk::Params& params,
                                                       const sdk::SequenceShape& shape) const;
  std::shared_ptr<sdk::Model> make_model(const std::string& name, const sdk::Params& params,
                                         const sdk::ModelShape& shape) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The folders searched by default, in order: the plugin folder next to the running
/// executable (`<exe>/../lib/evoaug/plugins`, true of both the build and install trees),
/// the install prefix's plugin folder, then each entry of EVOAUG_PLUGIN_PATH
/// (colon-separated).
std::vector<std::filesystem::path> default_plugin_folders();

}  // namespace evoaug
