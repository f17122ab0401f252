// BPE tokenizer: tokenizer.json loading and the encode pipeline. The merge
// loop follows tokenizers' models/bpe/word.rs (a min-heap of candidate
// merges by rank then position, stale entries skipped), so a paragraph of
// Chinese — one "word" of hundreds of characters under Gemma's split on
// spaces — costs O(n log n), not a rescan per merge.
#include "encoder/bpe_tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>

#include "core/file_util.h"
#include "core/utf8.h"
#include "encoder/bpe_tokenizer_impl.h"
#include "encoder/byte_level.h"

namespace kbseek::encoder {
namespace {

using nlohmann::json;

std::string read_string(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void AddedTokenTrie::insert(const std::string& s, int32_t id) {
  int n = 0;
  for (unsigned char c : s) {
    auto it = nodes_[n].next.find(c);
    if (it == nodes_[n].next.end()) {
      nodes_.push_back({});
      it = nodes_[n].next.emplace(c, static_cast<int>(nodes_.size()) - 1).first;
    }
    n = it->second;
  }
  nodes_[n].id = id;
}

std::pair<int32_t, size_t> AddedTokenTrie::longest(std::string_view text, size_t pos) const {
  std::pair<int32_t, size_t> best{-1, 0};
  int n = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    auto it = nodes_[n].next.find(static_cast<unsigned char>(text[i]));
    if (it == nodes_[n].next.end()) break;
    n = it->second;
    if (nodes_[n].id >= 0) best = {nodes_[n].id, i + 1 - pos};
  }
  return best;
}

core::Status BpeTokenizer::Impl::add_merge(const std::string& a, const std::string& b, int32_t rank,
                                           const std::string& field) {
  auto ia = vocab.find(a), ib = vocab.find(b), iab = vocab.find(a + b);
  if (ia == vocab.end() || ib == vocab.end() || iab == vocab.end()) {
    return bad(field,
               "entry " + std::to_string(rank) + " (\"" + a + "\", \"" + b + "\") uses a token not in the vocabulary");
  }
  merges.emplace((static_cast<uint64_t>(ia->second) << 32) | static_cast<uint32_t>(ib->second),
                 std::make_pair(rank, iab->second));
  return core::Status::ok();
}

void BpeTokenizer::Impl::add_token(const std::string& content, int32_t id) {
  added.insert(content, id);
  if (static_cast<size_t>(id) >= id_to_token.size()) id_to_token.resize(id + 1);
  if (id_to_token[id].empty()) id_to_token[id] = content;
  vocab.emplace(content, id);
}

void BpeTokenizer::Impl::index_byte_pieces() {
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = vocab.find(name);
    byte_ids[b] = it == vocab.end() ? -1 : it->second;
  }
}

core::Status BpeTokenizer::Impl::load_normalizer(const json& j, const std::string& field) {
  if (j.is_null()) return core::Status::ok();
  const std::string type = read_string(j, "type");
  if (type == "Sequence") {
    for (const json& step : j.value("normalizers", json::array())) KB_RETURN_IF_ERROR(load_normalizer(step, field));
    return core::Status::ok();
  }
  if (type == "Replace") {
    const json& pat = j.value("pattern", json::object());
    if (!pat.contains("String")) return bad(field, "Replace with a Regex pattern is not supported");
    normalizer.push_back({BpeNormStep::kReplace, pat["String"].get<std::string>(), read_string(j, "content")});
  } else if (type == "Prepend") {
    normalizer.push_back({BpeNormStep::kPrepend, "", read_string(j, "prepend")});
  } else if (type == "NFC") {
    normalizer.push_back({BpeNormStep::kNfc, "", ""});
  } else if (type == "NFKC") {
    normalizer.push_back({BpeNormStep::kNfkc, "", ""});
  } else {
    return bad(field, "normalizer \"" + type + "\" is not supported");
  }
  return core::Status::ok();
}

core::Status BpeTokenizer::Impl::load_pre_tokenizer(const json& j, const std::string& field) {
  if (j.is_null()) return core::Status::ok();
  const std::string type = read_string(j, "type");
  if (type == "Sequence") {
    // Qwen2's: Split on its regex, then ByteLevel without a regex of its own.
    const json& steps = j.value("pretokenizers", json::array());
    for (size_t i = 0; i < steps.size(); ++i) {
      if (byte_level) return bad(field, "only the last pre-tokenizer of a Sequence may be ByteLevel");
      const bool again = split && read_string(steps[i], "type") == "Split";
      if (again) return bad(field, "a Sequence of more than one Split is not supported");
      KB_RETURN_IF_ERROR(load_pre_tokenizer(steps[i], field + ".pretokenizers[" + std::to_string(i) + "]"));
    }
    return core::Status::ok();
  }
  if (type == "ByteLevel") {
    // With use_regex (its default) ByteLevel would split on GPT-2's own pattern first.
    if (j.value("use_regex", true)) return bad(field, "ByteLevel with use_regex true is not supported");
    if (j.value("add_prefix_space", false)) return bad(field, "ByteLevel with add_prefix_space true is not supported");
    byte_level = true;
    return core::Status::ok();
  }
  if (type != "Split") return bad(field, "\"" + type + "\" is not supported");
  const json& pat = j.value("pattern", json::object());
  if (j.value("invert", false)) return bad(field, "Split with invert is not supported");
  split = true;
  if (pat.contains("Regex")) {
    const std::string re = pat["Regex"].get<std::string>();
    split_regex = recognise_split_regex(re);
    if (!split_regex) return bad(field + ".pattern.Regex", "\"" + re + "\" is not a pattern this build knows");
  } else if (pat.contains("String")) {
    split_pattern = pat["String"].get<std::string>();
    if (split_pattern.empty()) return bad(field, "Split on an empty string");
  } else {
    return bad(field + ".pattern", "neither String nor Regex");
  }
  const std::string b = read_string(j, "behavior");
  static const std::map<std::string, SplitBehavior> kBehaviors = {
      {"Removed", SplitBehavior::kRemoved},
      {"Isolated", SplitBehavior::kIsolated},
      {"MergedWithPrevious", SplitBehavior::kMergedWithPrevious},
      {"MergedWithNext", SplitBehavior::kMergedWithNext},
      {"Contiguous", SplitBehavior::kContiguous}};
  auto it = kBehaviors.find(b);
  if (it == kBehaviors.end()) return bad(field + ".behavior", "\"" + b + "\" is not known");
  split_behavior = it->second;
  return core::Status::ok();
}

core::Status BpeTokenizer::Impl::load_model(const json& m) {
  if (read_string(m, "type") != "BPE") return bad("model.type", "\"" + read_string(m, "type") + "\" is not BPE");
  if (m.contains("dropout") && !m["dropout"].is_null()) return bad("model.dropout", "must be null");
  for (const char* f : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (m.contains(f) && !m[f].is_null() && !m[f].get<std::string>().empty()) {
      return bad(std::string("model.") + f, "is not supported");
    }
  }
  ignore_merges = m.value("ignore_merges", false);
  byte_fallback = m.value("byte_fallback", false);
  fuse_unk = m.value("fuse_unk", false);
  const json& v = m.value("vocab", json::object());
  if (!v.is_object() || v.empty()) return bad("model.vocab", "must be a non-empty object");
  for (auto it = v.begin(); it != v.end(); ++it) {
    const int64_t id = it.value().get<int64_t>();
    if (id < 0 || id > (1 << 24)) return bad("model.vocab", "id " + std::to_string(id) + " out of range");
    vocab.emplace(it.key(), static_cast<int32_t>(id));
    if (static_cast<size_t>(id) >= id_to_token.size()) id_to_token.resize(id + 1);
    id_to_token[id] = it.key();
  }
  const std::string unk_token =
      m.contains("unk_token") && m["unk_token"].is_string() ? m["unk_token"].get<std::string>() : "";
  if (!unk_token.empty()) {
    auto it = vocab.find(unk_token);
    if (it == vocab.end()) return bad("model.unk_token", "\"" + unk_token + "\" is not in the vocabulary");
    unk = it->second;
  }
  index_byte_pieces();
  const json& ms = m.value("merges", json::array());
  int32_t rank = 0;
  for (const json& e : ms) {
    std::string a, b;
    if (e.is_array() && e.size() == 2) {
      a = e[0].get<std::string>();
      b = e[1].get<std::string>();
    } else if (e.is_string()) {
      const std::string s = e.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos) return bad("model.merges", "entry \"" + s + "\" is not \"a b\"");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else {
      return bad("model.merges", "entry " + std::to_string(rank) + " is neither [a, b] nor \"a b\"");
    }
    KB_RETURN_IF_ERROR(add_merge(a, b, rank, "model.merges"));
    ++rank;
  }
  return core::Status::ok();
}

core::Status BpeTokenizer::Impl::load_added(const json& a) {
  for (const json& t : a) {
    const std::string content = read_string(t, "content");
    const int64_t id = t.value("id", int64_t{-1});
    if (content.empty() || id < 0) return bad("added_tokens", "an entry without content or id");
    if (t.value("lstrip", false) || t.value("rstrip", false) || t.value("single_word", false)) {
      return bad("added_tokens", "\"" + content + "\": lstrip, rstrip and single_word are not supported");
    }
    if (t.value("normalized", false)) {
      return bad("added_tokens", "\"" + content + "\": normalized added tokens are not supported");
    }
    if (id > (1 << 24)) return bad("added_tokens", "\"" + content + "\": id " + std::to_string(id) + " out of range");
    add_token(content, static_cast<int32_t>(id));
  }
  return core::Status::ok();
}

core::Status BpeTokenizer::Impl::load_post_processor(const json& p) {
  // ByteLevel's post-processor only trims offsets; it adds no ids.
  if (p.is_null() || read_string(p, "type") == "ByteLevel") return core::Status::ok();
  if (read_string(p, "type") != "TemplateProcessing") {
    return bad("post_processor", "\"" + read_string(p, "type") + "\" is not supported");
  }
  bool seen_a = false;
  for (const json& piece : p.value("single", json::array())) {
    if (piece.contains("Sequence")) {
      seen_a = true;
    } else if (piece.contains("SpecialToken")) {
      const std::string name = read_string(piece["SpecialToken"], "id");
      const json& specials = p.value("special_tokens", json::object());
      if (!specials.contains(name)) return bad("post_processor", "special token \"" + name + "\" is not defined");
      for (const json& id : specials[name].value("ids", json::array())) {
        (seen_a ? suffix : prefix).push_back(id.get<int32_t>());
      }
    }
  }
  return core::Status::ok();
}

std::string BpeTokenizer::Impl::normalize(std::string s) const {
  for (const BpeNormStep& n : normalizer) {
    switch (n.kind) {
      case BpeNormStep::kReplace: {
        if (n.from.empty()) break;
        std::string out;
        size_t pos = 0;
        for (size_t hit; (hit = s.find(n.from, pos)) != std::string::npos; pos = hit + n.from.size()) {
          out.append(s, pos, hit - pos);
          out += n.to;
        }
        out.append(s, pos, std::string::npos);
        s.swap(out);
        break;
      }
      case BpeNormStep::kPrepend:
        if (!s.empty()) s = n.to + s;
        break;
      case BpeNormStep::kNfc:
      case BpeNormStep::kNfkc: {
        UErrorCode err = U_ZERO_ERROR;
        const icu::Normalizer2* norm = n.kind == BpeNormStep::kNfc ? icu::Normalizer2::getNFCInstance(err)
                                                                   : icu::Normalizer2::getNFKCInstance(err);
        if (U_FAILURE(err)) break;
        icu::UnicodeString u = norm->normalize(icu::UnicodeString::fromUTF8(s), err);
        if (U_FAILURE(err)) break;
        s.clear();
        u.toUTF8String(s);
        break;
      }
    }
  }
  return s;
}

std::vector<std::string_view> BpeTokenizer::Impl::pre_tokenize(std::string_view s) const {
  std::vector<std::string_view> words;
  if (!split) {
    if (!s.empty()) words.push_back(s);
    return words;
  }
  std::vector<RegexMatch> hits;
  if (split_regex) {
    hits = find_regex_matches(*split_regex, s);
  } else {
    for (size_t p = 0; (p = s.find(split_pattern, p)) != std::string_view::npos; p += split_pattern.size()) {
      hits.push_back({p, p + split_pattern.size()});
    }
  }
  // The text as alternating pieces, then each behaviour's fold over them,
  // as tokenizers' NormalizedString::split does.
  struct Piece {
    size_t begin, end;
    bool is_match;
  };
  std::vector<Piece> pieces;
  size_t prev = 0;
  for (const RegexMatch& h : hits) {
    if (h.begin > prev) pieces.push_back({prev, h.begin, false});
    pieces.push_back({h.begin, h.end, true});
    prev = h.end;
  }
  if (prev < s.size()) pieces.push_back({prev, s.size(), false});
  std::vector<Piece> out;
  bool previous_match = false;
  switch (split_behavior) {
    case SplitBehavior::kRemoved:
      for (const Piece& p : pieces) {
        if (!p.is_match) out.push_back(p);
      }
      break;
    case SplitBehavior::kIsolated: out = pieces; break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Piece& p : pieces) {
        if (p.is_match && !previous_match && !out.empty()) {
          out.back().end = p.end;
        } else {
          out.push_back(p);
        }
        previous_match = p.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) {
          out.back().begin = it->begin;
        } else {
          out.push_back(*it);
        }
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::kContiguous:
      for (const Piece& p : pieces) {
        if (p.is_match == previous_match && !out.empty()) {
          out.back().end = p.end;
        } else {
          out.push_back(p);
        }
        previous_match = p.is_match;
      }
      break;
  }
  for (const Piece& p : out) words.push_back(s.substr(p.begin, p.end - p.begin));
  return words;
}

void BpeTokenizer::Impl::bpe_word(std::string_view word, std::vector<int32_t>* out) const {
  if (ignore_merges) {  // a word that is a token is that token, merges or not
    auto it = vocab.find(std::string(word));
    if (it != vocab.end()) {
      out->push_back(it->second);
      return;
    }
  }
  struct Symbol {
    int32_t id;
    int prev, next;
    bool alive;
  };
  std::vector<Symbol> syms;
  size_t pos = 0;
  while (pos < word.size()) {
    const size_t begin = pos;
    core::decode_utf8(word, &pos);
    const std::string ch(word.substr(begin, pos - begin));
    auto it = vocab.find(ch);
    if (it != vocab.end()) {
      syms.push_back({it->second, 0, 0, true});
      continue;
    }
    bool bytes_ok = byte_fallback;
    for (size_t i = begin; bytes_ok && i < pos; ++i) bytes_ok = byte_ids[static_cast<unsigned char>(word[i])] >= 0;
    if (bytes_ok) {
      for (size_t i = begin; i < pos; ++i) syms.push_back({byte_ids[static_cast<unsigned char>(word[i])], 0, 0, true});
    } else if (unk >= 0) {
      if (!(fuse_unk && !syms.empty() && syms.back().id == unk)) syms.push_back({unk, 0, 0, true});
    }
  }
  const int n = static_cast<int>(syms.size());
  for (int i = 0; i < n; ++i) {
    syms[i].prev = i - 1;
    syms[i].next = i + 1 < n ? i + 1 : -1;
  }
  struct Cand {
    int32_t rank, pos, new_id;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  auto lookup = [&](int32_t a, int32_t b) {
    return merges.find((static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b));
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> queue;
  for (int i = 0; i + 1 < n; ++i) {
    auto m = lookup(syms[i].id, syms[i + 1].id);
    if (m != merges.end()) queue.push({m->second.first, i, m->second.second});
  }
  while (!queue.empty()) {
    const Cand top = queue.top();
    queue.pop();
    Symbol& left = syms[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = syms[left.next];
    auto m = lookup(left.id, right.id);
    if (m == merges.end() || m->second.second != top.new_id) continue;  // stale entry
    left.id = top.new_id;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) syms[left.next].prev = top.pos;
    if (left.prev >= 0) {
      auto pm = lookup(syms[left.prev].id, left.id);
      if (pm != merges.end()) queue.push({pm->second.first, left.prev, pm->second.second});
    }
    if (left.next >= 0) {
      auto nm = lookup(left.id, syms[left.next].id);
      if (nm != merges.end()) queue.push({nm->second.first, top.pos, nm->second.second});
    }
  }
  for (int i = n > 0 ? 0 : -1; i >= 0; i = syms[i].next) out->push_back(syms[i].id);
}

BpeTokenizer::BpeTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpeTokenizer::~BpeTokenizer() = default;

core::Result<std::unique_ptr<BpeTokenizer>> BpeTokenizer::load(const std::string& path) {
  KB_ASSIGN_OR_RETURN(std::string text, core::read_file(path));
  return from_json(text, path);
}

core::Result<std::unique_ptr<BpeTokenizer>> BpeTokenizer::from_json(const std::string& json_text,
                                                                    const std::string& origin) {
  auto impl = std::make_unique<Impl>();
  impl->origin = origin;
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::Status::invalid_argument(origin + ": not a JSON object");
  // nlohmann throws on a type mismatch inside (e.g. a vocab id that is a
  // string); that is bad input, so it becomes an error naming the file.
  try {
    KB_RETURN_IF_ERROR(impl->load_model(j.value("model", json::object())));
    KB_RETURN_IF_ERROR(impl->load_normalizer(j.value("normalizer", json()), "normalizer"));
    KB_RETURN_IF_ERROR(impl->load_pre_tokenizer(j.value("pre_tokenizer", json()), "pre_tokenizer"));
    KB_RETURN_IF_ERROR(impl->load_added(j.value("added_tokens", json::array())));
    KB_RETURN_IF_ERROR(impl->load_post_processor(j.value("post_processor", json())));
  } catch (const json::exception& e) {
    return core::Status::invalid_argument(origin + ": " + e.what());
  }
  return std::unique_ptr<BpeTokenizer>(new BpeTokenizer(std::move(impl)));
}

core::Result<std::vector<int32_t>> BpeTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const size_t bad = core::find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    return core::Status::invalid_argument("invalid UTF-8 at byte " + std::to_string(bad));
  }
  const Impl& m = *impl_;
  std::vector<int32_t> ids;
  if (add_special_tokens) ids = m.prefix;
  auto run_model = [&](std::string_view piece) {
    if (piece.empty()) return;
    const std::string normalized = m.normalize(std::string(piece));
    for (std::string_view w : m.pre_tokenize(normalized)) {
      if (m.byte_level) {
        m.bpe_word(byte_level_encode(w), &ids);
      } else {
        m.bpe_word(w, &ids);
      }
    }
  };
  size_t plain = 0;  // start of the text not yet given to the model
  for (size_t pos = 0; pos < text.size();) {
    const auto [id, len] = m.added.empty() ? std::pair<int32_t, size_t>{-1, 0} : m.added.longest(text, pos);
    if (id < 0) {
      ++pos;
      continue;
    }
    run_model(text.substr(plain, pos - plain));
    ids.push_back(id);
    pos += len;
    plain = pos;
  }
  run_model(text.substr(plain));
  if (add_special_tokens) ids.insert(ids.end(), m.suffix.begin(), m.suffix.end());
  return ids;
}

int BpeTokenizer::vocab_size() const { return static_cast<int>(impl_->id_to_token.size()); }

std::optional<int32_t> BpeTokenizer::token_to_id(std::string_view token) const {
  auto it = impl_->vocab.find(std::string(token));
  if (it == impl_->vocab.end()) return std::nullopt;
  return it->second;
}

std::string BpeTokenizer::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->id_to_token.size()) return "";
  return impl_->id_to_token[id];
}

int32_t BpeTokenizer::unk_id() const { return impl_->unk; }
int32_t BpeTokenizer::bos_id() const { return impl_->bos; }
int32_t BpeTokenizer::eos_id() const { return impl_->eos; }
int32_t BpeTokenizer::pad_id() const { return impl_->pad; }

}  // namespace kbseek::encoder
