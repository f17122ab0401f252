// Reads a SentencePiece `.model` file (a serialised sentencepiece.ModelProto)
// into plain structs, with a minimal protobuf wire-format reader instead of
// libprotobuf.
//
// Only the fields a unigram encoder needs are kept (field numbers from
// sentencepiece_model.proto): ModelProto.pieces (1: piece 1, score 2, type 3),
// trainer_spec (2: model_type 3, treat_whitespace_as_suffix 24,
// byte_fallback 35, unk_id 40, bos_id 41, eos_id 42, pad_id 43) and
// normalizer_spec (3: name 1, precompiled_charsmap 2, add_dummy_prefix 3,
// remove_extra_whitespaces 4, escape_whitespaces 5). Every other field,
// known or not, is skipped by wire type, so files written by newer
// sentencepiece releases still load. Defaults are the .proto's.
//
// Errors: Corruption naming the source and the byte offset for a malformed
// message (truncated varint or field, a length past the end, group wire
// types, a piece without text). Semantic checks (model type, ids in range)
// belong to the tokenizer. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kbseek::encoder {

// sentencepiece.ModelProto.SentencePiece.Type.
enum class SpPieceType : uint8_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct SpPiece {
  std::string piece;
  float score = 0.0f;
  SpPieceType type = SpPieceType::kNormal;
};

struct SpTrainerSpec {
  int model_type = 1;  // 1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR
  bool treat_whitespace_as_suffix = false;
  bool byte_fallback = false;
  int unk_id = 0;
  int bos_id = 1;
  int eos_id = 2;
  int pad_id = -1;
};

struct SpNormalizerSpec {
  std::string name;
  std::string precompiled_charsmap;  // empty: no normalisation rules
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

struct SpModelProto {
  std::vector<SpPiece> pieces;  // index = piece id
  SpTrainerSpec trainer_spec;
  SpNormalizerSpec normalizer_spec;
};

// Parses the bytes of a .model file. `source` names it in error messages.
core::Result<SpModelProto> parse_sp_model(std::string_view bytes, const std::string& source);

}  // namespace kbseek::encoder
