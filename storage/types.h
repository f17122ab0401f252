// Plain records passed between the index folder and its callers.
//
// Byte offsets are into the UTF-8 `Document::text`; ids are stable strings
// chosen by the caller (documents) or assigned by the store (chunks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kbseek::storage {

// One source document as the caller gave it.
struct Document {
  std::string id;                    // caller's id, unique in the folder; non-empty
  std::string title;                 // may be empty
  std::string text;                  // UTF-8
  std::optional<int64_t> timestamp;  // seconds since the Unix epoch, if known
  std::string metadata_json = "{}";  // a JSON object, stored verbatim
  std::vector<std::string> acl;      // principals allowed to read; empty = public
  // Set by the indexer's duplicate detection (indexer/dedup.h); not part
  // of the content hash. A duplicate is stored (and found by id) but, by
  // default, not chunked or searchable.
  std::optional<uint64_t> simhash;  // near-duplicate fingerprint of the text
  std::string duplicate_of;         // id of the document this one duplicates; "" if none
  std::string duplicate_kind;       // "exact" or "near" when duplicate_of is set
  std::string norm_hash;            // hash of the normalised text: equal for exact duplicates
};

// A named thing found in a chunk (indexer/entities.h): its kind ("date",
// "money", "identifier", a user dictionary's type…), its normalised value
// ("2025-09-17", "CNY 12000", "A100") and where it is in the chunk text.
struct ChunkEntity {
  std::string type;
  std::string value;
  int64_t start_byte = 0;  // in Chunk::text
  int64_t end_byte = 0;
};

// A passage of a document: the unit that is embedded and searched.
struct Chunk {
  int64_t chunk_id = -1;  // assigned by the store (never reused); -1 before that
  std::string doc_id;     // Document::id; empty in put_document means "this document"
  int ordinal = 0;        // position of the chunk within its document, from 0
  std::string text;
  int64_t start_byte = 0;  // offsets in Document::text: [start_byte, end_byte)
  int64_t end_byte = 0;
  std::string language;               // "zh", "en", "mixed", "other" or "" (indexer/language.h)
  std::vector<ChunkEntity> entities;  // stored and indexed as filter terms
};

// One search result: higher score is better. Scores are comparable only
// within one result list (BM25 weights, or inner products for dense search).
struct Hit {
  int64_t chunk_id;
  float score;
};

// SHA-256 (lower-case hex) of a canonical encoding of every field of `doc`
// (id, title, text, timestamp, metadata_json, acl). The indexer compares it
// with IndexFolder::content_hash() to skip unchanged documents; the store
// records it in put_document.
std::string document_content_hash(const Document& doc);

}  // namespace kbseek::storage
