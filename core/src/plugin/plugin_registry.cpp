#include "evoaug/plugin_registry.h"

#include <spdlog/spdlog.h>
#include <torch/version.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <map>
#include <sstream>

#include "evoaug/error.h"
#include "evoaug/build_config.h"
#include "evoaug/sdk/plugin.h"
#include "evoaug/error_text.h"
#include "util/names.h"
#include "util/suggest.h"

namespace evoaug {
namespace fs = std::filesystem;

const char* to_string(ComponentKind kind) {
  return kind == ComponentKind::augmentation ? "augmentation" : "model";
}

namespace {

using Library = boost::dll::shared_library;
using EntryPoint = const sdk::PluginDescriptor*();

std::string major_minor(const std::string& version) {
  const auto first = version.find('.');
  if (first == std::string::npos) return version;
  const auto second = version.find('.', first + 1);
  return version.substr(0, second);
}

// Collects what a plugin's registration function adds, so that a library whose
// registration fails or clashes contributes nothing.
class CollectingRegistrar final : public sdk::Registrar {
 public:
  void add_augmentation(sdk::AugmentationInfo info) override { augmentations.push_back(std::move(info)); }
  void add_model(sdk::ModelInfo info) override { models.push_back(std::move(info)); }
  std::vector<sdk::AugmentationInfo> augmentations;
  std::vector<sdk::ModelInfo> models;
};

}  // namespace

struct PluginRegistry::Impl {
  struct Augmentation {
    sdk::AugmentationInfo info;
    ComponentListing listing;
    std::shared_ptr<Library> library;
  };
  struct Model {
    sdk::ModelInfo info;
    ComponentListing listing;
    std::shared_ptr<Library> library;
  };
  // Declared before the components so that it is destroyed after them: a component's
  // std::function factory is code inside its library.
  std::map<fs::path, std::shared_ptr<Library>> libraries;
  std::map<std::string, Augmentation> augmentations;
  std::map<std::string, Model> models;
  std::vector<PluginFailure> failures;

  const ComponentListing* find_listing(const std::string& name) const {
    if (auto a = augmentations.find(name); a != augmentations.end()) return &a->second.listing;
    if (auto m = models.find(name); m != models.end()) return &m->second.listing;
    return nullptr;
  }

  std::vector<std::string> names_of(ComponentKind kind) const {
    std::vector<std::string> names;
    if (kind == ComponentKind::augmentation)
      for (const auto& [name, _] : augmentations) names.push_back(name);
    else
      for (const auto& [name, _] : models) names.push_back(name);
    return names;
  }

  void load(const fs::path& requested) {
    std::error_code ec;
    const fs::path file = fs::weakly_canonical(requested, ec);
    const std::string where = "plugin '" + requested.string() + "'";
    if (libraries.count(file)) return;
    if (!fs::exists(file)) throw Error(where + ": no such file");

    auto library = std::make_shared<Library>();
    try {
      library->load(file.string(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
      throw Error(where + ": cannot be opened as a shared library: " + e.what());
    }
    if (!library->has(EVOAUG_PLUGIN_ENTRY_POINT))
      throw Error(where + ": not an evoaug plugin (no entry point '" EVOAUG_PLUGIN_ENTRY_POINT
                          "'; define one with EVOAUG_PLUGIN)");

    const sdk::PluginDescriptor* descriptor = library->get<EntryPoint>(EVOAUG_PLUGIN_ENTRY_POINT)();
    if (descriptor == nullptr) throw Error(where + ": its entry point returned no descriptor");
    check_versions(where, *descriptor);
    check_fields(where, *descriptor);

    CollectingRegistrar registrar;
    try {
      descriptor->register_fn(registrar);
    } catch (const std::exception& e) {
      throw Error(where + ": registration failed: " + first_line(e));
    } catch (...) {
      throw Error(where + ": registration failed with an unknown exception");
    }
    add_components(file, descriptor->plugin_name, library, std::move(registrar));
    libraries.emplace(file, library);
  }

  // Every field is read below; a null one would be a crash, so it is an error instead.
  static void check_fields(const std::string& where, const sdk::PluginDescriptor& d) {
    const char* missing = d.register_fn == nullptr     ? "register_fn (the registration function)"
                          : d.plugin_name == nullptr    ? "plugin_name"
                          : d.plugin_version == nullptr ? "plugin_version"
                          : d.cxx_runtime == nullptr    ? "cxx_runtime"
                          : d.compiler == nullptr       ? "compiler"
                                                        : nullptr;
    if (missing)
      throw Error(where + ": its descriptor's " + std::string(missing) +
                  " is null; define the entry point with EVOAUG_PLUGIN(NAME, VERSION, REGISTER_FN)");
    if (d.plugin_name[0] == '\0') throw Error(where + ": its descriptor's plugin_name is empty");
    if (std::string(d.cxx_runtime) != EVOAUG_CXX_RUNTIME)
      throw Error(where + ": built against " + d.cxx_runtime + " (" + d.compiler + "), but this evoaug uses " +
                  EVOAUG_CXX_RUNTIME + " (" + EVOAUG_COMPILER +
                  "): standard-library types cross the boundary; rebuild the plugin with the same standard library "
                  "and _GLIBCXX_USE_CXX11_ABI setting (LibTorch's TORCH_CXX_FLAGS)");
    const std::string family = std::string(d.compiler).substr(0, std::string(d.compiler).find(' '));
    const std::string host_compiler = EVOAUG_COMPILER;
    if (family != host_compiler.substr(0, host_compiler.find(' ')))
      spdlog::warn("{}: built with {}, this evoaug with {}; both use the Itanium C++ ABI and {}, so it is loaded",
                   where, d.compiler, host_compiler, EVOAUG_CXX_RUNTIME);
  }

  static void check_versions(const std::string& where, const sdk::PluginDescriptor& d) {
    auto version = [](std::uint32_t major, std::uint32_t minor) {
      return std::to_string(major) + "." + std::to_string(minor);
    };
    const std::string host_abi = version(sdk::kAbiMajor, sdk::kAbiMinor);
    if (d.abi_major != sdk::kAbiMajor || d.abi_minor > sdk::kAbiMinor)
      throw Error(where + ": built for plugin ABI " + version(d.abi_major, d.abi_minor) +
                  ", but this evoaug has plugin ABI " + host_abi +
                  " (the major must match and the minor be no newer); rebuild the plugin against this evoaug's SDK");
    if (d.torch_version == nullptr)
      throw Error(where + ": its descriptor's torch_version is null; rebuild it with EVOAUG_PLUGIN");
    const std::string plugin_torch = d.torch_version;
    if (major_minor(plugin_torch) != major_minor(TORCH_VERSION))
      throw Error(where + ": built against LibTorch " + plugin_torch + ", but this evoaug uses LibTorch " +
                  TORCH_VERSION + " (major.minor must match); rebuild the plugin against it");
  }

  void add_components(const fs::path& file, const char* plugin_name, const std::shared_ptr<Library>& library,
                      CollectingRegistrar registrar) {
    const std::string plugin = plugin_name ? plugin_name : file.stem().string();
    auto claim = [&](const std::string& name, std::map<std::string, int>& seen) {
      if (name.empty()) throw Error("plugin '" + file.string() + "': a component has an empty name");
      if (!is_snake_case(name))
        throw Error("plugin '" + file.string() + "': component name '" + name +
                    "' is not snake_case ([a-z][a-z0-9_]*), as pipeline files name components");
      if (const ComponentListing* other = find_listing(name))
        throw Error("plugin '" + file.string() + "': component name '" + name + "' is already provided by '" +
                    other->file.string() + "'; names must be unique");
      if (seen[name]++)
        throw Error("plugin '" + file.string() + "': registers component name '" + name + "' twice");
    };
    std::map<std::string, int> seen;
    for (const auto& a : registrar.augmentations) claim(a.name, seen);
    for (const auto& m : registrar.models) claim(m.name, seen);

    for (auto& info : registrar.augmentations) {
      const std::string name = info.name;
      Augmentation& entry = augmentations[name];
      entry.info = std::move(info);
      entry.library = library;
      entry.listing = {ComponentKind::augmentation, name, entry.info.version, entry.info.summary, plugin,
                       file, &entry.info.schema, entry.info.default_priority};
    }
    for (auto& info : registrar.models) {
      const std::string name = info.name;
      Model& entry = models[name];
      entry.info = std::move(info);
      entry.library = library;
      entry.listing = {ComponentKind::model, name, entry.info.version, entry.info.summary, plugin,
                       file, &entry.info.schema, 0};
    }
  }
};

PluginRegistry::PluginRegistry() : impl_(std::make_unique<Impl>()) {}
PluginRegistry::~PluginRegistry() = default;

void PluginRegistry::load(const fs::path& file) { impl_->load(file); }

void PluginRegistry::scan(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    spdlog::debug("plugin folder '{}' does not exist; skipped", folder.string());
    return;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".so") files.push_back(it->path());
  if (ec) {  // unreadable: say so, rather than look like a folder without plugins
    const std::string reason = "plugin folder '" + folder.string() + "' cannot be read: " + ec.message();
    spdlog::warn("{}", reason);
    impl_->failures.push_back({folder, reason});
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    try {
      impl_->load(file);
    } catch (const Error& e) {
      spdlog::warn("{}", e.what());
      impl_->failures.push_back({file, e.what()});
    }
  }
}

const std::vector<PluginFailure>& PluginRegistry::failures() const { return impl_->failures; }

std::vector<ComponentListing> PluginRegistry::components() const {
  std::vector<ComponentListing> out;
  for (const auto& [_, a] : impl_->augmentations) out.push_back(a.listing);
  for (const auto& [_, m] : impl_->models) out.push_back(m.listing);
  return out;
}

bool PluginRegistry::has_augmentation(const std::string& name) const { return impl_->augmentations.count(name); }
bool PluginRegistry::has_model(const std::string& name) const { return impl_->models.count(name); }

const sdk::AugmentationInfo& PluginRegistry::augmentation(const std::string& name) const {
  auto it = impl_->augmentations.find(name);
  if (it == impl_->augmentations.end())
    throw Error(unknown_name_message("augmentation", name, impl_->names_of(ComponentKind::augmentation)));
  return it->second.info;
}

const sdk::ModelInfo& PluginRegistry::model(const std::string& name) const {
  auto it = impl_->models.find(name);
  if (it == impl_->models.end())
    throw Error(unknown_name_message("model", name, impl_->names_of(ComponentKind::model)));
  return it->second.info;
}

const ComponentListing& PluginRegistry::listing(const std::string& name) const {
  if (const ComponentListing* l = impl_->find_listing(name)) return *l;
  auto known = impl_->names_of(ComponentKind::augmentation);
  for (auto& m : impl_->names_of(ComponentKind::model)) known.push_back(m);
  throw Error(unknown_name_message("component", name, known));
}

namespace {

// Runs a plugin factory; anything but a ParamError gets the component and file named.
template <typename Factory, typename... Args>
auto build(const std::string& kind, const std::string& name, const fs::path& file, const Factory& factory,
           Args&&... args) {
  if (!factory) throw Error(kind + " '" + name + "' from '" + file.string() + "' has no factory");
  try {
    auto made = factory(std::forward<Args>(args)...);
    if (!made) throw Error("its factory returned nothing");
    return made;
  } catch (const sdk::ParamError& e) {
    // A copy made here: the caught object's vtable may live in the plugin, which can be
    // unloaded while the exception is still travelling to the host's edge.
    throw sdk::ParamError(e.key(), e.what());
  } catch (const std::exception& e) {
    throw Error("cannot build " + kind + " '" + name + "' (from '" + file.string() + "'): " + first_line(e));
  } catch (...) {
    throw Error("cannot build " + kind + " '" + name + "' (from '" + file.string() +
                "'): its factory threw an unknown exception");
  }
}

// The object's deleter holds the library, so the code of its destructor and virtual
// functions stays mapped for as long as anything references the object.
template <typename T>
std::shared_ptr<T> keep_library_alive(std::unique_ptr<T> object, std::shared_ptr<boost::dll::shared_library> lib) {
  return std::shared_ptr<T>(object.release(), [lib = std::move(lib)](T* p) { delete p; });
}

}  // namespace

std::shared_ptr<sdk::Augmentation> PluginRegistry::make_augmentation(const std::string& name,
                                                                     const sdk::Params& params,
                                                                     const sdk::SequenceShape& shape) const {
  augmentation(name);  // unknown-name error
  const auto& entry = impl_->augmentations.at(name);
  return keep_library_alive(build("augmentation", name, entry.listing.file, entry.info.factory, params, shape),
                            entry.library);
}

std::shared_ptr<sdk::Model> PluginRegistry::make_model(const std::string& name, const sdk::Params& params,
                                                       const sdk::ModelShape& shape) const {
  model(name);
  const auto& entry = impl_->models.at(name);
  return keep_library_alive(build("model", name, entry.listing.file, entry.info.factory, params, shape),
                            entry.library);
}

}  // namespace evoaug

// Defined (weakly) by a source that the installed CMake package adds to every target that
// links EvoAug::core, returning the plugin folder of that installation wherever its prefix
// is now: the core is a static library inside the application, so it cannot find its own
// installation, and the prefix configured at build time may not be where it was installed.
extern "C" __attribute__((weak)) const char* evoaug_installed_plugin_dir();

namespace evoaug {

std::vector<fs::path> default_plugin_folders() {
  std::vector<fs::path> folders;
  std::error_code ec;
  boost::dll::fs::error_code boost_ec;
  const fs::path exe = boost::dll::program_location(boost_ec).string();
  if (!boost_ec) folders.push_back(exe.parent_path().parent_path() / EVOAUG_PLUGIN_RELATIVE_DIR);
  if (evoaug_installed_plugin_dir) folders.emplace_back(evoaug_installed_plugin_dir());
  folders.push_back(fs::path(EVOAUG_INSTALL_PLUGIN_DIR));
  if (const char* env = std::getenv("EVOAUG_PLUGIN_PATH")) {
    std::stringstream list(env);
    for (std::string item; std::getline(list, item, ':');)
      if (!item.empty()) folders.emplace_back(item);
  }
  // Keep the first occurrence of each folder.
  std::vector<fs::path> unique;
  for (const auto& f : folders) {
    const fs::path canonical = fs::weakly_canonical(f, ec);
    if (std::find(unique.begin(), unique.end(), canonical) == unique.end()) unique.push_back(canonical);
  }
  return unique;
}

}  // namespace evoaug
