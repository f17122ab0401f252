// The plain search page served at GET / (self-contained HTML + JS that calls /v1/search).
#pragma once

#include <string>

namespace kbseek::web {

const std::string& search_page_html();

}  // namespace kbseek::web
