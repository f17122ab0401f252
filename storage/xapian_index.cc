// Xapian adapter: every Xapian exception stops here and becomes a Status.
#include "storage/xapian_index.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <new>
#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "core/utf8.h"
#include "storage/stop_words.h"

namespace kbseek::storage {
namespace {

constexpr Xapian::valueno kChunkIdSlot = 0;
constexpr Xapian::valueno kTimeSlot = 1;         // the document's timestamp
constexpr Xapian::valueno kFirstFieldSlot = 10;  // numeric metadata fields from here
constexpr const char* kFieldsKey = "kbseek.fields";

// The registry of fields kept in the database's metadata:
// {"positions": true, "fields": {"dept": 0, "price": 10, "time": 1}} (a
// field's value slot; 0 for a field never seen as a number).
struct Registry {
  bool positions = false;
  std::map<std::string, unsigned> slots;
};

Registry parse_registry(const std::string& text) {
  Registry r;
  if (text.empty()) return r;  // made before fields and positions were stored
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return r;
  r.positions = j.value("positions", false);
  if (j.contains("fields") && j["fields"].is_object())
    for (const auto& [name, slot] : j["fields"].items())
      if (slot.is_number_unsigned()) r.slots[name] = slot.get<unsigned>();
  return r;
}

std::string registry_json(bool positions, const std::map<std::string, unsigned>& slots) {
  nlohmann::json j = {{"positions", positions}, {"fields", nlohmann::json::object()}};
  for (const auto& [name, slot] : slots) j["fields"][name] = slot;
  return j.dump();
}

// A condition as a Xapian query: boolean (no weight of its own).
Xapian::Query compile(const Condition& c, const std::map<std::string, unsigned>& slots) {
  using Q = Xapian::Query;
  switch (c.kind) {
    case Condition::Kind::kAllTerms: {
      if (c.terms.empty()) return Q::MatchAll;
      return Q(Q::OP_AND, c.terms.begin(), c.terms.end());
    }
    case Condition::Kind::kPhrase: {
      if (c.terms.empty()) return Q::MatchAll;
      if (c.terms.size() == 1) return Q(c.terms[0]);
      return Q(Q::OP_PHRASE, c.terms.begin(), c.terms.end(), static_cast<Xapian::termcount>(c.terms.size()));
    }
    case Condition::Kind::kRange: {
      auto it = slots.find(c.field);
      if (it == slots.end() || it->second == 0) return Q::MatchNothing;
      const bool open_low = std::isinf(c.low) && c.low < 0, open_high = std::isinf(c.high) && c.high > 0;
      if (open_low && open_high) return Q(Q::OP_VALUE_GE, it->second, Xapian::sortable_serialise(-HUGE_VAL));
      if (open_low) return Q(Q::OP_VALUE_LE, it->second, Xapian::sortable_serialise(c.high));
      if (open_high) return Q(Q::OP_VALUE_GE, it->second, Xapian::sortable_serialise(c.low));
      return Q(Q::OP_VALUE_RANGE, it->second, Xapian::sortable_serialise(c.low), Xapian::sortable_serialise(c.high));
    }
    case Condition::Kind::kNot: {
      if (c.children.empty()) return Q::MatchAll;
      return Q(Q::OP_AND_NOT, Q::MatchAll, compile(c.children[0], slots));
    }
    case Condition::Kind::kAll: {
      std::vector<Q> yes, no;
      for (const auto& child : c.children) {
        if (child.kind == Condition::Kind::kNot && !child.children.empty()) {
          no.push_back(compile(child.children[0], slots));
        } else {
          yes.push_back(compile(child, slots));
        }
      }
      Q q = yes.empty() ? Q::MatchAll : Q(Q::OP_AND, yes.begin(), yes.end());
      if (!no.empty()) q = Q(Q::OP_AND_NOT, q, Q(Q::OP_OR, no.begin(), no.end()));
      return q;
    }
    case Condition::Kind::kAny: {
      if (c.children.empty()) return Q::MatchNothing;
      std::vector<Q> parts;
      for (const auto& child : c.children) parts.push_back(compile(child, slots));
      return Q(Q::OP_OR, parts.begin(), parts.end());
    }
  }
  return Q::MatchNothing;
}

std::string unique_term(int64_t chunk_id) { return "Q" + std::to_string(chunk_id); }

core::Status from_xapian(const Xapian::Error& e, const std::string& op, const std::string& path) {
  std::string msg = "xapian " + op + " " + path + ": " + e.get_type() + ": " + e.get_msg();
  if (e.get_error_string() != nullptr) msg += std::string(" (") + e.get_error_string() + ")";
  const std::string type = e.get_type();
  if (type == "DatabaseLockError") return core::Status::unavailable(msg + " (another writer has this index open)");
  if (type == "DatabaseNotFoundError") return core::Status::not_found(msg);
  if (type == "DatabaseCorruptError") return core::Status::corruption(msg);
  if (type == "DatabaseVersionError") return core::Status::failed_precondition(msg);
  if (type == "DatabaseModifiedError") return core::Status::unavailable(msg);
  if (type == "InvalidArgumentError" || type == "InvalidOperationError") return core::Status::invalid_argument(msg);
  return core::Status::io_error(msg);
}

// Runs `fn`, turning Xapian and allocation failures into a Status.
template <typename Fn>
core::Status guarded(const std::string& op, const std::string& path, Fn&& fn) {
  try {
    return fn();
  } catch (const Xapian::Error& e) {
    return from_xapian(e, op, path);
  } catch (const std::bad_alloc&) {
    return core::Status::resource_exhausted("xapian " + op + " " + path + ": out of memory");
  } catch (const std::exception& e) {
    return core::Status::internal("xapian " + op + " " + path + ": " + e.what());
  }
}

// OR of the terms, each weighted by its count in the query. On a large
// collection (XapianOptions::common_terms_from) the terms in more than
// common_term_share of the chunks only add weight to chunks a rarer term
// matched (OP_AND_MAYBE), so their long posting lists are skipped through,
// not walked.
Xapian::Query build_query(const std::vector<std::string>& terms, const Xapian::Database& db, const XapianOptions& o) {
  std::map<std::string, Xapian::termcount> wqf;
  for (const auto& t : terms) ++wqf[t];
  const Xapian::doccount n = db.get_doccount();
  const bool large = static_cast<int64_t>(n) >= o.common_terms_from && o.common_term_share > 0;
  const double limit = large ? o.common_term_share * n : 0;
  std::vector<Xapian::Query> rare, common;
  for (const auto& [term, count] : wqf) {
    if (limit > 0 && db.get_termfreq(term) > limit)
      common.emplace_back(term, count);
    else
      rare.emplace_back(term, count);
  }
  if (rare.empty() || common.empty()) {
    rare.insert(rare.end(), common.begin(), common.end());
    return Xapian::Query(Xapian::Query::OP_OR, rare.begin(), rare.end());
  }
  return Xapian::Query(Xapian::Query::OP_AND_MAYBE, Xapian::Query(Xapian::Query::OP_OR, rare.begin(), rare.end()),
                       Xapian::Query(Xapian::Query::OP_OR, common.begin(), common.end()));
}

// Scored terms among the chunks where every condition holds.
Xapian::Query build_query(const std::vector<std::string>& terms, const std::vector<Condition>& must,
                          const std::map<std::string, unsigned>& slots, const Xapian::Database& db,
                          const XapianOptions& o) {
  if (must.empty()) return build_query(terms, db, o);
  Condition all;
  all.kind = Condition::Kind::kAll;
  all.children = must;
  const Xapian::Query filter = compile(all, slots);
  if (terms.empty()) return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, filter, 0);
  return Xapian::Query(Xapian::Query::OP_FILTER, build_query(terms, db, o), filter);
}

// A ChunkFilter as Xapian's MatchDecider: it reads each candidate's chunk
// id from its value slot.
class AllowDecider : public Xapian::MatchDecider {
 public:
  explicit AllowDecider(const ChunkFilter* allow) : allow_(allow) {}
  bool operator()(const Xapian::Document& doc) const override {
    const std::string id = doc.get_value(kChunkIdSlot);
    return !id.empty() && allow_->allows(std::stoll(id));
  }

 private:
  const ChunkFilter* allow_;
};

// enquire.get_mset(0, k), through `allow` when there is one.
Xapian::MSet top_k(Xapian::Enquire& enquire, int k, const ChunkFilter* allow) {
  if (allow == nullptr) return enquire.get_mset(0, static_cast<Xapian::doccount>(k));
  const AllowDecider decider(allow);
  return enquire.get_mset(0, static_cast<Xapian::doccount>(k), 0, nullptr, &decider);
}

core::Result<std::vector<Hit>> run_query(const Xapian::Database& db, const Xapian::Query& query, const XapianOptions& o,
                                         int k, const ChunkFilter* allow) {
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  enquire.set_weighting_scheme(Xapian::BM25Weight(o.k1, 0, 1, o.b, 0.5));
  Xapian::MSet mset = top_k(enquire, k, allow);
  std::vector<Hit> hits;
  hits.reserve(mset.size());
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    const std::string id = it.get_document().get_value(kChunkIdSlot);
    hits.push_back(Hit{std::stoll(id), static_cast<float>(it.get_weight())});
  }
  return hits;
}

}  // namespace

XapianIndex::XapianIndex(std::string path, Mode mode, XapianOptions options, Analyzer analyzer)
    : path_(std::move(path)), mode_(mode), options_(options), analyzer_(std::move(analyzer)) {}

XapianIndex::~XapianIndex() {
  // An open transaction is cancelled (not committed) when the database is
  // closed, which is the documented "destroying discards" behaviour.
  try {
    if (writer_) writer_->close();
  } catch (const Xapian::Error&) {
  }
}

core::Result<std::unique_ptr<XapianIndex>> XapianIndex::open(const std::string& path, Mode mode,
                                                             XapianOptions options) {
  KB_ASSIGN_OR_RETURN(Analyzer analyzer, Analyzer::create(options.analyzer));
  std::unique_ptr<XapianIndex> index(new XapianIndex(path, mode, options, std::move(analyzer)));
  KB_RETURN_IF_ERROR(guarded("open", path, [&] {
    if (mode == Mode::kReadOnly) {
      index->idle_readers_.push_back(std::make_unique<Xapian::Database>(path));
    } else {
      int flags = (mode == Mode::kOverwrite ? Xapian::DB_CREATE_OR_OVERWRITE : Xapian::DB_CREATE_OR_OPEN) |
                  Xapian::DB_BACKEND_GLASS;
      index->writer_ = std::make_unique<Xapian::WritableDatabase>(path, flags);
      // An empty database is written with positions from the start; one
      // made before they were keeps saying it has none.
      Registry r = parse_registry(index->writer_->get_metadata(kFieldsKey));
      index->positions_ = r.positions || index->writer_->get_doccount() == 0;
      index->slots_ = std::move(r.slots);
      index->fields_dirty_ = !r.positions && index->positions_;
    }
    return core::Status::ok();
  }));
  return index;
}

core::Status XapianIndex::begin_if_needed() {
  if (!writer_) return core::Status::failed_precondition("xapian " + path_ + ": opened read-only");
  if (!in_transaction_) {
    writer_->begin_transaction(/*flushed=*/true);
    in_transaction_ = true;
  }
  return core::Status::ok();
}

core::Status XapianIndex::add(int64_t chunk_id, std::string_view title, std::string_view text,
                              const ChunkFields& fields) {
  std::lock_guard<std::mutex> lock(mu_);
  return guarded("add chunk " + std::to_string(chunk_id), path_, [&] {
    KB_RETURN_IF_ERROR(begin_if_needed());
    Xapian::Document doc;
    if (options_.title_wdf > 0) {
      for (const auto& term : analyzer_.analyze(title)) doc.add_term(term, options_.title_wdf);
    }
    Xapian::termpos pos = 0;
    for (const auto& term : analyzer_.analyze(text)) doc.add_posting(term, ++pos);
    const std::string id_term = unique_term(chunk_id);
    doc.add_boolean_term(id_term);
    for (const auto& t : fields.filter_terms)
      if (!t.empty() && t.size() <= 240) doc.add_boolean_term(t);
    for (const auto& [name, value] : fields.values) {
      if (slots_.emplace(name, 0).second) fields_dirty_ = true;
      const std::string t = field_filter_term(name, value);
      if (!value.empty()) doc.add_boolean_term(t);
    }
    for (const auto& [name, number] : fields.numbers) {
      unsigned& slot = slots_[name];
      if (slot == 0) {
        if (name == "time") {
          slot = kTimeSlot;
        } else {
          unsigned next = kFirstFieldSlot;
          for (const auto& [n, s] : slots_) next = std::max(next, s + 1);
          slot = next;
        }
        fields_dirty_ = true;
      }
      if (std::isfinite(number)) doc.add_value(slot, Xapian::sortable_serialise(number));
    }
    doc.add_value(kChunkIdSlot, std::to_string(chunk_id));
    writer_->replace_document(id_term, doc);
    return core::Status::ok();
  });
}

core::Status XapianIndex::remove(int64_t chunk_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return guarded("remove chunk " + std::to_string(chunk_id), path_, [&] {
    KB_RETURN_IF_ERROR(begin_if_needed());
    writer_->delete_document(unique_term(chunk_id));
    return core::Status::ok();
  });
}

std::unique_ptr<Xapian::Database> XapianIndex::take_reader() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return db;
    }
  }
  return std::make_unique<Xapian::Database>(path_);  // may throw; caller guards
}

void XapianIndex::return_reader(std::unique_ptr<Xapian::Database> db) const {
  std::lock_guard<std::mutex> lock(mu_);
  idle_readers_.push_back(std::move(db));
}

QueryTerms XapianIndex::query_terms(std::string_view query) const {
  QueryTerms out;
  out.variants = analyzer_.regional_variants(query);
  out.search = analyzer_.analyze_query(query, out.variants);
  if (options_.drop_stop_words) out.search = drop_stop_words(out.search);
  out.known = analyzer_.analyze(query);
  return out;
}

namespace {
// The first terms, for error messages.
std::string describe_terms(const std::vector<std::string>& terms) {
  std::string out;
  for (const auto& t : terms) {
    if (out.size() > 80) return out + " …";
    out += (out.empty() ? "" : " ") + t;
  }
  return out;
}
}  // namespace

core::Result<std::vector<Hit>> XapianIndex::search(const LexicalQuery& query, int k, const ChunkFilter* allow) const {
  if (k <= 0) return core::Status::invalid_argument("lexical search: k must be positive, got " + std::to_string(k));
  const std::vector<std::string>& terms = query.terms;
  if (terms.empty() && query.must.empty()) return std::vector<Hit>{};
  std::vector<Hit> hits;
  const std::string op = "search \"" + describe_terms(terms) + "\" in";
  core::Status st = guarded(op, path_, [&]() -> core::Status {
    if (writer_) {
      std::lock_guard<std::mutex> lock(mu_);
      const Xapian::Query q = build_query(terms, query.must, slots_, *writer_, options_);
      KB_ASSIGN_OR_RETURN(hits, run_query(*writer_, q, options_, k, allow));
      return core::Status::ok();
    }
    std::unique_ptr<Xapian::Database> db = take_reader();
    // A writer committing twice during a long search invalidates the
    // revision being read (DatabaseModifiedError): reopen and retry once.
    for (int attempt = 0;; ++attempt) {
      try {
        db->reopen();
        const std::map<std::string, unsigned> slots =
            query.must.empty() ? std::map<std::string, unsigned>{} : parse_registry(db->get_metadata(kFieldsKey)).slots;
        const Xapian::Query q = build_query(terms, query.must, slots, *db, options_);
        KB_ASSIGN_OR_RETURN(hits, run_query(*db, q, options_, k, allow));
        break;
      } catch (const Xapian::DatabaseModifiedError&) {
        if (attempt == 1) throw;
      }
    }
    return_reader(std::move(db));
    return core::Status::ok();
  });
  if (!st.is_ok()) return st;
  return hits;
}

core::Status XapianIndex::read_with(const std::string& op,
                                    const std::function<void(const Xapian::Database&)>& fn) const {
  return guarded(op, path_, [&]() -> core::Status {
    if (writer_) {
      std::lock_guard<std::mutex> lock(mu_);
      fn(*writer_);
      return core::Status::ok();
    }
    std::unique_ptr<Xapian::Database> db = take_reader();
    db->reopen();  // see the latest commit
    fn(*db);
    return_reader(std::move(db));
    return core::Status::ok();
  });
}

core::Result<std::vector<Hit>> XapianIndex::search_any(const std::vector<std::string>& terms, int k,
                                                       const std::vector<Condition>& must,
                                                       const ChunkFilter* allow) const {
  if (terms.empty() || k <= 0) return std::vector<Hit>{};
  std::vector<Hit> hits;
  auto run = [&](const Xapian::Database& db) {
    Xapian::Query xq(Xapian::Query::OP_OR, terms.begin(), terms.end());
    if (!must.empty()) {
      const auto slots = writer_ ? slots_ : parse_registry(db.get_metadata(kFieldsKey)).slots;
      Condition all;
      all.kind = Condition::Kind::kAll;
      all.children = must;
      xq = Xapian::Query(Xapian::Query::OP_FILTER, xq, compile(all, slots));
    }
    Xapian::Enquire enquire(db);
    enquire.set_query(xq);
    enquire.set_weighting_scheme(Xapian::CoordWeight());  // one point per term held
    Xapian::MSet mset = top_k(enquire, k, allow);
    hits.clear();
    for (auto it = mset.begin(); it != mset.end(); ++it)
      hits.push_back(Hit{std::stoll(it.get_document().get_value(kChunkIdSlot)), static_cast<float>(it.get_weight())});
  };
  core::Status st = read_with("search terms in", run);
  if (!st.is_ok()) return st;
  return hits;
}

core::Result<IndexedFields> XapianIndex::indexed_fields() const {
  IndexedFields out;
  if (writer_) {
    std::lock_guard<std::mutex> lock(mu_);
    out.positions = positions_;
    for (const auto& [name, slot] : slots_) out.fields[name] = slot != 0;
    return out;
  }
  std::string text;
  KB_RETURN_IF_ERROR(
      read_with("read fields of", [&](const Xapian::Database& db) { text = db.get_metadata(kFieldsKey); }));
  const Registry r = parse_registry(text);
  out.positions = r.positions;
  for (const auto& [name, slot] : r.slots) out.fields[name] = slot != 0;
  return out;
}

core::Result<double> XapianIndex::known_share(const std::vector<std::string>& query_terms) const {
  std::vector<std::string> terms = query_terms;
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  if (terms.empty()) return 0.0;
  size_t known = 0;
  auto count = [&](const Xapian::Database& db) {
    known = 0;
    for (const auto& t : terms) known += db.term_exists(t) ? 1 : 0;
  };
  core::Status st = read_with("look up terms \"" + describe_terms(terms) + "\" in", count);
  if (!st.is_ok()) return st;
  return static_cast<double>(known) / static_cast<double>(terms.size());
}

core::Status XapianIndex::commit() {
  std::lock_guard<std::mutex> lock(mu_);
  return guarded("commit", path_, [&] {
    if (!writer_) return core::Status::failed_precondition("xapian " + path_ + ": opened read-only");
    if (fields_dirty_) {
      if (!in_transaction_) {
        writer_->begin_transaction(/*flushed=*/true);
        in_transaction_ = true;
      }
      writer_->set_metadata(kFieldsKey, registry_json(positions_, slots_));
      fields_dirty_ = false;
    }
    if (in_transaction_) {
      writer_->commit_transaction();
      in_transaction_ = false;
    } else {
      writer_->commit();
    }
    return core::Status::ok();
  });
}

core::Status XapianIndex::cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  return guarded("cancel", path_, [&] {
    if (writer_ && in_transaction_) {
      writer_->cancel_transaction();
      in_transaction_ = false;
    }
    return core::Status::ok();
  });
}

int64_t XapianIndex::size() const {
  try {
    if (writer_) {
      std::lock_guard<std::mutex> lock(mu_);
      return writer_->get_doccount();
    }
    std::unique_ptr<Xapian::Database> db = take_reader();
    db->reopen();
    int64_t n = db->get_doccount();
    return_reader(std::move(db));
    return n;
  } catch (const Xapian::Error&) {
    return 0;
  }
}

core::Result<std::vector<int64_t>> XapianIndex::chunk_ids() const {
  std::vector<int64_t> ids;
  auto collect = [&](const Xapian::Database& db) {
    ids.clear();
    for (auto t = db.allterms_begin("Q"); t != db.allterms_end("Q"); ++t) ids.push_back(std::stoll((*t).substr(1)));
  };
  core::Status st = read_with("list chunks of", collect);
  if (!st.is_ok()) return st;
  std::sort(ids.begin(), ids.end());
  return ids;
}

core::Result<std::string> XapianIndex::get_metadata(const std::string& key) const {
  std::string value;
  core::Status st = read_with("get_metadata " + key, [&](const Xapian::Database& db) { value = db.get_metadata(key); });
  if (!st.is_ok()) return st;
  return value;
}

core::Status XapianIndex::set_metadata(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  return guarded("set_metadata " + key, path_, [&] {
    KB_RETURN_IF_ERROR(begin_if_needed());
    writer_->set_metadata(key, value);
    return core::Status::ok();
  });
}

std::string entity_filter_term(std::string_view value) {
  std::string t = "XE" + core::ascii_lower(value);
  if (t.size() > 200) t.resize(core::utf8_prefix_len(t, 200));
  return t;
}

std::string entity_type_filter_term(std::string_view type) { return "XT" + std::string(type.substr(0, 100)); }

std::string field_filter_term(std::string_view field, std::string_view value) {
  std::string t = "XF" + std::string(field) + "=" + core::ascii_lower(value);
  if (t.size() > 240) t.resize(core::utf8_prefix_len(t, 240));
  return t;
}

std::string language_filter_term(std::string_view language) { return "XL" + std::string(language.substr(0, 20)); }

}  // namespace kbseek::storage
