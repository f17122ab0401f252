// Protobuf wire format (https://protobuf.dev/programming-guides/encoding/),
// only as much as sentencepiece_model.proto uses: varints, fixed32, fixed64
// and length-delimited fields. proto2 int32 fields holding negative values
// (pad_id = -1) arrive as 10-byte varints and are truncated to 32 bits, as
// protobuf does.
#include "encoder/use/sp_model_proto.h"

#include <cstring>

namespace kbseek::encoder {
namespace {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct Field {
  uint32_t number = 0;
  int wire_type = 0;
  uint64_t varint = 0;     // kVarint, kFixed64, kFixed32
  std::string_view bytes;  // kLengthDelimited
};

// Iterates over the fields of one message held in `data`, whose first byte
// is at `base` in the whole file (for messages).
class FieldReader {
 public:
  FieldReader(std::string_view data, size_t base, const std::string& source)
      : data_(data), base_(base), source_(source) {}

  bool done() const { return pos_ >= data_.size(); }

  core::Status next(Field* f) {
    uint64_t key = 0;
    KB_RETURN_IF_ERROR(read_varint(&key));
    f->number = static_cast<uint32_t>(key >> 3);
    f->wire_type = static_cast<int>(key & 7);
    if (f->number == 0) return error("field number 0");
    switch (f->wire_type) {
      case kVarint: return read_varint(&f->varint);
      case kFixed64:
      case kFixed32: {
        const size_t n = f->wire_type == kFixed64 ? 8 : 4;
        if (data_.size() - pos_ < n) return error("truncated fixed-width field " + std::to_string(f->number));
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
        f->varint = v;
        pos_ += n;
        return core::Status::ok();
      }
      case kLengthDelimited: {
        uint64_t len = 0;
        KB_RETURN_IF_ERROR(read_varint(&len));
        if (len > data_.size() - pos_) {
          return error("field " + std::to_string(f->number) + " declares " + std::to_string(len) + " bytes, only " +
                       std::to_string(data_.size() - pos_) + " remain");
        }
        f->bytes = data_.substr(pos_, len);
        f->varint = base_ + pos_;  // where the payload starts, for nested messages
        pos_ += len;
        return core::Status::ok();
      }
      default:
        return error("unsupported wire type " + std::to_string(f->wire_type) + " for field " +
                     std::to_string(f->number));
    }
  }

 private:
  core::Status read_varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return error("truncated varint");
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        *out = v;
        return core::Status::ok();
      }
    }
    return error("varint longer than 10 bytes");
  }

  core::Status error(const std::string& what) const {
    return core::Status::corruption(source_ + ": malformed sentencepiece model at byte " +
                                    std::to_string(base_ + pos_) + ": " + what);
  }

  std::string_view data_;
  size_t base_;
  const std::string& source_;
  size_t pos_ = 0;
};

float as_float(uint64_t bits32) {
  const uint32_t b = static_cast<uint32_t>(bits32);
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

int as_int32(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

core::Status parse_piece(const Field& outer, const std::string& source, int id, SpPiece* p) {
  FieldReader r(outer.bytes, outer.varint, source);
  bool has_piece = false;
  while (!r.done()) {
    Field f;
    KB_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1 && f.wire_type == kLengthDelimited) {
      p->piece.assign(f.bytes);
      has_piece = true;
    } else if (f.number == 2 && f.wire_type == kFixed32) {
      p->score = as_float(f.varint);
    } else if (f.number == 3 && f.wire_type == kVarint) {
      p->type = static_cast<SpPieceType>(f.varint);
    }
  }
  if (!has_piece || p->piece.empty()) {
    return core::Status::corruption(source + ": piece " + std::to_string(id) + " has no text");
  }
  const auto t = static_cast<int>(p->type);
  if (t < 1 || t > 6) {
    return core::Status::corruption(source + ": piece " + std::to_string(id) + " has unknown type " +
                                    std::to_string(t));
  }
  return core::Status::ok();
}

core::Status parse_trainer_spec(const Field& outer, const std::string& source, SpTrainerSpec* t) {
  FieldReader r(outer.bytes, outer.varint, source);
  while (!r.done()) {
    Field f;
    KB_RETURN_IF_ERROR(r.next(&f));
    if (f.wire_type != kVarint) continue;
    switch (f.number) {
      case 3: t->model_type = as_int32(f.varint); break;
      case 24: t->treat_whitespace_as_suffix = f.varint != 0; break;
      case 35: t->byte_fallback = f.varint != 0; break;
      case 40: t->unk_id = as_int32(f.varint); break;
      case 41: t->bos_id = as_int32(f.varint); break;
      case 42: t->eos_id = as_int32(f.varint); break;
      case 43: t->pad_id = as_int32(f.varint); break;
      default: break;
    }
  }
  return core::Status::ok();
}

core::Status parse_normalizer_spec(const Field& outer, const std::string& source, SpNormalizerSpec* n) {
  FieldReader r(outer.bytes, outer.varint, source);
  while (!r.done()) {
    Field f;
    KB_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1 && f.wire_type == kLengthDelimited)
      n->name.assign(f.bytes);
    else if (f.number == 2 && f.wire_type == kLengthDelimited)
      n->precompiled_charsmap.assign(f.bytes);
    else if (f.number == 3 && f.wire_type == kVarint)
      n->add_dummy_prefix = f.varint != 0;
    else if (f.number == 4 && f.wire_type == kVarint)
      n->remove_extra_whitespaces = f.varint != 0;
    else if (f.number == 5 && f.wire_type == kVarint)
      n->escape_whitespaces = f.varint != 0;
  }
  return core::Status::ok();
}

}  // namespace

core::Result<SpModelProto> parse_sp_model(std::string_view bytes, const std::string& source) {
  SpModelProto m;
  FieldReader r(bytes, 0, source);
  while (!r.done()) {
    Field f;
    KB_RETURN_IF_ERROR(r.next(&f));
    if (f.wire_type != kLengthDelimited) continue;
    if (f.number == 1) {
      m.pieces.emplace_back();
      KB_RETURN_IF_ERROR(parse_piece(f, source, static_cast<int>(m.pieces.size()) - 1, &m.pieces.back()));
    } else if (f.number == 2) {
      KB_RETURN_IF_ERROR(parse_trainer_spec(f, source, &m.trainer_spec));
    } else if (f.number == 3) {
      KB_RETURN_IF_ERROR(parse_normalizer_spec(f, source, &m.normalizer_spec));
    }
  }
  if (m.pieces.empty()) return core::Status::corruption(source + ": sentencepiece model has no pieces");
  return m;
}

}  // namespace kbseek::encoder
