// Mirrors sentencepiece 0.2.x: model_interface.cc (which pieces are
// matchable), unigram_model.cc (Model::Model's score range, EncodeOptimized)
// and sentencepiece_processor.cc (PopulateSentencePieceText's <unk> merging
// and byte fallback).
#include "encoder/use/sp_tokenizer.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <unordered_set>

#include "core/file_util.h"

namespace kbseek::encoder {
namespace {

constexpr float kUnkPenalty = 10.0f;

// sentencepiece's string_util::OneCharLen: by the lead byte only.
inline int one_char_len(uint8_t lead) {
  static constexpr int8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

bool matchable(SpPieceType t) {
  return t == SpPieceType::kNormal || t == SpPieceType::kUserDefined || t == SpPieceType::kUnused;
}

}  // namespace

core::Result<std::unique_ptr<SentencePieceTokenizer>> SentencePieceTokenizer::load(const std::string& model_path) {
  KB_ASSIGN_OR_RETURN(std::string bytes, core::read_file(model_path));
  return from_bytes(bytes, model_path);
}

core::Result<std::unique_ptr<SentencePieceTokenizer>> SentencePieceTokenizer::from_bytes(std::string_view model_bytes,
                                                                                         const std::string& source) {
  KB_ASSIGN_OR_RETURN(SpModelProto proto, parse_sp_model(model_bytes, source));
  std::unique_ptr<SentencePieceTokenizer> t(new SentencePieceTokenizer());
  KB_RETURN_IF_ERROR(t->init(std::move(proto), source));
  return t;
}

core::Status SentencePieceTokenizer::init(SpModelProto proto, const std::string& source) {
  if (proto.trainer_spec.model_type != 1) {
    return core::Status::invalid_argument(source + ": sentencepiece model type " +
                                          std::to_string(proto.trainer_spec.model_type) +
                                          " is not supported (only 1, UNIGRAM)");
  }
  pieces_ = std::move(proto.pieces);
  const int n = static_cast<int>(pieces_.size());

  std::unordered_set<std::string_view> matchable_seen, reserved_seen;
  std::vector<std::pair<std::string_view, int32_t>> keys;
  std::vector<std::string> user_defined;
  unk_id_ = -1;
  min_score_ = FLT_MAX;
  max_score_ = FLT_MIN;  // sentencepiece's start value (smallest positive float), kept for identical scores
  for (int id = 0; id < n; ++id) {
    const SpPiece& p = pieces_[id];
    auto& seen = matchable(p.type) ? matchable_seen : reserved_seen;
    if (!seen.insert(p.piece).second) {
      return core::Status::corruption(source + ": piece \"" + p.piece + "\" (id " + std::to_string(id) +
                                      ") is defined twice");
    }
    if (matchable(p.type)) keys.emplace_back(p.piece, id);
    if (p.type == SpPieceType::kUserDefined) user_defined.push_back(p.piece);
    if (p.type == SpPieceType::kNormal) {
      min_score_ = std::min(min_score_, p.score);
      max_score_ = std::max(max_score_, p.score);
    }
    if (p.type == SpPieceType::kUnknown) {
      if (unk_id_ >= 0) return core::Status::corruption(source + ": more than one <unk> piece");
      unk_id_ = id;
    }
  }
  if (unk_id_ < 0) return core::Status::corruption(source + ": the model has no piece of type UNKNOWN");
  if (keys.empty()) return core::Status::corruption(source + ": the model has no normal pieces");
  trie_.build(std::move(keys));

  const auto special = [&](int id, const char* what, int* out) -> core::Status {
    if (id < 0) {
      *out = -1;
      return core::Status::ok();
    }
    if (id >= n) {
      return core::Status::corruption(source + ": trainer_spec " + what + " " + std::to_string(id) +
                                      " is outside the vocabulary of " + std::to_string(n));
    }
    *out = id;
    return core::Status::ok();
  };
  KB_RETURN_IF_ERROR(special(proto.trainer_spec.bos_id, "bos_id", &bos_id_));
  KB_RETURN_IF_ERROR(special(proto.trainer_spec.eos_id, "eos_id", &eos_id_));

  byte_fallback_ = proto.trainer_spec.byte_fallback;
  if (byte_fallback_) {
    std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
    for (int id = 0; id < n; ++id) {
      const SpPiece& p = pieces_[id];
      unsigned value = 0;
      char tail = 0;
      if (p.type == SpPieceType::kByte && p.piece.size() == 6 &&
          std::sscanf(p.piece.c_str(), "<0x%2X%c", &value, &tail) == 2 && tail == '>' && value < 256) {
        byte_ids_[value] = id;
      }
    }
    for (int b = 0; b < 256; ++b) {
      if (byte_ids_[b] < 0) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        return core::Status::corruption(source + ": byte_fallback is on but piece " + name + " is missing");
      }
    }
  }

  KB_ASSIGN_OR_RETURN(normalizer_,
                      SpNormalizer::create(proto.normalizer_spec, proto.trainer_spec.treat_whitespace_as_suffix,
                                           std::move(user_defined), source));
  return core::Status::ok();
}

void SentencePieceTokenizer::viterbi(std::string_view normalized, std::vector<Span>* spans) const {
  struct BestPath {
    int32_t id = -1;
    float score = 0.0f;
    int32_t starts_at = -1;
  };
  const int size = static_cast<int>(normalized.size());
  const float unk_score = min_score_ - kUnkPenalty;
  std::vector<BestPath> best(size + 1);
  const auto offer = [&best](int end, int start, int id, float candidate) {
    BestPath& t = best[end];
    if (t.starts_at == -1 || candidate > t.score) {
      t.score = candidate;
      t.starts_at = start;
      t.id = id;
    }
  };
  for (int start = 0; start < size;) {
    const float base = best[start].score;
    const int mblen = std::min(one_char_len(static_cast<uint8_t>(normalized[start])), size - start);
    bool has_single_node = false;
    uint32_t node = trie_.root();
    for (int pos = start; pos < size;) {
      node = trie_.child(node, static_cast<uint8_t>(normalized[pos++]));
      if (node == SpPieceTrie::kNoNode) break;
      const int32_t id = trie_.value(node);
      if (id < 0) continue;
      const SpPiece& p = pieces_[id];
      if (p.type == SpPieceType::kUnused) continue;
      const size_t length = static_cast<size_t>(pos - start);
      const float score = p.type == SpPieceType::kUserDefined
                              ? static_cast<float>(static_cast<double>(static_cast<float>(length) * max_score_) - 0.1)
                              : p.score;
      offer(pos, start, id, score + base);
      if (static_cast<int>(length) == mblen) has_single_node = true;
    }
    if (!has_single_node) offer(start + mblen, start, unk_id_, unk_score + base);
    start += mblen;
  }
  spans->clear();
  for (int end = size; end > 0;) {
    const BestPath& b = best[end];
    if (b.starts_at < 0) break;  // unreachable for any input; guards a malformed model
    spans->push_back({static_cast<uint32_t>(b.starts_at), static_cast<uint32_t>(end), b.id});
    end = b.starts_at;
  }
  std::reverse(spans->begin(), spans->end());
}

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  encode(text, &ids, nullptr);
  return ids;
}

void SentencePieceTokenizer::encode(std::string_view text, std::vector<int32_t>* ids,
                                    std::vector<std::string>* pieces) const {
  ids->clear();
  if (pieces != nullptr) pieces->clear();
  const std::string normalized = normalizer_->normalize(text);
  if (normalized.empty()) return;
  std::vector<Span> spans;
  viterbi(normalized, &spans);
  bool prev_unk = false;
  for (const Span& s : spans) {
    const std::string_view w(normalized.data() + s.begin, s.end - s.begin);
    const bool is_unk = pieces_[s.id].type == SpPieceType::kUnknown;
    if (is_unk && byte_fallback_) {
      for (const char c : w) {
        const int id = byte_ids_[static_cast<uint8_t>(c)];
        ids->push_back(id);
        if (pieces != nullptr) pieces->push_back(pieces_[id].piece);
      }
    } else if (is_unk && prev_unk) {
      if (pieces != nullptr) pieces->back().append(w);
    } else {
      ids->push_back(s.id);
      if (pieces != nullptr) pieces->emplace_back(w);
    }
    prev_unk = is_unk;
  }
}

}  // namespace kbseek::encoder
