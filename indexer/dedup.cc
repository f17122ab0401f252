// Normalisation, shingling and the banded fingerprint table.
#include "indexer/dedup.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "core/utf8.h"

namespace kbseek::indexer {
namespace {

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  // FNV's low bits mix poorly for short inputs: finish with a murmur-style avalanche.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::string normalized_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[pos]);
    if (b < 0x80) {
      ++pos;
      if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9'))
        out.push_back(static_cast<char>(b));
      else if (b >= 'A' && b <= 'Z')
        out.push_back(static_cast<char>(b - 'A' + 'a'));
      else if (!out.empty() && out.back() != ' ' && (b == ' ' || b == '\n' || b == '\t'))
        out.push_back(' ');
      continue;
    }
    const size_t start = pos;
    const char32_t c = core::decode_utf8(text, &pos);
    if (u_isalnum(static_cast<UChar32>(c))) out.append(text.substr(start, pos - start));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

uint64_t simhash(std::string_view t, int* feature_count) {
  int counts[64] = {0};
  int features = 0;
  auto add = [&](std::string_view f) {
    const uint64_t h = fnv1a(f);
    for (int b = 0; b < 64; ++b) counts[b] += (h >> b) & 1 ? 1 : -1;
    ++features;
  };
  // Split into runs: Latin words (space separated) and non-ASCII characters.
  std::vector<std::string_view> words;  // current Latin run
  std::vector<std::string_view> chars;  // current Han run, one entry per character
  auto flush_words = [&] {
    if (words.size() < 3) {
      for (auto w : words) add(w);
    } else {
      for (size_t i = 0; i + 3 <= words.size(); ++i)
        add(std::string_view(words[i].data(), words[i + 2].data() + words[i + 2].size() - words[i].data()));
    }
    words.clear();
  };
  auto flush_chars = [&] {
    if (chars.size() < 4) {
      if (!chars.empty())
        add(std::string_view(chars.front().data(), chars.back().data() + chars.back().size() - chars.front().data()));
    } else {
      for (size_t i = 0; i + 4 <= chars.size(); ++i)
        add(std::string_view(chars[i].data(), chars[i + 3].data() + chars[i + 3].size() - chars[i].data()));
    }
    chars.clear();
  };
  size_t pos = 0;
  while (pos < t.size()) {
    const unsigned char b = static_cast<unsigned char>(t[pos]);
    if (b < 0x80) {
      flush_chars();
      if (b == ' ') {
        ++pos;
        continue;
      }
      const size_t s = pos;
      while (pos < t.size() && static_cast<unsigned char>(t[pos]) < 0x80 && t[pos] != ' ') ++pos;
      words.push_back(t.substr(s, pos - s));
      continue;
    }
    flush_words();
    const size_t s = pos;
    core::decode_utf8(t, &pos);
    chars.push_back(t.substr(s, pos - s));
  }
  flush_words();
  flush_chars();
  if (feature_count) *feature_count = features;
  if (features == 0) return 0;
  uint64_t h = 0;
  for (int b = 0; b < 64; ++b)
    if (counts[b] > 0) h |= 1ULL << b;
  return h;
}

int hamming(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

bool DuplicateIndex::find(uint64_t fp, const std::string& exclude, DuplicateMatch* match) const {
  int best = threshold_ + 1;
  size_t best_entry = 0;
  for (uint32_t band = 0; band < 4; ++band) {
    const uint32_t key = band << 16 | static_cast<uint32_t>((fp >> (16 * band)) & 0xFFFF);
    auto it = bands_.find(key);
    if (it == bands_.end()) continue;
    for (uint32_t e : it->second) {
      const auto& [id, other] = entries_[e];
      if (id == exclude) continue;
      auto live = fingerprints_.find(id);
      if (live == fingerprints_.end() || live->second != other) continue;  // removed or replaced
      const int d = hamming(fp, other);
      if (d < best || (d == best && e < best_entry)) {
        best = d;
        best_entry = e;
      }
    }
  }
  if (best > threshold_) return false;
  match->of = entries_[best_entry].first;
  match->distance = best;
  return true;
}

void DuplicateIndex::add(const std::string& id, uint64_t fp) {
  const uint32_t e = static_cast<uint32_t>(entries_.size());
  entries_.emplace_back(id, fp);
  fingerprints_[id] = fp;
  for (uint32_t band = 0; band < 4; ++band)
    bands_[band << 16 | static_cast<uint32_t>((fp >> (16 * band)) & 0xFFFF)].push_back(e);
}

void DuplicateIndex::remove(const std::string& id) { fingerprints_.erase(id); }

}  // namespace kbseek::indexer
