// Duplicate detection: exact duplicates by normalised content, near
// duplicates by SimHash.
//
// normalized_text(): the text in lower case (ASCII) with punctuation
// removed and white space runs made one space (kept: Latin shingles are
// words); the indexer hashes it without spaces for exactness, so copies that
// differ only in layout, spacing, case or punctuation are exact duplicates. simhash(): Charikar's 64-bit SimHash
// over shingles of that text (character 4-grams of Han runs, word 3-grams
// of Latin runs, each feature hashed with FNV-1a 64), so near-identical
// texts land within a few bits of each other (Manku et al., WWW 2007, used
// 3 of 64 bits for web pages, our default). Measured (tests/indexer/
// dedup_test.cc): changing one phrase of a 60-word passage moves 5 bits, of
// a 1,200-word document 1 bit; distinct documents of the bundled sample are
// all more than 3 bits apart. So the default catches copies edited in
// about 1-2% of their text; shorter texts need exact copies, and the
// indexer enforces that (kMinNearFeatures).
//
// DuplicateIndex finds, for a new text, an earlier document within the
// Hamming threshold: the 64 bits are cut into 4 bands of 16 and any
// document within 3 bits shares a band exactly (pigeonhole), so a lookup
// touches only the documents of 4 buckets. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kbseek::indexer {

std::string normalized_text(std::string_view text);
// `features` (optional): how many shingles the fingerprint was made of.
uint64_t simhash(std::string_view normalized, int* features = nullptr);

// Below this many shingles (about as many words, or Han characters) a text
// is a duplicate only when it is an exact copy. In a short text one word is
// a large share of the shingles and can be its whole point: templated
// entries such as "badge request form: staff should read the guide first"
// and "salary request form: …" differ in 1 shingle of 7, and SimHash put 2
// of 64 such entries within 3 bits of another one, hiding them from search.
// At 50 shingles, a 3-bit distance is already an edit of a few percent of
// the text (the 60-word measurement above: one phrase, 5 bits).
constexpr int kMinNearFeatures = 50;
// Whether a match within the threshold counts as a duplicate of a text of
// `features` shingles: an exact copy always, a near one from kMinNearFeatures.
inline bool counts_as_duplicate(bool exact, int features) { return exact || features >= kMinNearFeatures; }
int hamming(uint64_t a, uint64_t b);

struct DuplicateMatch {
  std::string of;    // the earlier document's id
  int distance = 0;  // Hamming distance of the fingerprints
};

class DuplicateIndex {
 public:
  // threshold: the largest Hamming distance that still counts as a
  // duplicate (0: identical fingerprints only); at most 3 (the banding's
  // guarantee).
  explicit DuplicateIndex(int threshold = 3) : threshold_(threshold < 0 ? 0 : threshold > 3 ? 3 : threshold) {}

  // The closest earlier document within the threshold, if any; ties go to
  // the earliest added. `exclude` (the document's own id) never matches.
  bool find(uint64_t fingerprint, const std::string& exclude, DuplicateMatch* match) const;
  // Adds an original (a document that is not itself a duplicate).
  void add(const std::string& id, uint64_t fingerprint);
  // Forgets `id` (deleted or changed); lookups skip it.
  void remove(const std::string& id);
  size_t size() const { return fingerprints_.size(); }

 private:
  int threshold_;
  std::vector<std::pair<std::string, uint64_t>> entries_;
  std::unordered_map<std::string, uint64_t> fingerprints_;     // live entries by id
  std::unordered_map<uint32_t, std::vector<uint32_t>> bands_;  // (band << 16 | value) -> entry indexes
};

}  // namespace kbseek::indexer
