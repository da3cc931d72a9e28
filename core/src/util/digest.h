// A 64-bit FNV-1a digest, for the integrity check of checkpoints: small, dependency-free
// and the same on every platform. It is not a cryptographic hash: it detects damage
// (truncation, flipped bits, a rewritten record), not a forger.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace evoaug {

class Fnv1a64 {
 public:
  void add(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::uint64_t h = hash_;
    for (std::size_t i = 0; i < size; ++i) {
      h ^= bytes[i];
      h *= 0x100000001b3ULL;
    }
    hash_ = h;
  }
  // A length before each variable-size field, so that ("ab", "c") and ("a", "bc") differ.
  void add_string(const std::string& text) {
    add_value(static_cast<std::uint64_t>(text.size()));
    add(text.data(), text.size());
  }
  template <typename T>
  void add_value(const T& value) {
    add(&value, sizeof value);
  }
  std::uint64_t value() const { return hash_; }
  /// "fnv1a64:" and 16 hexadecimal digits.
  std::string text() const {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "fnv1a64:%016llx", static_cast<unsigned long long>(hash_));
    return buffer;
  }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace evoaug
