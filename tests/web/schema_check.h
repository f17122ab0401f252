// A small JSON Schema check for the subset the OpenAPI document uses
// (type, required, properties, items, enum, oneOf, $ref into the document),
// so tests can hold real answers to the document's schemas.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kbseek::testing {

// "" if `value` fits `schema`, else where and why it does not.
inline std::string schema_mismatch(const nlohmann::json& doc, const nlohmann::json& schema, const nlohmann::json& value,
                                   const std::string& at = "$") {
  using nlohmann::json;
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];  // "#/components/schemas/X"
    return schema_mismatch(doc, doc.at(json::json_pointer(ref.substr(1))), value, at);
  }
  if (schema.contains("oneOf")) {
    for (const auto& s : schema["oneOf"])
      if (schema_mismatch(doc, s, value, at).empty()) return "";
    return at + ": matches none of oneOf";
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == value;
    if (!found) return at + ": " + value.dump() + " not in enum";
  }
  const std::string type = schema.value("type", "");
  if (type == "object" && !value.is_object()) return at + ": not an object";
  if (type == "array" && !value.is_array()) return at + ": not an array";
  if (type == "string" && !value.is_string()) return at + ": not a string";
  if (type == "integer" && !value.is_number_integer()) return at + ": not an integer";
  if (type == "number" && !value.is_number()) return at + ": not a number";
  if (type == "boolean" && !value.is_boolean()) return at + ": not a boolean";
  if (value.is_object()) {
    for (const auto& r : schema.value("required", json::array()))
      if (!value.contains(r.get<std::string>())) return at + ": lacks required \"" + r.get<std::string>() + "\"";
    if (schema.contains("properties")) {
      for (const auto& [k, v] : value.items()) {
        if (!schema["properties"].contains(k)) return at + ": \"" + k + "\" is not in the schema";
        std::string m = schema_mismatch(doc, schema["properties"][k], v, at + "." + k);
        if (!m.empty()) return m;
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      std::string m = schema_mismatch(doc, schema["items"], value[i], at + "[" + std::to_string(i) + "]");
      if (!m.empty()) return m;
    }
  }
  return "";
}

}  // namespace kbseek::testing
