#include "cli_args.h"

#include <algorithm>

#include "evoaug/error.h"
#include "evoaug/suggest.h"

namespace evoaug::cli {

Args::Args(std::string command, const std::vector<std::string>& argv, std::vector<std::string> value_options,
           std::vector<std::string> flags)
    : command_(std::move(command)) {
  auto known = value_options;
  known.insert(known.end(), flags.begin(), flags.end());
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() < 2 || arg.rfind("--", 0) != 0) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    if (contains(flags, name)) {
      if (inline_value) throw Error(command_ + ": option " + name + " takes no value");
      flags_set_.push_back(name);
    } else if (contains(value_options, name)) {
      if (inline_value) {
        values_[name].push_back(*inline_value);
      } else {
        if (i + 1 >= argv.size()) throw Error(command_ + ": option " + name + " needs a value");
        values_[name].push_back(argv[++i]);
      }
    } else {
      throw Error(command_ + ": " + unknown_name_message("option", name, known));
    }
  }
}

bool Args::flag(const std::string& name) const {
  return std::find(flags_set_.begin(), flags_set_.end(), name) != flags_set_.end();
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::required(const std::string& name) const {
  auto v = value(name);
  if (!v) throw Error(command_ + ": option " + name + " is required");
  return *v;
}

std::vector<std::string> Args::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::int64_t Args::integer(const std::string& name, std::int64_t fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const long long parsed = std::stoll(*v, &used);
    if (used == v->size()) return parsed;
  } catch (const std::exception&) {
  }
  throw Error(command_ + ": option " + name + " expects an integer, got '" + *v + "'");
}

const std::string& Args::positional(std::size_t index, const std::string& what) const {
  if (index >= positional_.size()) throw Error(command_ + ": missing argument: " + what);
  return positional_[index];
}

void Args::expect_at_most(std::size_t count) const {
  if (positional_.size() > count)
    throw Error(command_ + ": unexpected argument '" + positional_[count] + "'");
}

}  // namespace evoaug::cli
