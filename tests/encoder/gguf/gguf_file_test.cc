// GgufFile: small files written here (every metadata and tensor type, both
// alignments, and one corruption per check), and the real Qwen2.5-0.5B
// Q4_K_M file against gguf-py's dequantization (gen_gguf_golden.py), bit for bit.
#include "encoder/gguf/gguf_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "../test_support.h"

namespace kbseek::encoder::gguf {
namespace {

using kernels::quant::QuantType;
using testing::TempDir;
using VT = GgufFile::ValueType;

// Writes GGUF bytes: metadata in call order, then tensor infos, then the
// data with each tensor at the next multiple of the alignment.
class Writer {
 public:
  explicit Writer(uint32_t version = 3, size_t alignment = 32) : version_(version), alignment_(alignment) {}

  template <typename T>
  static void put(std::string* out, T v) {
    out->append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  static void put_string(std::string* out, const std::string& s) {
    put<uint64_t>(out, s.size());
    out->append(s);
  }

  // A value whose bytes the caller encodes (after the type id).
  void kv_raw(const std::string& key, VT type, const std::string& value) {
    put_string(&kv_, key);
    put<uint32_t>(&kv_, static_cast<uint32_t>(type));
    kv_ += value;
    ++kv_count_;
  }
  template <typename T>
  void kv(const std::string& key, VT type, T v) {
    std::string b;
    put<T>(&b, v);
    kv_raw(key, type, b);
  }
  void kv_string(const std::string& key, const std::string& s) {
    std::string b;
    put_string(&b, s);
    kv_raw(key, VT::kString, b);
  }
  template <typename T>
  static std::string array(VT elem, const std::vector<T>& values) {
    std::string b;
    put<uint32_t>(&b, static_cast<uint32_t>(elem));
    put<uint64_t>(&b, values.size());
    for (const T& v : values) put<T>(&b, v);
    return b;
  }
  static std::string string_array(const std::vector<std::string>& values) {
    std::string b;
    put<uint32_t>(&b, static_cast<uint32_t>(VT::kString));
    put<uint64_t>(&b, values.size());
    for (const auto& v : values) put_string(&b, v);
    return b;
  }

  // offset: -1 places the tensor after the previous one, aligned.
  void tensor(const std::string& name, uint32_t type_id, const std::vector<uint64_t>& dims, const std::string& bytes,
              int64_t offset = -1) {
    const uint64_t at =
        offset >= 0 ? static_cast<uint64_t>(offset) : (data_.size() + alignment_ - 1) / alignment_ * alignment_;
    if (at > data_.size()) data_.resize(at, '\0');
    if (at + bytes.size() > data_.size()) data_.resize(at + bytes.size(), '\0');
    data_.replace(at, bytes.size(), bytes);
    put_string(&infos_, name);
    put<uint32_t>(&infos_, static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) put<uint64_t>(&infos_, d);
    put<uint32_t>(&infos_, type_id);
    put<uint64_t>(&infos_, at);
    ++tensor_count_;
  }

  std::string bytes(uint64_t tensor_count_override = ~0ull) const {
    std::string out = "GGUF";
    put<uint32_t>(&out, version_);
    put<uint64_t>(&out, tensor_count_override != ~0ull ? tensor_count_override : tensor_count_);
    put<uint64_t>(&out, kv_count_);
    out += kv_ + infos_;
    out.resize((out.size() + alignment_ - 1) / alignment_ * alignment_, '\0');
    return out + data_;
  }

 private:
  uint32_t version_;
  size_t alignment_;
  uint64_t kv_count_ = 0, tensor_count_ = 0;
  std::string kv_, infos_, data_;
};

std::string write_file(const TempDir& dir, const std::string& bytes, const std::string& name = "t.gguf") {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Opens bytes written to a file; the error status (or OK).
core::Status open_status(const std::string& bytes) {
  TempDir dir;
  auto f = GgufFile::open(write_file(dir, bytes));
  return f.is_ok() ? core::Status::ok() : f.status();
}

// The status has the code (kCorruption, ...) and its message contains text.
#define EXPECT_ERROR(status, status_code, text)                              \
  do {                                                                       \
    const core::Status s_ = (status);                                        \
    EXPECT_EQ(s_.code(), core::StatusCode::status_code) << s_.to_string();   \
    EXPECT_NE(s_.message().find(text), std::string::npos) << s_.to_string(); \
  } while (0)

std::string f32_bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

std::string pattern_bytes(size_t n, uint32_t seed) {
  std::string b(n, '\0');
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>((i * 37 + seed * 11 + (i >> 5)) & 0xFF);
  return b;
}

TEST(GgufFile, MetadataOfEveryType) {
  Writer w;
  w.kv<uint8_t>("u8", VT::kUint8, 200);
  w.kv<int8_t>("i8", VT::kInt8, -100);
  w.kv<uint16_t>("u16", VT::kUint16, 60000);
  w.kv<int16_t>("i16", VT::kInt16, -30000);
  w.kv<uint32_t>("u32", VT::kUint32, 4000000000u);
  w.kv<int32_t>("i32", VT::kInt32, -2000000000);
  w.kv<uint64_t>("u64", VT::kUint64, 1ull << 40);
  w.kv<uint64_t>("u64_big", VT::kUint64, ~0ull);
  w.kv<int64_t>("i64", VT::kInt64, -(1ll << 50));
  w.kv<float>("f32", VT::kFloat32, 1e-6f);
  w.kv<double>("f64", VT::kFloat64, 1e300);
  w.kv<uint8_t>("yes", VT::kBool, 1);
  w.kv<uint8_t>("no", VT::kBool, 0);
  w.kv_string("s", "qwen2 \xe4\xb8\xad");
  w.kv_string("empty", "");
  w.kv_raw("a_u8", VT::kArray, Writer::array<uint8_t>(VT::kUint8, {0, 255}));
  w.kv_raw("a_i32", VT::kArray, Writer::array<int32_t>(VT::kInt32, {-1, 7}));
  w.kv_raw("a_i64", VT::kArray, Writer::array<int64_t>(VT::kInt64, {1ll << 60}));
  w.kv_raw("a_f32", VT::kArray, Writer::array<float>(VT::kFloat32, {0.5f, -2.0f}));
  w.kv_raw("a_f64", VT::kArray, Writer::array<double>(VT::kFloat64, {0.1}));
  w.kv_raw("a_bool", VT::kArray, Writer::array<uint8_t>(VT::kBool, {1, 0}));
  w.kv_raw("a_str", VT::kArray, Writer::string_array({"a", "", "\xc4\xa0the"}));
  w.kv_raw("a_empty", VT::kArray, Writer::array<uint8_t>(VT::kUint32, {}));
  std::string nested;
  Writer::put<uint32_t>(&nested, static_cast<uint32_t>(VT::kArray));
  Writer::put<uint64_t>(&nested, 2);
  nested += Writer::array<uint16_t>(VT::kUint16, {1, 2}) + Writer::string_array({"x"});
  w.kv_raw("a_nested", VT::kArray, nested);
  TempDir dir;
  const std::string path = write_file(dir, w.bytes());
  auto opened = GgufFile::open(path);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  const GgufFile& f = *opened.value();
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.keys().size(), 24u);
  EXPECT_EQ(f.keys()[0], "u8");
  EXPECT_EQ(f.get_int("u8").value(), 200);
  EXPECT_EQ(f.get_int("i8").value(), -100);
  EXPECT_EQ(f.get_int("u16").value(), 60000);
  EXPECT_EQ(f.get_int("i16").value(), -30000);
  EXPECT_EQ(f.get_int("u32").value(), 4000000000ll);
  EXPECT_EQ(f.get_int("i32").value(), -2000000000);
  EXPECT_EQ(f.get_int("u64").value(), 1ll << 40);
  EXPECT_EQ(f.get_int("i64").value(), -(1ll << 50));
  EXPECT_ERROR(f.get_int("u64_big").status(), kInvalidArgument, "does not fit int64");
  EXPECT_EQ(f.get_float("f32").value(), static_cast<double>(1e-6f));
  EXPECT_EQ(f.get_float("f64").value(), 1e300);
  EXPECT_TRUE(f.get_bool("yes").value());
  EXPECT_FALSE(f.get_bool("no").value());
  EXPECT_EQ(f.get_string("s").value(), "qwen2 \xe4\xb8\xad");
  EXPECT_EQ(f.get_string("empty").value(), "");
  EXPECT_EQ(f.get_int_array("a_u8").value(), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(f.get_int_array("a_i32").value(), (std::vector<int64_t>{-1, 7}));
  EXPECT_EQ(f.get_int_array("a_i64").value(), (std::vector<int64_t>{1ll << 60}));
  EXPECT_EQ(f.get_float_array("a_f32").value(), (std::vector<double>{0.5, -2.0}));
  EXPECT_EQ(f.get_float_array("a_f64").value(), (std::vector<double>{0.1}));
  EXPECT_EQ(f.get_string_array("a_str").value(), (std::vector<std::string>{"a", "", "\xc4\xa0the"}));
  EXPECT_TRUE(f.get_string_array("a_empty").value().empty());
  EXPECT_TRUE(f.get_int_array("a_empty").value().empty());
  EXPECT_EQ(f.type_name("a_nested").value(), "array of array");
  EXPECT_EQ(f.type_name("a_bool").value(), "array of bool");
  EXPECT_EQ(f.type_name("u32").value(), "uint32");
  EXPECT_TRUE(f.has("s"));
  EXPECT_FALSE(f.has("missing"));
  // Wrong types and missing keys name the key, the types and the file.
  EXPECT_ERROR(f.get_int("s").status(), kInvalidArgument, "key \"s\" is string, expected an integer");
  EXPECT_ERROR(f.get_string("u8").status(), kInvalidArgument, "is uint8, expected string");
  EXPECT_ERROR(f.get_float("i32").status(), kInvalidArgument, "expected float32 or float64");
  EXPECT_ERROR(f.get_bool("u8").status(), kInvalidArgument, "expected bool");
  EXPECT_ERROR(f.get_int_array("a_f32").status(), kInvalidArgument, "is array of float32, expected array of integers");
  EXPECT_ERROR(f.get_string_array("a_nested").status(), kInvalidArgument, "is array of array");
  EXPECT_ERROR(f.get_float_array("f32").status(), kInvalidArgument, "is float32, expected array");
  EXPECT_ERROR(f.get_string("missing").status(), kNotFound, path + ": no key \"missing\"");
  EXPECT_ERROR(f.get_int_array("missing").status(), kNotFound, "missing");
}

// Every tensor type, at both alignments GGUF writers use.
void check_tensors_of_every_type(uint32_t version, size_t alignment) {
  SCOPED_TRACE("alignment " + std::to_string(alignment));
  Writer w(version, alignment);
  if (alignment != 32) w.kv<uint32_t>("general.alignment", VT::kUint32, static_cast<uint32_t>(alignment));
  struct Spec {
    std::string name;
    QuantType type;
    std::vector<uint64_t> dims;
    std::string bytes;
  };
  std::vector<float> f32(16);
  for (int i = 0; i < 16; ++i) f32[i] = 0.25f * i - 1.0f;
  std::string f16, bf16;
  for (int i = 0; i < 6; ++i) {
    Writer::put<uint16_t>(&f16, kernels::quant::fp32_to_fp16(f32[i]));
    Writer::put<uint16_t>(&bf16, kernels::quant::fp32_to_bf16(f32[i]));
  }
  std::vector<float> q8_src(64);
  for (int i = 0; i < 64; ++i) q8_src[i] = std::sin(0.3f * i);
  std::string q8(2 * sizeof(kernels::quant::BlockQ8_0), '\0');
  kernels::quant::quantize_row_q8_0(q8_src.data(), q8.data(), 64);
  const std::vector<Spec> specs = {
      {"f32", QuantType::kF32, {8, 2}, f32_bytes(f32)},
      {"f16", QuantType::kF16, {3, 2}, f16},
      {"bf16", QuantType::kBF16, {6}, bf16},
      {"q8_0", QuantType::kQ8_0, {32, 2}, q8},
      {"q5_0", QuantType::kQ5_0, {64, 1, 1}, pattern_bytes(44, 1)},
      {"q4_k", QuantType::kQ4_K, {256, 2}, pattern_bytes(288, 2)},
      {"q6_k", QuantType::kQ6_K, {256, 1, 1, 1}, pattern_bytes(210, 3)},
      {"empty", QuantType::kF32, {0, 4}, ""},
  };
  for (const Spec& s : specs) w.tensor(s.name, kernels::quant::ggml_type_id(s.type), s.dims, s.bytes);
  TempDir dir;
  auto opened = GgufFile::open(write_file(dir, w.bytes()));
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  const GgufFile& f = *opened.value();
  EXPECT_EQ(f.alignment(), alignment);
  ASSERT_EQ(f.tensors().size(), specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const Spec& s = specs[i];
    const GgufFile::TensorView& t = f.tensors()[i];
    EXPECT_EQ(t.name, s.name);
    EXPECT_EQ(t.type, s.type) << s.name;
    EXPECT_EQ(t.dims, std::vector<int64_t>(s.dims.begin(), s.dims.end())) << s.name;
    EXPECT_EQ(t.bytes, s.bytes.size()) << s.name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % alignment, 0u) << s.name;  // the mapping is page-aligned
    if (t.bytes) {
      EXPECT_EQ(std::memcmp(t.data, s.bytes.data(), t.bytes), 0) << s.name;
    }
    auto by_name = f.tensor(s.name);
    ASSERT_TRUE(by_name.is_ok());
    EXPECT_EQ(by_name.value(), &t);
    auto values = f.read_f32(s.name);
    ASSERT_TRUE(values.is_ok()) << values.status().to_string();
    std::vector<float> expected(static_cast<size_t>(t.num_elements()));
    kernels::quant::dequantize_row(s.type, s.bytes.data(), expected.data(), t.num_elements());
    EXPECT_EQ(values.value(), expected) << s.name;
  }
  EXPECT_EQ(f.read_f32("f32").value(), f32);
  EXPECT_EQ(f.read_f32("f16").value(), std::vector<float>(f32.begin(), f32.begin() + 6));
  EXPECT_ERROR(f.tensor("nope").status(), kNotFound, "no tensor \"nope\"");
  EXPECT_ERROR(f.read_f32("nope").status(), kNotFound, "no tensor \"nope\"");
}

TEST(GgufFile, TensorsOfEveryTypeAlignment32) { check_tensors_of_every_type(3, 32); }
TEST(GgufFile, TensorsOfEveryTypeAlignment64) { check_tensors_of_every_type(3, 64); }
TEST(GgufFile, ReadsVersion2) { check_tensors_of_every_type(2, 32); }

// A valid file with one key and two tensors, for the corruption cases.
Writer small_file() {
  Writer w;
  w.kv_string("general.architecture", "qwen2");
  w.tensor("a", 0, {4}, f32_bytes({1, 2, 3, 4}));
  w.tensor("b", 8, {32}, pattern_bytes(34, 5));
  return w;
}

TEST(GgufFile, MissingAndEmptyFiles) {
  EXPECT_ERROR(GgufFile::open("/nonexistent/model.gguf").status(), kNotFound, "/nonexistent/model.gguf");
  EXPECT_ERROR(open_status(""), kCorruption, "empty file");
}

TEST(GgufFile, RejectsBadMagicAndVersions) {
  std::string b = small_file().bytes();
  b[0] = 'X';
  EXPECT_ERROR(open_status(b), kInvalidArgument, "not a GGUF file");
  EXPECT_ERROR(open_status(Writer(4).bytes()), kInvalidArgument, "GGUF version 4, this build reads versions 2-3");
  EXPECT_ERROR(open_status(Writer(1).bytes()), kInvalidArgument, "GGUF version 1");
}

TEST(GgufFile, EveryTruncationIsAnError) {
  const std::string b = small_file().bytes();
  ASSERT_TRUE(open_status(b).is_ok());
  for (size_t n = 1; n < b.size(); ++n) {
    const core::Status s = open_status(b.substr(0, n));
    ASSERT_EQ(s.code(), core::StatusCode::kCorruption) << n << ": " << s.to_string();
    ASSERT_NE(s.message().find("t.gguf"), std::string::npos) << s.to_string();
  }
  EXPECT_ERROR(open_status(b.substr(0, 10)), kCorruption, "byte 8: tensor count needs 8 bytes");
}

TEST(GgufFile, RejectsLengthsPastTheEnd) {
  Writer w;
  std::string huge;
  Writer::put<uint64_t>(&huge, 1ull << 40);
  w.kv_raw("s", VT::kString, huge + "abc");
  EXPECT_ERROR(open_status(w.bytes()), kCorruption, "key \"s\": byte 45: string of length 1099511627776 needs");
  Writer k;
  k.kv_raw("x", VT::kArray, Writer::array<uint32_t>(VT::kUint32, {1, 2}));
  std::string b = k.bytes();
  // The array length field sits after magic, version, counts, key and types.
  const size_t len_at = 4 + 4 + 8 + 8 + 8 + 1 + 4 + 4;
  uint64_t absurd = 1ull << 62;
  std::memcpy(&b[len_at], &absurd, 8);
  EXPECT_ERROR(open_status(b), kCorruption, "array of 4611686018427387904 uint32 values is longer than the rest");
  Writer s;
  s.kv_raw("strs", VT::kArray, Writer::string_array({"ok"}) + std::string("\xff\xff\xff\xff\xff\xff\xff\x0f", 8));
  std::string sb = s.bytes();
  const size_t count_at = 4 + 4 + 8 + 8 + 8 + 4 + 4 + 4;
  const uint64_t two = 2;
  std::memcpy(&sb[count_at], &two, 8);
  EXPECT_ERROR(open_status(sb), kCorruption, "key \"strs\"");
}

TEST(GgufFile, RejectsAbsurdCounts) {
  EXPECT_ERROR(open_status(small_file().bytes(1ull << 60)), kCorruption, "tensor count 1152921504606846976 cannot fit");
  std::string b = Writer().bytes();
  const uint64_t kvs = 1ull << 50;
  std::memcpy(&b[16], &kvs, 8);
  EXPECT_ERROR(open_status(b), kCorruption, "metadata count 1125899906842624 cannot fit");
}

TEST(GgufFile, RejectsBadTensors) {
  Writer past;
  past.tensor("w", 0, {1024}, f32_bytes({1, 2}));
  EXPECT_ERROR(open_status(past.bytes()), kCorruption, "tensor \"w\": F32 [1024] at data offset 0");
  Writer misaligned;
  misaligned.tensor("w", 0, {2}, f32_bytes({1, 2}), 4);
  EXPECT_ERROR(open_status(misaligned.bytes()), kCorruption, "data offset 4 is not a multiple of the alignment 32");
  Writer unknown;
  unknown.tensor("w", 2, {32}, pattern_bytes(18, 0));
  EXPECT_ERROR(open_status(unknown.bytes()), kInvalidArgument, "tensor \"w\": ggml type id 2 is not supported");
  Writer dup = small_file();
  dup.tensor("a", 0, {4}, f32_bytes({1, 2, 3, 4}));
  EXPECT_ERROR(open_status(dup.bytes()), kCorruption, "tensor \"a\": duplicate tensor name");
  Writer dims;
  dims.tensor("w", 0, {1, 1, 1, 1, 1}, f32_bytes({1}));
  EXPECT_ERROR(open_status(dims.bytes()), kCorruption, "tensor \"w\": 5 dimensions, expected 1-4");
  Writer block;
  block.tensor("w", 12, {128}, pattern_bytes(144, 0));
  EXPECT_ERROR(open_status(block.bytes()), kCorruption, "row width 128 is not a multiple of Q4_K's block of 256");
  Writer overflow;
  overflow.tensor("w", 0, {1ull << 32, 1ull << 32}, "");
  EXPECT_ERROR(open_status(overflow.bytes()), kCorruption, "runs past the end of the file");
  Writer negative;
  negative.tensor("w", 0, {~0ull}, "");
  EXPECT_ERROR(open_status(negative.bytes()), kCorruption, "is negative as int64");
}

TEST(GgufFile, RejectsBadMetadata) {
  Writer dup;
  dup.kv<uint32_t>("k", VT::kUint32, 1);
  dup.kv<uint32_t>("k", VT::kUint32, 2);
  EXPECT_ERROR(open_status(dup.bytes()), kCorruption, "key \"k\": duplicate key");
  Writer type;
  type.kv<uint32_t>("k", static_cast<VT>(13), 1);
  EXPECT_ERROR(open_status(type.bytes()), kCorruption, "key \"k\": byte 37: unknown value type 13");
  Writer elem;
  elem.kv_raw("k", VT::kArray, Writer::array<uint8_t>(static_cast<VT>(99), {1}));
  EXPECT_ERROR(open_status(elem.bytes()), kCorruption, "unknown array element type 99");
  Writer boolean;
  boolean.kv<uint8_t>("k", VT::kBool, 2);
  EXPECT_ERROR(open_status(boolean.bytes()), kCorruption, "bool value 2, expected 0 or 1");
  std::string deep;
  for (int i = 0; i < 10; ++i) {
    Writer::put<uint32_t>(&deep, static_cast<uint32_t>(VT::kArray));
    Writer::put<uint64_t>(&deep, 1);
  }
  deep += Writer::array<uint8_t>(VT::kUint8, {1});
  Writer nest;
  nest.kv_raw("k", VT::kArray, deep);
  EXPECT_ERROR(open_status(nest.bytes()), kCorruption, "arrays nested deeper than 8");
  Writer align;
  align.kv<uint32_t>("general.alignment", VT::kUint32, 48);
  EXPECT_ERROR(open_status(align.bytes()), kCorruption, "\"general.alignment\": 48 is not a power of two");
}

// The real Qwen2.5-0.5B-Instruct Q4_K_M file (label `data`).
class QwenGguf : public ::testing::Test {
 protected:
  static std::string model_path() { return std::string(KBSEEK_TEST_MODELS_DIR) + "/qwen2.5-0.5b-instruct/model.gguf"; }
  void SetUp() override {
    ASSERT_TRUE(core::path_exists(model_path()))
        << "model qwen2.5-0.5b-instruct is not installed at " << model_path()
        << ": run `bash scripts/setup.sh` (or `bash scripts/fetch_model.sh qwen2.5-0.5b-instruct models`)";
    auto f = GgufFile::open(model_path());
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    file_ = std::move(f).value();
    std::ifstream in(testing::data_dir() + "/gguf/qwen2.5-0.5b-golden.json");
    ASSERT_TRUE(in.good()) << "missing golden file: run tests/encoder/gguf/gen_gguf_golden.py";
    golden_ = nlohmann::json::parse(in);
  }
  std::unique_ptr<GgufFile> file_;
  nlohmann::json golden_;
};

TEST_F(QwenGguf, Metadata) {
  const GgufFile& f = *file_;
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.get_string("general.architecture").value(), "qwen2");
  EXPECT_EQ(f.get_int("qwen2.block_count").value(), 24);
  EXPECT_EQ(f.get_int("qwen2.embedding_length").value(), 896);
  EXPECT_EQ(f.get_int("qwen2.feed_forward_length").value(), 4864);
  EXPECT_EQ(f.get_int("qwen2.attention.head_count").value(), 14);
  EXPECT_EQ(f.get_int("qwen2.attention.head_count_kv").value(), 2);
  EXPECT_EQ(f.get_int("qwen2.context_length").value(), 32768);
  EXPECT_EQ(f.get_float("qwen2.rope.freq_base").value(), 1e6);
  EXPECT_FLOAT_EQ(static_cast<float>(f.get_float("qwen2.attention.layer_norm_rms_epsilon").value()), 1e-6f);
  EXPECT_EQ(f.get_int("general.file_type").value(), 15);  // LLAMA_FTYPE_MOSTLY_Q4_K_M
  EXPECT_EQ(f.get_string("tokenizer.ggml.model").value(), "gpt2");
  EXPECT_EQ(f.get_string("tokenizer.ggml.pre").value(), "qwen2");
  EXPECT_EQ(f.get_int("tokenizer.ggml.eos_token_id").value(), 151645);
  EXPECT_EQ(f.get_int("tokenizer.ggml.bos_token_id").value(), 151643);
  EXPECT_FALSE(f.get_bool("tokenizer.ggml.add_bos_token").value());
  auto tokens = f.get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens.is_ok()) << tokens.status().to_string();
  EXPECT_EQ(tokens.value().size(), 151936u);
  EXPECT_EQ(tokens.value()[0], "!");
  EXPECT_EQ(f.get_int_array("tokenizer.ggml.token_type").value().size(), 151936u);
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.merges").value().size(), 151387u);
  EXPECT_NE(f.get_string("tokenizer.chat_template").value().find("<|im_start|>"), std::string::npos);
}

TEST_F(QwenGguf, TensorTypes) {
  const GgufFile& f = *file_;
  EXPECT_EQ(f.tensors().size(), golden_["tensor_count"].get<size_t>());
  std::map<std::string, int> counts;
  for (const auto& t : f.tensors()) ++counts[kernels::quant::name(t.type)];
  EXPECT_EQ(counts, (golden_["type_counts"].get<std::map<std::string, int>>()));
  // Q4_K_M on a 896-wide model: K-quants only where rows are multiples of 256.
  EXPECT_EQ(counts.size(), 5u);
  for (const char* type : {"F32", "Q4_K", "Q5_0", "Q6_K", "Q8_0"}) EXPECT_GT(counts[type], 0) << type;
  auto embd = f.tensor("token_embd.weight");
  ASSERT_TRUE(embd.is_ok());
  EXPECT_EQ(embd.value()->dims, (std::vector<int64_t>{896, 151936}));
}

TEST_F(QwenGguf, DequantizesAsGgufPy) {
  for (const auto& g : golden_["tensors"]) {
    const std::string name = g["name"];
    SCOPED_TRACE(name);
    auto t = file_->tensor(name);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_STREQ(kernels::quant::name(t.value()->type), g["type"].get<std::string>().c_str());
    EXPECT_EQ(t.value()->dims, g["dims"].get<std::vector<int64_t>>());
    auto values = file_->read_f32(name);
    ASSERT_TRUE(values.is_ok()) << values.status().to_string();
    const std::vector<float>& v = values.value();
    const int64_t width = t.value()->dims[0];
    int mismatches = 0;
    for (size_t r = 0; r < g["rows"].size(); ++r) {
      const auto& row = g["rows"][r];
      for (size_t i = 0; i < row.size(); ++i) {
        const float expected = row[i].get<float>();
        const float got = v[r * width + i];
        if (got != expected) {
          if (++mismatches <= 5) ADD_FAILURE() << "row " << r << " [" << i << "]: " << got << " vs " << expected;
        }
      }
    }
    EXPECT_EQ(mismatches, 0);
    double sum = 0;
    for (float x : v) sum += x;
    const double expected_sum = g["sum"];
    EXPECT_NEAR(sum, expected_sum, 1e-9 * std::max(1.0, std::fabs(expected_sum)));
  }
}

}  // namespace
}  // namespace kbseek::encoder::gguf
