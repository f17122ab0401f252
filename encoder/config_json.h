// Reading model config files (config.json and the sentence-transformers side
// files): nlohmann's exceptions stop here and become InvalidArgument values
// naming the file and the field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace kbseek::encoder {

// The file parsed as a JSON object; NotFound/IOError from reading it,
// InvalidArgument naming `path` when it is not a JSON object.
core::Result<nlohmann::json> read_json_file(const std::string& path);

// j[field] as an int in [lo, 2^24]; InvalidArgument naming path and field
// when absent, not an integer or out of range.
core::Status read_int(const nlohmann::json& j, const char* field, const std::string& path, int lo, int* out);

// j[field] as a float; InvalidArgument naming path and field when absent or
// not a number.
core::Status read_float(const nlohmann::json& j, const char* field, const std::string& path, float* out);

}  // namespace kbseek::encoder
