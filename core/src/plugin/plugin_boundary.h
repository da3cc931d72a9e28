// Where the core calls a plugin's code at run time: an augmentation's apply() or row
// kernel, a model's forward() and the backward pass through its layers. That code can
// throw anything (LibTorch's c10::Error, std::bad_alloc, a plugin's own types); at the
// boundary each becomes an evoaug::Error naming the component and the library its code
// came from, so a user knows whose code failed and what to report.
#pragma once

#include <string>
#include <typeinfo>

namespace evoaug {

/// The shared library that defines the code of `object` (found from its virtual table,
/// so it is right for any polymorphic object a plugin made), as a file name; the
/// executable's name for classes compiled into the application.
std::string library_of(const void* most_derived_object);

/// "model evoaug::models::DeepStarr (libevoaug_models.so)".
std::string describe_component(const char* kind, const void* most_derived_object, const std::type_info& type);

template <class T>
std::string describe_component(const char* kind, const T& object) {
  return describe_component(kind, dynamic_cast<const void*>(&object), typeid(object));
}

/// Rethrows the exception being handled as Error "<who> failed in <call>: <message>"
/// (LibTorch's backtrace left out). An Error that already names a component is
/// rethrown unchanged, so nested boundaries do not stack prefixes. Call only inside a
/// catch block.
[[noreturn]] void rethrow_at_plugin_boundary(const std::string& who, const char* call);

}  // namespace evoaug
