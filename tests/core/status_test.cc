#include "core/status.h"

#include <gtest/gtest.h>

namespace kbseek::core {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::invalid_argument("value " + std::to_string(v) + " must be positive");
  return v;
}

Status use_twice(int v, int* out) {
  KB_ASSIGN_OR_RETURN(int x, parse_positive(v));
  *out = 2 * x;
  return Status::ok();
}

TEST(StatusTest, OkAndErrorFormatting) {
  EXPECT_TRUE(Status::ok().is_ok());
  Status s = Status::not_found("idx/MANIFEST: no such file");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.to_string(), "not found: idx/MANIFEST: no such file");
  EXPECT_EQ(s.with_context("open index").message(), "open index: idx/MANIFEST: no such file");
  EXPECT_EQ(s.with_context("x").code(), StatusCode::kNotFound);
}

TEST(StatusTest, ResultPropagates) {
  int out = 0;
  EXPECT_TRUE(use_twice(4, &out).is_ok());
  EXPECT_EQ(out, 8);
  Status s = use_twice(-1, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("-1"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::core
