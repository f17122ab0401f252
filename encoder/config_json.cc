// Field readers shared by the model families' config parsers.
#include "encoder/config_json.h"

#include "core/file_util.h"

namespace kbseek::encoder {

using nlohmann::json;

core::Status read_int(const json& j, const char* field, const std::string& path, int lo, int* out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer()) {
    return core::Status::invalid_argument(path + ": field \"" + field + "\" must be an integer");
  }
  const int64_t v = it->get<int64_t>();
  if (v < lo || v > (1 << 24)) {
    return core::Status::invalid_argument(path + ": field \"" + field + "\" = " + std::to_string(v) +
                                          " is out of range");
  }
  *out = static_cast<int>(v);
  return core::Status::ok();
}

core::Status read_float(const json& j, const char* field, const std::string& path, float* out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number()) {
    return core::Status::invalid_argument(path + ": field \"" + field + "\" must be a number");
  }
  *out = it->get<float>();
  return core::Status::ok();
}

core::Result<json> read_json_file(const std::string& path) {
  KB_ASSIGN_OR_RETURN(std::string text, core::read_file(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::Status::invalid_argument(path + ": not a JSON object");
  return j;
}

}  // namespace kbseek::encoder
