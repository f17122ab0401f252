// The double-array walk follows darts-clone's commonPrefixSearch (unit
// layout: bit 31 leaf flag, bit 9 offset scale, bit 8 has-leaf, bits 0-7
// label, bits 10-31 offset), and Normalize follows sentencepiece's
// normalizer.cc step by step, including its quirks (a replacement's heading
// spaces are dropped only after a space; is_prev_space keeps its value across
// empty replacements).
#include "encoder/use/sp_normalizer.h"

#include <cstring>

namespace kbseek::encoder {
namespace {

constexpr std::string_view kSpaceSymbol = "\xe2\x96\x81";      // U+2581
constexpr std::string_view kReplacementChar = "\xef\xbf\xbd";  // U+FFFD

inline uint32_t unit_offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }
inline uint32_t unit_label(uint32_t u) { return u & ((1u << 31) | 0xFFu); }
inline bool unit_has_leaf(uint32_t u) { return ((u >> 8) & 1u) != 0; }
inline uint32_t unit_value(uint32_t u) { return u & ((1u << 31) - 1); }

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

size_t valid_utf8_char_len(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const auto trail = [&](size_t i) { return (b(i) & 0xC0) == 0x80; };
  const auto valid_cp = [](uint32_t c) { return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF); };
  const size_t len = s.size();
  if (b(0) < 0x80) return 1;
  if (len >= 2 && (b(0) & 0xE0) == 0xC0) {
    const uint32_t cp = ((b(0) & 0x1Fu) << 6) | (b(1) & 0x3Fu);
    if (trail(1) && cp >= 0x80 && valid_cp(cp)) return 2;
  } else if (len >= 3 && (b(0) & 0xF0) == 0xE0) {
    const uint32_t cp = ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    if (trail(1) && trail(2) && cp >= 0x800 && valid_cp(cp)) return 3;
  } else if (len >= 4 && (b(0) & 0xF8) == 0xF0) {
    const uint32_t cp = ((b(0) & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
    if (trail(1) && trail(2) && trail(3) && cp >= 0x10000 && valid_cp(cp)) return 4;
  }
  return 0;
}

core::Result<std::unique_ptr<SpNormalizer>> SpNormalizer::create(const SpNormalizerSpec& spec,
                                                                 bool treat_whitespace_as_suffix,
                                                                 std::vector<std::string> user_defined_symbols,
                                                                 const std::string& source) {
  std::unique_ptr<SpNormalizer> n(new SpNormalizer());
  n->spec_ = spec;
  n->spec_.precompiled_charsmap.clear();
  n->whitespace_as_suffix_ = treat_whitespace_as_suffix;
  const std::string& blob = spec.precompiled_charsmap;
  if (!blob.empty()) {
    uint32_t trie_bytes = 0;
    if (blob.size() <= 4) return core::Status::corruption(source + ": precompiled_charsmap is truncated");
    std::memcpy(&trie_bytes, blob.data(), 4);  // little-endian on every machine we build for
    if (trie_bytes > blob.size() - 4 || trie_bytes % 4 != 0 || trie_bytes == 0) {
      return core::Status::corruption(source + ": precompiled_charsmap declares a trie of " +
                                      std::to_string(trie_bytes) + " bytes in a blob of " +
                                      std::to_string(blob.size()));
    }
    n->units_.resize(trie_bytes / 4);
    std::memcpy(n->units_.data(), blob.data() + 4, trie_bytes);
    n->replacements_ = blob.substr(4 + trie_bytes);
  }
  for (std::string& s : user_defined_symbols) {
    if (s.empty()) continue;
    n->user_first_byte_[static_cast<uint8_t>(s[0])] = true;
    n->user_defined_.push_back(std::move(s));
  }
  return n;
}

size_t SpNormalizer::longest_key(std::string_view input, uint32_t* value) const {
  if (units_.empty()) return 0;
  const size_t size = units_.size();
  size_t best = 0;
  size_t node = unit_offset(units_[0]);
  for (size_t i = 0; i < input.size(); ++i) {
    const uint8_t c = static_cast<uint8_t>(input[i]);
    node ^= c;
    if (node >= size) break;
    const uint32_t u = units_[node];
    if (unit_label(u) != c) break;
    node ^= unit_offset(u);
    if (node >= size) break;
    if (unit_has_leaf(u)) {
      best = i + 1;
      *value = unit_value(units_[node]);
    }
  }
  return best;
}

std::string_view SpNormalizer::normalize_prefix(std::string_view input, size_t* consumed) const {
  *consumed = 0;
  if (input.empty()) return {};
  if (user_first_byte_[static_cast<uint8_t>(input[0])]) {
    size_t best = 0;
    for (const std::string& s : user_defined_) {
      if (s.size() > best && input.substr(0, s.size()) == s) best = s.size();
    }
    if (best > 0) {
      *consumed = best;
      return input.substr(0, best);
    }
  }
  uint32_t value = 0;
  const size_t key_len = longest_key(input, &value);
  // A value past the table is corrupt data sentencepiece would read out of
  // bounds; treating it as no match keeps us memory-safe.
  if (key_len > 0 && value < replacements_.size()) {
    *consumed = key_len;
    const char* begin = replacements_.data() + value;
    const void* nul = std::memchr(begin, '\0', replacements_.size() - value);
    const size_t len = nul ? static_cast<const char*>(nul) - begin : replacements_.size() - value;
    return std::string_view(begin, len);
  }
  const size_t len = valid_utf8_char_len(input);
  if (len == 0) {
    *consumed = 1;
    return kReplacementChar;
  }
  *consumed = len;
  return input.substr(0, len);
}

std::string SpNormalizer::normalize(std::string_view input) const {
  std::string out;
  if (input.empty()) return out;
  size_t consumed = 0;
  if (spec_.remove_extra_whitespaces) {
    while (!input.empty()) {
      if (normalize_prefix(input, &consumed) != " ") break;
      input.remove_prefix(consumed);
    }
  }
  if (input.empty()) return out;

  out.reserve(input.size() * 3);
  const std::string_view space = spec_.escape_whitespaces ? kSpaceSymbol : std::string_view(" ");
  if (!whitespace_as_suffix_ && spec_.add_dummy_prefix) out.append(space);
  bool is_prev_space = spec_.remove_extra_whitespaces;
  while (!input.empty()) {
    std::string_view sp = normalize_prefix(input, &consumed);
    while (is_prev_space && !sp.empty() && sp.front() == ' ') sp.remove_prefix(1);
    if (!sp.empty()) {
      for (const char c : sp) {
        if (c == ' ' && spec_.escape_whitespaces)
          out.append(kSpaceSymbol);
        else
          out.push_back(c);
      }
      is_prev_space = sp.back() == ' ';
    }
    input.remove_prefix(consumed);
    if (!spec_.remove_extra_whitespaces) is_prev_space = false;
  }
  if (spec_.remove_extra_whitespaces) {
    while (ends_with(out, space)) out.resize(out.size() - space.size());
  }
  if (whitespace_as_suffix_ && spec_.add_dummy_prefix) out.append(space);
  return out;
}

}  // namespace kbseek::encoder
