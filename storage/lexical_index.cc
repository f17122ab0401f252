// Condition constructors.
#include "storage/lexical_index.h"

namespace kbseek::storage {

Condition Condition::all_terms(std::vector<std::string> terms) {
  Condition c;
  c.kind = Kind::kAllTerms;
  c.terms = std::move(terms);
  return c;
}

Condition Condition::phrase(std::vector<std::string> terms) {
  Condition c;
  c.kind = Kind::kPhrase;
  c.terms = std::move(terms);
  return c;
}

Condition Condition::range(std::string field, double low, double high) {
  Condition c;
  c.kind = Kind::kRange;
  c.field = std::move(field);
  c.low = low;
  c.high = high;
  return c;
}

Condition Condition::all_of(std::vector<Condition> children) {
  Condition c;
  c.kind = Kind::kAll;
  c.children = std::move(children);
  return c;
}

Condition Condition::any_of(std::vector<Condition> children) {
  Condition c;
  c.kind = Kind::kAny;
  c.children = std::move(children);
  return c;
}

Condition Condition::negate(Condition child) {
  Condition c;
  c.kind = Kind::kNot;
  c.children.push_back(std::move(child));
  return c;
}

}  // namespace kbseek::storage
