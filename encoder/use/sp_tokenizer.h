// A SentencePiece unigram tokenizer that reads the `.model` file itself.
//
// Why our own and not Debian's libsentencepiece-dev (0.1.97): we need only
// unigram encoding — normalise, then Viterbi — which is ~600 lines of code
// here (protobuf reader, charsmap trie, piece trie, Viterbi) against a
// library that brings protobuf-lite into the link, reports errors through its
// own status type and logging, and whose Debian build lags the PyPI wheel
// the fixture pins. Ours also returns kbseek Status values naming the file
// and byte offset, and tokenizes a 15-token query in ~4 µs.
//
// Its behaviour is pinned by a parity fixture:
// tests/data/encoder/use_tokenizer_{fixture,sweep}.jsonl hold the pieces and
// ids the `sentencepiece` 0.2.3 Python binding gives for ~2,300 strings (the
// charsmap's keys, every BMP code point, CJK, emoji, very long texts), and
// this class must match every one.
//
// encode(text) follows SentencePieceProcessor::Encode for a unigram model:
//   - SpNormalizer (nmt_nfkc charsmap, whitespace rules, "▁" for spaces);
//   - EncodeOptimized: the best-scoring segmentation over the pieces of type
//     NORMAL and USER_DEFINED (UNUSED pieces are matched and skipped;
//     CONTROL, UNKNOWN and BYTE pieces never match text). A user-defined
//     piece scores len_bytes * max_normal_score - 0.1; a character no piece
//     covers is one <unk> node scoring min_normal_score - 10; ties keep the
//     earliest-starting node. Path scores are summed and compared in float:
//     that is what the sentencepiece 0.2.3 wheel computes (its source reads
//     as a double sum; doing that here broke 4 of the 2,301 fixture ties,
//     e.g. where the odd "a" lands in "a" * 300);
//   - runs of adjacent <unk> pieces merge into one (or, with byte_fallback,
//     each <unk> becomes its UTF-8 bytes as <0xXX> pieces).
// No BOS/EOS are added (callers add bos_id()/eos_id()). Empty or
// whitespace-only text gives no pieces.
//
// Errors at load: NotFound / IOError for the file; Corruption for a malformed
// protobuf, duplicate pieces, a missing <unk> piece or ids out of range;
// InvalidArgument for a non-unigram model. Immutable after load; encode()
// is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "encoder/use/sp_model_proto.h"
#include "encoder/use/sp_normalizer.h"
#include "encoder/use/sp_piece_trie.h"

namespace kbseek::encoder {

class SentencePieceTokenizer {
 public:
  static core::Result<std::unique_ptr<SentencePieceTokenizer>> load(const std::string& model_path);
  // `source` names the bytes in error messages.
  static core::Result<std::unique_ptr<SentencePieceTokenizer>> from_bytes(std::string_view model_bytes,
                                                                          const std::string& source);

  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  // The normalised text the segmentation runs on.
  std::string normalize(std::string_view text) const { return normalizer_->normalize(text); }
  // Piece ids of `text`, no BOS/EOS.
  std::vector<int32_t> encode(std::string_view text) const;
  // Same, also giving each piece's text (a merged <unk> run's text is the
  // normalised characters it covers). `pieces` may be null.
  void encode(std::string_view text, std::vector<int32_t>* ids, std::vector<std::string>* pieces) const;
  int count_tokens(std::string_view text) const { return static_cast<int>(encode(text).size()); }

  int vocab_size() const { return static_cast<int>(pieces_.size()); }
  const std::string& id_to_piece(int id) const { return pieces_[id].piece; }
  int unk_id() const { return unk_id_; }
  int bos_id() const { return bos_id_; }  // -1 when the model has none
  int eos_id() const { return eos_id_; }

 private:
  SentencePieceTokenizer() = default;
  core::Status init(SpModelProto proto, const std::string& source);
  // (start byte, end byte, id) of each piece of the best segmentation.
  struct Span {
    uint32_t begin, end;
    int32_t id;
  };
  void viterbi(std::string_view normalized, std::vector<Span>* spans) const;

  std::vector<SpPiece> pieces_;
  std::unique_ptr<SpNormalizer> normalizer_;
  SpPieceTrie trie_;
  int unk_id_ = 0, bos_id_ = -1, eos_id_ = -1;
  float min_score_ = 0.0f, max_score_ = 0.0f;
  bool byte_fallback_ = false;
  int byte_ids_[256] = {};
};

}  // namespace kbseek::encoder
