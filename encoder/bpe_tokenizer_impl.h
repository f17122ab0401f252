// Internal: BpeTokenizer's state, shared by its two loaders (tokenizer.json in
// bpe_tokenizer.cc, GGUF metadata in bpe_vocab.cc) and the encode pipeline.
// Not part of the encoder's interface; include only from those files.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"
#include "encoder/bpe_tokenizer.h"
#include "encoder/pretokenize_regex.h"

namespace kbseek::encoder {

struct BpeNormStep {
  enum Kind { kReplace, kPrepend, kNfc, kNfkc } kind;
  std::string from, to;  // kReplace: from → to; kPrepend: to
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Byte trie over the added tokens' contents, for leftmost-longest matching.
class AddedTokenTrie {
 public:
  void insert(const std::string& s, int32_t id);
  // Longest token starting at text[pos]: its id and length, or {-1, 0}.
  std::pair<int32_t, size_t> longest(std::string_view text, size_t pos) const;
  bool empty() const { return nodes_.size() == 1; }

 private:
  struct Node {
    std::map<unsigned char, int> next;
    int32_t id = -1;
  };
  std::vector<Node> nodes_{1};
};

struct BpeTokenizer::Impl {
  std::string origin;
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::string> id_to_token;
  // (left id, right id) → (rank, merged id).
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
  bool byte_fallback = false, fuse_unk = false, ignore_merges = false;
  int32_t unk = -1, bos = -1, eos = -1, pad = -1;
  int32_t byte_ids[256];
  std::vector<BpeNormStep> normalizer;
  // The pre-tokenizer: an optional Split (on a literal or a known regex),
  // then optionally GPT-2's byte-level mapping of each piece.
  bool split = false;
  std::string split_pattern;  // the literal, when split_regex is empty
  std::optional<SplitRegex> split_regex;
  SplitBehavior split_behavior = SplitBehavior::kRemoved;
  bool byte_level = false;
  AddedTokenTrie added;
  std::vector<int32_t> prefix, suffix;  // post-processor specials around a single sequence

  core::Status bad(const std::string& field, const std::string& what) const {
    return core::Status::invalid_argument(origin + ": " + field + ": " + what);
  }
  // tokenizer.json's loaders (bpe_tokenizer.cc), one per top-level field.
  core::Status load_normalizer(const nlohmann::json& j, const std::string& field);
  core::Status load_pre_tokenizer(const nlohmann::json& j, const std::string& field);
  core::Status load_model(const nlohmann::json& m);
  core::Status load_added(const nlohmann::json& a);
  core::Status load_post_processor(const nlohmann::json& p);
  // Records merge `rank` of tokens a and b; InvalidArgument naming `field`
  // when a, b or a+b is not in the vocabulary.
  core::Status add_merge(const std::string& a, const std::string& b, int32_t rank, const std::string& field);
  // An added token matched in the raw text before the model; keeps an
  // existing vocabulary id for its content.
  void add_token(const std::string& content, int32_t id);
  void index_byte_pieces();  // byte_ids from the <0xXX> pieces

  std::string normalize(std::string s) const;
  std::vector<std::string_view> pre_tokenize(std::string_view s) const;
  void bpe_word(std::string_view word, std::vector<int32_t>* out) const;
};

}  // namespace kbseek::encoder
