// Minimal JSON string escaping for places that must not pull in a JSON library (logs).
#pragma once

#include <string>
#include <string_view>

namespace kbseek::core {

// Escapes quotes, backslashes and control characters; UTF-8 passes through.
std::string json_escape(std::string_view s);

}  // namespace kbseek::core
