// A small command-line parser for the subcommands: --flag VALUE, --flag=VALUE,
// -k N, boolean switches, and positional arguments, with errors that name the flag.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::app {

class Args {
 public:
  // `value_flags` take a value ("--index", "-k"); `switches` do not ("--json").
  static core::Result<Args> parse(int argc, char** argv, const std::set<std::string>& value_flags,
                                  const std::set<std::string>& switches);

  bool has(const std::string& flag) const { return values_.count(flag) || switches_.count(flag); }
  std::string get(const std::string& flag, const std::string& fallback = "") const;
  std::vector<std::string> get_all(const std::string& flag) const;
  core::Result<int> get_int(const std::string& flag, int fallback) const;
  // A comma-separated value ("a,b,c") as its non-empty items; empty if absent.
  std::vector<std::string> get_list(const std::string& flag) const;
  // InvalidArgument "missing --flag" when absent.
  core::Result<std::string> require(const std::string& flag) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

}  // namespace kbseek::app
