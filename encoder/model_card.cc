// Just enough YAML for the `language:` key of a model card; a full YAML
// parser would be a dependency for one field.
#include "encoder/model_card.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/file_util.h"

namespace kbseek::encoder {
namespace {

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void add_inline_list(const std::string& value, std::vector<std::string>* out) {
  // `language: [en, zh]` or `language: en`
  std::string v = value;
  if (!v.empty() && v.front() == '[')
    v = v.substr(1, v.find(']') == std::string::npos ? std::string::npos : v.find(']') - 1);
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (!item.empty()) out->push_back(item);
  }
}

}  // namespace

std::vector<std::string> parse_model_card_languages(std::string_view readme_text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(readme_text)};
  std::string line;
  if (!std::getline(in, line) || trim(line) != "---") return out;
  bool in_language = false;
  while (std::getline(in, line)) {
    if (trim(line) == "---") break;
    if (in_language) {
      std::string t = line;
      size_t first = t.find_first_not_of(" \t");
      if (first != std::string::npos && t[first] == '-') {
        std::string item = trim(t.substr(first + 1));
        if (!item.empty()) out.push_back(item);
        continue;
      }
      in_language = false;
    }
    if (line.rfind("language:", 0) == 0) {
      std::string value = trim(line.substr(9));
      if (value.empty())
        in_language = true;
      else
        add_inline_list(value, &out);
    }
  }
  return out;
}

std::vector<std::string> read_model_card_languages(const std::string& model_dir) {
  auto text = core::read_file(model_dir + "/README.md");
  if (!text.is_ok()) return {};
  return parse_model_card_languages(text.value());
}

}  // namespace kbseek::encoder
