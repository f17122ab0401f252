// Who may read what: a document's `acl` (storage/types.h) against the
// principals of the caller.
//
// Rule: a document with an empty acl is public; otherwise a caller may
// read it when one of its principals is in the acl (exact, case-sensitive
// strings: "finance", "user:alice", "group:eng" are the deployer's names).
// A caller with `all` (an operator at the command line) reads everything.
//
// Retrieval applies this inside the stores (FAISS through an IDSelector,
// Xapian through a MatchDecider) with a ChunkFilter, so that k permitted
// results come back rather than k results less the forbidden ones; the
// ranker checks each result's document again from SQLite before it is
// shown, so that a filter a moment out of date can cost a result but never
// leak one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kbseek::storage {

struct Principals {
  bool all = false;                // reads every document (operators)
  std::vector<std::string> names;  // otherwise: public documents and these

  static Principals everyone_allowed() { return {true, {}}; }
  // Comma-separated names, spaces around them trimmed, empty items dropped
  // (so no name holds a ',').
  static Principals parse(std::string_view list);
  std::string describe() const;  // "all", "none" or "a,b"
};

// Whether `who` may read a document with this acl.
bool may_read(const std::vector<std::string>& acl, const Principals& who);

// A predicate over chunk ids used inside retrieval. Thread-safe.
class ChunkFilter {
 public:
  virtual ~ChunkFilter() = default;
  virtual bool allows(int64_t chunk_id) const = 0;
};

// The restricted chunks of an index: every chunk whose document has a
// non-empty acl, with that acl (distinct acls stored once), and the largest
// chunk id the table has seen. Chunk ids are never reused and a chunk's
// document never changes (a replaced document gets new chunks), so the
// table only grows as documents are added. Immutable once built; extend()
// makes a new one.
class AccessTable {
 public:
  // Adds chunk `chunk_id` (a restricted one when acl is non-empty).
  void add(int64_t chunk_id, const std::vector<std::string>& acl);
  void set_max_chunk_id(int64_t id) { max_chunk_id_ = std::max(max_chunk_id_, id); }
  int64_t max_chunk_id() const { return max_chunk_id_; }
  size_t restricted_chunks() const { return restricted_.size(); }

  // Whether `who` may read chunk `chunk_id`, given may_read() of each
  // distinct acl for `who` (acl_allowed(), computed once per caller).
  std::vector<bool> acl_allowed(const Principals& who) const;
  bool allows(int64_t chunk_id, const std::vector<bool>& allowed) const;

 private:
  std::unordered_map<int64_t, uint32_t> restricted_;  // chunk id -> index in acls_
  std::vector<std::vector<std::string>> acls_;
  std::unordered_map<std::string, uint32_t> acl_index_;  // joined acl -> index
  int64_t max_chunk_id_ = 0;
};

// The filter of one caller over `table`, which it keeps alive. Chunks newer
// than the table (ids above its max_chunk_id(), added after it was built)
// are refused: their acl is not known to it yet. Null when the filter
// would refuse nothing the table knows (a caller who reads everything, an
// index with no restricted chunk): searches then run unfiltered, at full
// speed, and a chunk newer than the table is left to the ranker's check.
std::unique_ptr<ChunkFilter> make_access_filter(std::shared_ptr<const AccessTable> table, const Principals& who);

}  // namespace kbseek::storage
