// Argument parsing.
#include "app/args.h"

#include <stdexcept>

namespace kbseek::app {

using core::Result;
using core::Status;

Result<Args> Args::parse(int argc, char** argv, const std::set<std::string>& value_flags,
                         const std::set<std::string>& switches) {
  Args a;
  bool only_positional = false;
  for (int i = 0; i < argc; ++i) {
    std::string s = argv[i];
    if (only_positional || s.size() < 2 || s[0] != '-') {
      a.positional_.push_back(s);
      continue;
    }
    if (s == "--") {
      only_positional = true;
      continue;
    }
    std::string flag = s, value;
    bool has_value = false;
    if (auto eq = s.find('='); eq != std::string::npos && s.rfind("--", 0) == 0) {
      flag = s.substr(0, eq);
      value = s.substr(eq + 1);
      has_value = true;
    }
    if (switches.count(flag)) {
      if (has_value) return Status::invalid_argument(flag + " takes no value");
      a.switches_.insert(flag);
    } else if (value_flags.count(flag)) {
      if (!has_value) {
        if (i + 1 >= argc) return Status::invalid_argument(flag + " needs a value");
        value = argv[++i];
      }
      a.values_.emplace(flag, value);
    } else {
      return Status::invalid_argument("unknown option " + flag);
    }
  }
  return a;
}

std::string Args::get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> Args::get_all(const std::string& flag) const {
  std::vector<std::string> out;
  auto [b, e] = values_.equal_range(flag);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

Result<int> Args::get_int(const std::string& flag, int fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    int v = std::stoi(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    return Status::invalid_argument(flag + " expects an integer, got \"" + it->second + "\"");
  }
}

Result<std::string> Args::require(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return Status::invalid_argument("missing " + flag);
  return it->second;
}

std::vector<std::string> Args::get_list(const std::string& flag) const {
  std::vector<std::string> out;
  const std::string s = get(flag);
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace kbseek::app
