// /openapi.json against the server: every registered route is described,
// every described route is registered, every $ref resolves, and the schema
// check used on real answers (tests/app/metrics_test.cc) catches a wrong one.
#include "web/openapi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "tests/web/schema_check.h"
#include "web/server.h"

namespace kbseek::web {
namespace {

using nlohmann::json;

void collect_refs(const json& j, std::vector<std::string>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "$ref") out->push_back(v.get<std::string>());
      collect_refs(v, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_refs(v, out);
  }
}

TEST(OpenApiTest, DocumentAndRoutesAgreeBothWays) {
  const Server server(nullptr, ServerOptions{});  // handlers are not called
  const json& doc = openapi_document();
  ASSERT_EQ(doc["openapi"].get<std::string>().rfind("3.", 0), 0u);
  std::set<std::pair<std::string, std::string>> registered;
  for (const auto& [method, path] : server.routes()) {
    std::string m = method;
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
    registered.emplace(m, path);
    std::string described = path;
    if (!path.empty() && path.back() == '*') {  // a prefix route: its OpenAPI path has one {parameter}
      for (const auto& [p, item] : doc["paths"].items())
        if (p.rfind(path.substr(0, path.size() - 1), 0) == 0 && p.find('{') == path.size() - 1) described = p;
    }
    EXPECT_TRUE(doc["paths"].contains(described) && doc["paths"][described].contains(m))
        << method << " " << path << " is served but not described";
  }
  for (const auto& [path, item] : doc["paths"].items()) {
    // "/v1/documents/{id}" is served as the prefix route "/v1/documents/*".
    const std::string served = path.find('{') == std::string::npos ? path : path.substr(0, path.find('{')) + "*";
    for (const auto& [method, op] : item.items()) {
      EXPECT_TRUE(registered.count({method, served})) << method << " " << path << " is described but not served";
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
    }
  }
  std::vector<std::string> refs;
  collect_refs(doc, &refs);
  EXPECT_GT(refs.size(), 5u);
  for (const auto& r : refs) {
    ASSERT_EQ(r.rfind("#/", 0), 0u) << r;
    EXPECT_TRUE(doc.contains(json::json_pointer(r.substr(1)))) << r << " does not resolve";
  }
}

TEST(OpenApiTest, SchemaCheckTellsRightFromWrong) {
  const json& doc = openapi_document();
  const json ref = {{"$ref", "#/components/schemas/SearchResponse"}};
  const json good = {{"results", {{{"id", "a"}, {"title", "t"}, {"snippet", "s"}, {"score", 1.5}}}}, {"took_ms", 2.0}};
  EXPECT_EQ(testing::schema_mismatch(doc, ref, good), "");
  json bad = good;
  bad["results"][0]["score"] = "high";
  EXPECT_NE(testing::schema_mismatch(doc, ref, bad), "");
  bad = good;
  bad["results"][0].erase("id");
  EXPECT_NE(testing::schema_mismatch(doc, ref, bad), "");
  bad = good;
  bad["extra"] = 1;
  EXPECT_NE(testing::schema_mismatch(doc, ref, bad), "");
}

}  // namespace
}  // namespace kbseek::web
