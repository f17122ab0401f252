// The OpenAPI 3 description of the HTTP API, served at GET /openapi.json.
// tests/web/openapi_test.cc holds it true: every route the server
// registers is described and every described route is registered, and
// tests/app/metrics_test.cc checks real answers against its schemas.
#pragma once

#include <nlohmann/json.hpp>

namespace kbseek::web {

const nlohmann::json& openapi_document();

}  // namespace kbseek::web
