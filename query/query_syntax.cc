// The query language: a lexer, a recursive-descent parser into a small
// tree, and a compiler from the tree into text and conditions.
#include "query/query_syntax.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

#include "core/ascii.h"
#include "core/civil_date.h"
#include "storage/chunk_fields.h"
#include "storage/entities.h"

namespace kbseek::query {
namespace {

using storage::Condition;

constexpr double kInf = std::numeric_limits<double>::infinity();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// ---- lexer -------------------------------------------------------------

enum class Tok { kWord, kPhrase, kField, kLParen, kRParen, kAnd, kOr, kNot, kPlus, kMinus, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;   // word, phrase, or a field's value
  std::string field;  // kField: the name as written
  size_t pos = 0;     // byte offset in the query, for messages
};

struct SyntaxError {
  std::string message;
};

// "name:" followed by the value, when `word` is a field: a field name, then
// a value that is neither empty nor starting with ':' or '/' (std::vector,
// http://…, 3:1 are words).
bool split_field(std::string_view word, std::string* name, std::string* value) {
  const size_t colon = word.find(':');
  if (colon == std::string_view::npos || colon + 1 >= word.size()) return false;
  if (!storage::is_field_name(word.substr(0, colon))) return false;
  if (word[colon + 1] == ':' || word[colon + 1] == '/') return false;
  *name = std::string(word.substr(0, colon));
  std::string_view v = word.substr(colon + 1);
  // Sentence punctuation after a value is prose: "dept:finance?".
  for (bool trimmed = true; trimmed && !v.empty();) {
    trimmed = false;
    for (std::string_view p : {"?", "!", ",", ";", "？", "！", "，", "。", "；"}) {
      if (v.size() > p.size() && v.substr(v.size() - p.size()) == p) {
        v.remove_suffix(p.size());
        trimmed = true;
      }
    }
  }
  *value = std::string(v);
  return true;
}

std::optional<SyntaxError> lex(std::string_view q, std::vector<Token>* out) {
  size_t i = 0;
  int depth = 0;
  bool at_start = true;  // after white space, '(' or an operator: '+', '-' and '(' are operators here
  auto push = [&](Tok kind, std::string text, size_t pos) { out->push_back(Token{kind, std::move(text), "", pos}); };
  auto read_quoted = [&](size_t open, std::string* text) -> std::optional<SyntaxError> {
    const size_t close = q.find('"', open + 1);
    if (close == std::string_view::npos)
      return SyntaxError{"the quote at character " + std::to_string(open + 1) + " is never closed"};
    *text = std::string(q.substr(open + 1, close - open - 1));
    i = close + 1;
    return std::nullopt;
  };
  while (i < q.size()) {
    const char c = q[i];
    if (is_space(c)) {
      ++i;
      at_start = true;
      continue;
    }
    if (c == '(' && at_start) {
      push(Tok::kLParen, "(", i++);
      ++depth;
      continue;
    }
    if (c == ')' && depth > 0) {
      push(Tok::kRParen, ")", i++);
      --depth;
      at_start = false;
      continue;
    }
    if (c == '"') {
      const size_t pos = i;
      std::string text;
      if (auto err = read_quoted(i, &text)) return err;
      push(Tok::kPhrase, std::move(text), pos);
      at_start = false;
      continue;
    }
    if ((c == '+' || c == '-') && at_start && i + 1 < q.size() && !is_space(q[i + 1]) && q[i + 1] != ')' &&
        q[i + 1] != '+' && q[i + 1] != '-') {
      push(c == '+' ? Tok::kPlus : Tok::kMinus, std::string(1, c), i++);
      continue;  // still at the start of what it applies to
    }
    const size_t start = i;
    size_t j = i;
    bool quoted_field = false;
    while (j < q.size() && !is_space(q[j]) && q[j] != '"' && !(q[j] == ')' && depth > 0)) {
      if (q[j] == ':' && j + 1 < q.size() && q[j + 1] == '"' && storage::is_field_name(q.substr(start, j - start))) {
        quoted_field = true;
        break;
      }
      ++j;
    }
    at_start = false;
    if (quoted_field) {  // name:"a value with spaces"
      Token t{Tok::kField, "", std::string(q.substr(start, j - start)), start};
      i = j + 1;
      if (auto err = read_quoted(j + 1, &t.text)) return err;
      out->push_back(std::move(t));
      continue;
    }
    const std::string_view word = q.substr(start, j - start);
    i = j;
    if (word == "AND" || word == "&&") {
      push(Tok::kAnd, std::string(word), start);
      at_start = true;
    } else if (word == "OR" || word == "||") {
      push(Tok::kOr, std::string(word), start);
      at_start = true;
    } else if (word == "NOT") {
      push(Tok::kNot, std::string(word), start);
      at_start = true;
    } else {
      Token t{Tok::kWord, std::string(word), "", start};
      std::string name, value;
      if (split_field(word, &name, &value)) {
        t.kind = Tok::kField;
        t.field = std::move(name);
        t.text = std::move(value);
      }
      out->push_back(std::move(t));
    }
  }
  if (depth > 0) return SyntaxError{"a parenthesis is never closed"};
  out->push_back(Token{Tok::kEnd, "", "", q.size()});
  return std::nullopt;
}

// ---- parser ------------------------------------------------------------

struct Node {
  enum class Kind { kWord, kPhrase, kField, kMust, kMustNot, kGroup, kAnd, kOr, kSeq };
  Kind kind = Kind::kWord;
  std::string text;   // word, phrase, field value
  std::string field;  // kField
  std::vector<Node> kids;
};

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

  std::optional<SyntaxError> parse(Node* out) {
    auto err = parse_or(out);
    if (!err && peek().kind != Tok::kEnd) err = SyntaxError{"unexpected \"" + peek().text + "\"" + at(peek())};
    return err;
  }

 private:
  const Token& peek() const { return t_[i_]; }
  static std::string at(const Token& t) { return " at character " + std::to_string(t.pos + 1); }
  static bool ends_operand(Tok k) { return k == Tok::kEnd || k == Tok::kRParen || k == Tok::kOr || k == Tok::kAnd; }

  // operand (op operand)*: OR over sequences, AND over unary terms.
  using Rule = std::optional<SyntaxError> (Parser::*)(Node*);
  std::optional<SyntaxError> parse_chain(Tok op, Node::Kind kind, Rule operand, Node* out) {
    Node first;
    if (auto err = (this->*operand)(&first)) return err;
    std::vector<Node> kids{std::move(first)};
    while (peek().kind == op) {
      const Token& t = t_[i_++];
      if (ends_operand(peek().kind)) return SyntaxError{"\"" + t.text + "\"" + at(t) + " has nothing after it"};
      Node next;
      if (auto err = (this->*operand)(&next)) return err;
      kids.push_back(std::move(next));
    }
    *out = kids.size() == 1 ? std::move(kids[0]) : Node{kind, "", "", std::move(kids)};
    return std::nullopt;
  }

  std::optional<SyntaxError> parse_or(Node* out) {
    return parse_chain(Tok::kOr, Node::Kind::kOr, &Parser::parse_seq, out);
  }

  std::optional<SyntaxError> parse_seq(Node* out) {
    std::vector<Node> kids;
    while (!ends_operand(peek().kind)) {
      Node n;
      if (auto err = parse_and(&n)) return err;
      kids.push_back(std::move(n));
    }
    if (kids.empty()) {
      const Token& t = peek();
      if (t.kind == Tok::kEnd) return SyntaxError{"nothing to search for"};
      if (t.kind == Tok::kRParen) return SyntaxError{"empty parentheses" + at(t)};
      return SyntaxError{"\"" + t.text + "\"" + at(t) + " has nothing before it"};
    }
    *out = kids.size() == 1 ? std::move(kids[0]) : Node{Node::Kind::kSeq, "", "", std::move(kids)};
    return std::nullopt;
  }

  std::optional<SyntaxError> parse_and(Node* out) {
    return parse_chain(Tok::kAnd, Node::Kind::kAnd, &Parser::parse_unary, out);
  }

  std::optional<SyntaxError> parse_unary(Node* out) {
    const Token& t = peek();
    if (t.kind == Tok::kPlus || t.kind == Tok::kMinus || t.kind == Tok::kNot) {
      ++i_;
      if (ends_operand(peek().kind)) return SyntaxError{"\"" + t.text + "\"" + at(t) + " has nothing after it"};
      Node inner;
      if (auto err = parse_unary(&inner)) return err;
      *out = Node{t.kind == Tok::kPlus ? Node::Kind::kMust : Node::Kind::kMustNot, "", "", {std::move(inner)}};
      return std::nullopt;
    }
    return parse_primary(out);
  }

  std::optional<SyntaxError> parse_primary(Node* out) {
    const Token& t = t_[i_++];
    switch (t.kind) {
      case Tok::kLParen: {
        Node inner;
        if (auto err = parse_or(&inner)) return err;
        if (peek().kind != Tok::kRParen) return SyntaxError{"the parenthesis" + at(t) + " is never closed"};
        ++i_;
        *out = Node{Node::Kind::kGroup, "", "", {std::move(inner)}};
        return std::nullopt;
      }
      case Tok::kWord: *out = Node{Node::Kind::kWord, t.text, "", {}}; return std::nullopt;
      case Tok::kPhrase: *out = Node{Node::Kind::kPhrase, t.text, "", {}}; return std::nullopt;
      case Tok::kField: *out = Node{Node::Kind::kField, t.text, t.field, {}}; return std::nullopt;
      default: return SyntaxError{"\"" + t.text + "\"" + at(t) + " is out of place"};
    }
  }

  const std::vector<Token>& t_;
  size_t i_ = 0;
};

// ---- values ------------------------------------------------------------

bool parse_number(std::string_view s, double* v) {
  if (s.empty()) return false;
  const std::string str(s);
  char* end = nullptr;
  *v = std::strtod(str.c_str(), &end);
  return end == str.c_str() + str.size() && std::isfinite(*v);
}

// A value as the closed interval it names: a number [v, v]; a date period
// [start, end - 1] in seconds.
using Reader = bool (*)(std::string_view, double*, double*);

bool read_number(std::string_view s, double* lo, double* hi) {
  if (!parse_number(s, lo)) return false;
  *hi = *lo;
  return true;
}

bool read_date(std::string_view s, double* lo, double* hi) {
  double start = 0, end = 0;
  if (!parse_date_period(s, &start, &end)) return false;
  *lo = start;
  *hi = end - 1;
  return true;
}

// `value` as [low, high]: "a..b", "a..", "..b", ">=a", ">a", "<=b", "<b",
// or one value. Strict bounds step by 1 s for dates, to the next double
// for numbers.
bool read_range(std::string_view value, Reader read, bool dates, double* low, double* high) {
  auto after = [&](double v) { return dates ? v + 1 : std::nextafter(v, kInf); };
  auto before = [&](double v) { return dates ? v - 1 : std::nextafter(v, -kInf); };
  double lo = 0, hi = 0;
  if (const size_t dots = value.find(".."); dots != std::string_view::npos) {
    const std::string_view a = value.substr(0, dots), b = value.substr(dots + 2);
    if (a.empty() && b.empty()) return false;
    *low = -kInf;
    *high = kInf;
    if (!a.empty()) {
      if (!read(a, &lo, &hi)) return false;
      *low = lo;
    }
    if (!b.empty()) {
      if (!read(b, &lo, &hi)) return false;
      *high = hi;
    }
    return *low <= *high;
  }
  for (std::string_view op : {">=", "<=", ">", "<"}) {
    if (value.substr(0, op.size()) != op) continue;
    if (!read(value.substr(op.size()), &lo, &hi)) return false;
    *low = -kInf;
    *high = kInf;
    if (op == ">=") *low = lo;
    if (op == ">") *low = after(hi);
    if (op == "<=") *high = hi;
    if (op == "<") *high = before(lo);
    return true;
  }
  if (!read(value, &lo, &hi)) return false;
  *low = lo;
  *high = hi;
  return true;
}

// ---- compiler ----------------------------------------------------------

class Compiler {
 public:
  Compiler(const SyntaxContext& ctx, ParsedSyntax* out) : ctx_(ctx), out_(out) {}

  void top(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kSeq:
        for (const auto& k : n.kids) top(k);
        return;
      case Node::Kind::kGroup:  // parentheses alone do not filter
        top(n.kids[0]);
        return;
      case Node::Kind::kWord: add_text(n.text); return;
      case Node::Kind::kOr:
        if (all_words(n)) {
          for (const auto& k : n.kids) top(k);
          return;
        }
        require(n, describe(n));
        return;
      case Node::Kind::kField: {
        std::optional<Condition> c = field_condition(n);
        if (c) {
          add_must(std::move(*c), describe(n));
        } else {
          add_text(n.field + " " + n.text);
        }
        return;
      }
      case Node::Kind::kMustNot: {
        std::optional<Condition> c = condition(n.kids[0]);
        if (c) add_must(Condition::negate(std::move(*c)), describe(n));
        return;
      }
      case Node::Kind::kMust: require(n.kids[0], describe(n)); return;
      case Node::Kind::kPhrase:
      case Node::Kind::kAnd: require(n, describe(n)); return;
    }
  }

 private:
  void add_text(const std::string& s) {
    if (s.empty()) return;
    if (!out_->text.empty()) out_->text += ' ';
    out_->text += s;
  }
  void add_must(Condition c, std::string described) {
    out_->must.push_back(std::move(c));
    out_->described.push_back(std::move(described));
  }
  void warn(std::string w) {
    for (const auto& x : out_->warnings)
      if (x == w) return;
    out_->warnings.push_back(std::move(w));
  }
  // `n` must hold; its words count for relevance.
  void require(const Node& n, std::string described) {
    std::optional<Condition> c = condition(n);
    if (c) add_must(std::move(*c), std::move(described));
    add_text(positive_text(n));
  }

  static bool all_words(const Node& n) {
    if (n.kind == Node::Kind::kWord) return true;
    if (n.kind == Node::Kind::kGroup || n.kind == Node::Kind::kOr || n.kind == Node::Kind::kSeq) {
      for (const auto& k : n.kids)
        if (!all_words(k)) return false;
      return true;
    }
    return false;
  }

  std::vector<std::string> analyze(std::string_view s) const {
    if (ctx_.analyze) return ctx_.analyze(s);
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
      if (is_space(c)) {
        if (!cur.empty()) out.push_back(core::ascii_lower(cur));
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty()) out.push_back(core::ascii_lower(cur));
    return out;
  }

  std::optional<Condition> condition(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kWord: {
        auto terms = analyze(n.text);
        if (terms.empty()) return std::nullopt;  // punctuation: nothing to hold
        return Condition::all_terms(std::move(terms));
      }
      case Node::Kind::kPhrase: {
        auto terms = analyze(n.text);
        if (terms.empty()) return std::nullopt;
        if (ctx_.fields != nullptr && !ctx_.fields->positions) {
          warn(
              "this index was built without word positions: phrases match their words anywhere in a passage "
              "(kbseek check --index DIR --repair adds them)");
          return Condition::all_terms(std::move(terms));
        }
        return Condition::phrase(std::move(terms));
      }
      case Node::Kind::kField: {
        std::optional<Condition> c = field_condition(n);
        if (c) return c;
        auto terms = analyze(n.field + " " + n.text);
        if (terms.empty()) return std::nullopt;
        return Condition::all_terms(std::move(terms));
      }
      case Node::Kind::kMust:
      case Node::Kind::kGroup: return condition(n.kids[0]);
      case Node::Kind::kMustNot: {
        std::optional<Condition> c = condition(n.kids[0]);
        if (!c) return std::nullopt;
        return Condition::negate(std::move(*c));
      }
      case Node::Kind::kAnd:
      case Node::Kind::kOr:
      case Node::Kind::kSeq: {
        // In a sequence, +/- parts decide when there are any (the rest only
        // ranks); otherwise any part will do.
        bool has_required = false;
        if (n.kind == Node::Kind::kSeq)
          for (const auto& k : n.kids)
            has_required = has_required || k.kind == Node::Kind::kMust || k.kind == Node::Kind::kMustNot;
        std::vector<Condition> kids;
        for (const auto& k : n.kids) {
          if (has_required && k.kind != Node::Kind::kMust && k.kind != Node::Kind::kMustNot) continue;
          if (auto c = condition(k)) kids.push_back(std::move(*c));
        }
        if (kids.empty()) return std::nullopt;
        if (kids.size() == 1) return std::move(kids[0]);
        return n.kind == Node::Kind::kAnd || has_required ? Condition::all_of(std::move(kids))
                                                          : Condition::any_of(std::move(kids));
      }
    }
    return std::nullopt;
  }

  // A field's condition, or nullopt (with a warning) when it is searched as words.
  std::optional<Condition> field_condition(const Node& n) {
    const std::string name = core::ascii_lower(n.field);
    const std::string& value = n.text;
    const std::string written = n.field + ":" + value;
    if (name == "entity")
      return Condition::all_terms({storage::entity_filter_term(storage::entity_filter_value(value))});
    if (name == "type") return Condition::all_terms({storage::entity_type_filter_term(value)});
    if (name == "lang") return Condition::all_terms({storage::language_filter_term(core::ascii_lower(value))});
    if (name == "time") {
      double low = 0, high = 0;
      if (!read_range(value, read_date, /*dates=*/true, &low, &high)) {
        warn("\"" + written + "\" is not a date or a range of dates (2024, 2024-06, 2024-06-30, a..b, >=a); " +
             "searched as words");
        return std::nullopt;
      }
      return Condition::range("time", low, high);
    }
    auto it = ctx_.fields == nullptr ? std::map<std::string, bool>::const_iterator{} : ctx_.fields->fields.find(name);
    if (ctx_.fields == nullptr || it == ctx_.fields->fields.end()) {
      warn("no field \"" + name + "\" in this index; \"" + written + "\" searched as words");
      return std::nullopt;
    }
    const bool numeric = it->second;
    const bool range_syntax = value.find("..") != std::string::npos || value[0] == '>' || value[0] == '<';
    double low = 0, high = 0;
    if (numeric && read_range(value, read_number, /*dates=*/false, &low, &high)) {
      if (range_syntax) return Condition::range(name, low, high);
      // One number: as a number (100 finds 100.0), or as written.
      return Condition::any_of(
          {Condition::range(name, low, high), Condition::all_terms({storage::field_filter_term(name, value)})});
    }
    if (range_syntax) {
      warn(numeric ? "\"" + written + "\" is not a number or a range of numbers; searched as words"
                   : "field \"" + name + "\" holds no numbers; \"" + written + "\" searched as words");
      return std::nullopt;
    }
    return Condition::all_terms({storage::field_filter_term(name, value)});
  }

  static std::string positive_text(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kWord:
      case Node::Kind::kPhrase: return n.text;
      case Node::Kind::kField:
      case Node::Kind::kMustNot: return "";
      case Node::Kind::kMust:
      case Node::Kind::kGroup: return positive_text(n.kids[0]);
      default: {
        std::string out;
        for (const auto& k : n.kids) {
          const std::string t = positive_text(k);
          if (t.empty()) continue;
          if (!out.empty()) out += ' ';
          out += t;
        }
        return out;
      }
    }
  }

  std::string describe(const Node& n) const {
    switch (n.kind) {
      case Node::Kind::kWord: return n.text;
      case Node::Kind::kPhrase: return "\"" + n.text + "\"";
      case Node::Kind::kField: {
        const std::string name = core::ascii_lower(n.field);
        if (name == "entity") return "entity:" + storage::entity_filter_value(n.text);
        return name + ":" + n.text;
      }
      case Node::Kind::kMust: return "+" + describe(n.kids[0]);
      case Node::Kind::kMustNot: return "-" + describe(n.kids[0]);
      case Node::Kind::kGroup: return "(" + describe(n.kids[0]) + ")";
      default: {
        const char* sep = n.kind == Node::Kind::kAnd ? " AND " : n.kind == Node::Kind::kOr ? " OR " : " ";
        std::string out;
        for (const auto& k : n.kids) out += (out.empty() ? "" : sep) + describe(k);
        return out;
      }
    }
  }

  const SyntaxContext& ctx_;
  ParsedSyntax* out_;
};

std::string collapse_spaces(std::string_view raw) {
  std::string out;
  size_t i = 0;
  while (i < raw.size()) {
    while (i < raw.size() && is_space(raw[i])) ++i;
    size_t j = i;
    while (j < raw.size() && !is_space(raw[j])) ++j;
    if (j > i) {
      if (!out.empty()) out += ' ';
      out.append(raw.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

}  // namespace

bool parse_date_period(std::string_view s, double* start, double* end) {
  int parts[3] = {0, 0, 0};
  int n = 0;
  size_t i = 0;
  while (i < s.size() && n < 3) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    const size_t len = j - i;
    if (len == 0 || (n == 0 && len != 4) || (n > 0 && len > 2)) return false;
    parts[n++] = std::atoi(std::string(s.substr(i, len)).c_str());
    if (j == s.size()) {
      i = j;
      break;
    }
    if (s[j] != '-' && s[j] != '/' && s[j] != '.') return false;
    i = j + 1;
    if (i == s.size()) return false;
  }
  if (i != s.size() || n == 0) return false;
  const int y = parts[0], m = n >= 2 ? parts[1] : 1, d = n == 3 ? parts[2] : 1;
  if (m < 1 || m > 12 || d < 1) return false;
  if (d > core::days_in_month(y, static_cast<unsigned>(m))) return false;
  const int64_t first = core::days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  int64_t after = 0;
  if (n == 1)
    after = core::days_from_civil(y + 1, 1, 1);
  else if (n == 2)
    after = m == 12 ? core::days_from_civil(y + 1, 1, 1) : core::days_from_civil(y, static_cast<unsigned>(m + 1), 1);
  else
    after = first + 1;
  *start = static_cast<double>(first) * 86400;
  *end = static_cast<double>(after) * 86400;
  return true;
}

ParsedSyntax parse_syntax(std::string_view raw, const SyntaxContext& context) {
  ParsedSyntax out;
  std::vector<Token> tokens;
  std::optional<SyntaxError> err = lex(raw, &tokens);
  Node root;
  if (!err) {
    if (tokens.size() == 1) return out;  // nothing but white space
    err = Parser(tokens).parse(&root);
  }
  if (err) {
    // Broken structure: the whole query as plain words.
    out.text = collapse_spaces(raw);
    out.warnings.push_back("query syntax: " + err->message + "; searched as plain text");
    return out;
  }
  Compiler(context, &out).top(root);
  return out;
}

}  // namespace kbseek::query
