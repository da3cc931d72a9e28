#include "plugin/plugin_boundary.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>

#include "evoaug/error.h"
#include "evoaug/error_text.h"

namespace evoaug {
namespace {

// Errors raised here start with this, so an outer boundary recognises them.
constexpr const char* kFailedIn = " failed in ";

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && text ? text.get() : name;
}

class PluginFailure final : public Error {
 public:
  using Error::Error;
};

}  // namespace

std::string library_of(const void* most_derived_object) {
  // The object's first word is its virtual-table pointer (Itanium C++ ABI); the table
  // lives in the library that compiled the class.
  const void* vtable = *static_cast<const void* const*>(most_derived_object);
  Dl_info info{};
  if (dladdr(vtable, &info) == 0 || info.dli_fname == nullptr) return "unknown library";
  return std::filesystem::path(info.dli_fname).filename().string();
}

std::string describe_component(const char* kind, const void* most_derived_object, const std::type_info& type) {
  return std::string(kind) + " " + demangle(type.name()) + " (" + library_of(most_derived_object) + ")";
}

void rethrow_at_plugin_boundary(const std::string& who, const char* call) {
  try {
    throw;
  } catch (const PluginFailure&) {
    throw;
  } catch (const std::exception& e) {
    throw PluginFailure(who + kFailedIn + call + ": " + without_backtrace(e));
  } catch (...) {
    throw PluginFailure(who + kFailedIn + call + ": an exception that is not a std::exception");
  }
}

}  // namespace evoaug
