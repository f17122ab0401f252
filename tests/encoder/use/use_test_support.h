// Shared by the use-m3 tests: paths, a .jsonl reader, cosine, and a tiny
// protobuf writer for synthetic SentencePiece models. Suites named UseM3*
// need the installed models/use-m3 and fail, rather than skip, without it.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "tests/encoder/test_support.h"

namespace kbseek::encoder::use_testing {

inline std::string model_dir() { return std::string(KBSEEK_TEST_MODELS_DIR) + "/use-m3"; }
inline std::string data_dir() { return KBSEEK_TEST_DATA_DIR; }

// Fails the calling test (use with ASSERT_NO_FATAL_FAILURE) when the model is absent.
inline void require_model() {
  ASSERT_TRUE(core::path_exists(model_dir() + "/model.safetensors"))
      << "model use-m3 is not installed at " << model_dir() << ": run `bash scripts/fetch_use_m3.sh models`";
}

// The .jsonl reader and cosine are the BERT tests' own.
using kbseek::encoder::testing::cosine;
using kbseek::encoder::testing::read_jsonl;

// Protobuf wire-format writer, enough for sentencepiece.ModelProto.
class ProtoWriter {
 public:
  ProtoWriter& varint(uint32_t field, uint64_t v) {
    key(field, 0);
    raw_varint(v);
    return *this;
  }
  ProtoWriter& fixed32(uint32_t field, float f) {
    key(field, 5);
    uint32_t b;
    std::memcpy(&b, &f, 4);
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(b >> (8 * i)));
    return *this;
  }
  ProtoWriter& bytes(uint32_t field, const std::string& s) {
    key(field, 2);
    raw_varint(s.size());
    out_ += s;
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  void key(uint32_t field, int wire) { raw_varint((static_cast<uint64_t>(field) << 3) | wire); }
  void raw_varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

struct TestPiece {
  std::string piece;
  float score;
  int type;  // 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
};

// A unigram ModelProto with no charsmap (identity normalisation).
inline std::string make_model(const std::vector<TestPiece>& pieces, bool byte_fallback = false, int model_type = 1,
                              bool add_dummy_prefix = true) {
  ProtoWriter m;
  for (const TestPiece& p : pieces) {
    ProtoWriter sp;
    sp.bytes(1, p.piece).fixed32(2, p.score).varint(3, static_cast<uint64_t>(p.type));
    m.bytes(1, sp.str());
  }
  ProtoWriter trainer;
  trainer.varint(3, static_cast<uint64_t>(model_type)).varint(35, byte_fallback ? 1 : 0);
  trainer.varint(43, static_cast<uint64_t>(-1));  // pad_id -1: a 10-byte varint
  m.bytes(2, trainer.str());
  ProtoWriter norm;
  norm.bytes(1, "identity").varint(3, add_dummy_prefix ? 1 : 0).varint(4, 1).varint(5, 1);
  m.bytes(3, norm.str());
  return m.str();
}

}  // namespace kbseek::encoder::use_testing
