// Chunk fields from entities, language, timestamp and metadata JSON.
#include "storage/chunk_fields.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/ascii.h"

namespace kbseek::storage {
namespace {

constexpr size_t kMaxFieldName = 64;
constexpr size_t kMaxValuesPerDocument = 256;

void add_value(const std::string& name, const nlohmann::json& v, ChunkFields* out) {
  if (out->values.size() >= kMaxValuesPerDocument) return;
  if (v.is_string()) {
    out->values.emplace_back(name, v.get<std::string>());
  } else if (v.is_boolean()) {
    out->values.emplace_back(name, v.get<bool>() ? "true" : "false");
  } else if (v.is_number()) {
    out->values.emplace_back(name, v.dump());
    out->numbers.emplace_back(name, v.get<double>());
  }
}

void add_field(const std::string& name, const nlohmann::json& v, bool nested_ok, ChunkFields* out) {
  if (v.is_array()) {
    for (const auto& e : v) add_value(name, e, out);
  } else if (v.is_object() && nested_ok) {
    for (const auto& [k, inner] : v.items())
      if (is_field_name(k) && name.size() + 1 + k.size() <= kMaxFieldName)
        add_field(name + "." + core::ascii_lower(k), inner, /*nested_ok=*/false, out);
  } else {
    add_value(name, v, out);
  }
}

}  // namespace

bool is_field_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldName || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool is_reserved_field(std::string_view name) {
  const std::string n = core::ascii_lower(name);
  return n == "entity" || n == "type" || n == "lang" || n == "time";
}

ChunkFields chunk_fields(const std::vector<ChunkEntity>& entities, std::string_view language,
                         std::optional<int64_t> timestamp, std::string_view metadata_json) {
  ChunkFields out;
  for (const auto& e : entities) {
    out.filter_terms.push_back(entity_filter_term(e.value));
    out.filter_terms.push_back(entity_type_filter_term(e.type));
  }
  if (!language.empty()) out.filter_terms.push_back(language_filter_term(language));
  if (timestamp) out.numbers.emplace_back("time", static_cast<double>(*timestamp));
  auto metadata = nlohmann::json::parse(metadata_json, nullptr, /*allow_exceptions=*/false);
  if (!metadata.is_object()) return out;
  for (const auto& [key, value] : metadata.items()) {
    if (!is_field_name(key) || is_reserved_field(key)) continue;
    add_field(core::ascii_lower(key), value, /*nested_ok=*/true, &out);
  }
  return out;
}

}  // namespace kbseek::storage
