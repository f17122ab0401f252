// Xapian adapter: every Xapian exception stops here and becomes a Status.
#include "storage/xapian_index.h"

#include <xapian.h>

#include <algorithm>
#include <map>
#include <new>

#include "core/utf8.h"
#include "storage/stop_words.h"

namespace kbseek::storage {
namespace {

constexpr Xapian::valueno kChunkIdSlot = 0;

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

Xapian::Query build_query(const std::vector<std::string>& terms) {
  std::map<std::string, Xapian::termcount> wqf;
  for (const auto& t : terms) ++wqf[t];
  std::vector<Xapian::Query> parts;
  parts.reserve(wqf.size());
  for (const auto& [term, count] : wqf) parts.emplace_back(term, count);
  return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
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
                              const std::vector<std::string>& filter_terms) {
  std::lock_guard<std::mutex> lock(mu_);
  return guarded("add chunk " + std::to_string(chunk_id), path_, [&] {
    KB_RETURN_IF_ERROR(begin_if_needed());
    Xapian::Document doc;
    if (options_.title_wdf > 0) {
      for (const auto& term : analyzer_.analyze(title)) doc.add_term(term, options_.title_wdf);
    }
    for (const auto& term : analyzer_.analyze(text)) doc.add_term(term);
    const std::string id_term = unique_term(chunk_id);
    doc.add_boolean_term(id_term);
    for (const auto& t : filter_terms)
      if (!t.empty() && t.size() <= 240) doc.add_boolean_term(t);
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
  out.search = options_.drop_stop_words ? drop_stop_words(analyzer_.analyze_query(query)) : analyzer_.analyze_query(query);
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

core::Result<std::vector<Hit>> XapianIndex::search_terms(const std::vector<std::string>& terms, int k,
                                                         const std::vector<std::string>& filters,
                                                         const ChunkFilter* allow) const {
  if (k <= 0) return core::Status::invalid_argument("lexical search: k must be positive, got " + std::to_string(k));
  if (terms.empty() && filters.empty()) return std::vector<Hit>{};
  Xapian::Query xq;
  if (!filters.empty()) {
    const Xapian::Query filter(Xapian::Query::OP_AND, filters.begin(), filters.end());
    xq = terms.empty() ? Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, filter, 0)
                       : Xapian::Query(Xapian::Query::OP_FILTER, build_query(terms), filter);
  } else {
    xq = build_query(terms);
  }
  std::vector<Hit> hits;
  const std::string op = "search \"" + describe_terms(terms) + "\" in";
  core::Status st = guarded(op, path_, [&]() -> core::Status {
    if (writer_) {
      std::lock_guard<std::mutex> lock(mu_);
      KB_ASSIGN_OR_RETURN(hits, run_query(*writer_, xq, options_, k, allow));
      return core::Status::ok();
    }
    std::unique_ptr<Xapian::Database> db = take_reader();
    // A writer committing twice during a long search invalidates the
    // revision being read (DatabaseModifiedError): reopen and retry once.
    for (int attempt = 0;; ++attempt) {
      try {
        db->reopen();
        KB_ASSIGN_OR_RETURN(hits, run_query(*db, xq, options_, k, allow));
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

core::Status XapianIndex::read_with(const std::string& op, const std::function<void(const Xapian::Database&)>& fn) const {
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
                                                       const ChunkFilter* allow) const {
  if (terms.empty() || k <= 0) return std::vector<Hit>{};
  const Xapian::Query xq(Xapian::Query::OP_OR, terms.begin(), terms.end());
  std::vector<Hit> hits;
  auto run = [&](const Xapian::Database& db) {
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
  std::string t = "XE";
  for (char c : value) t += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (t.size() > 200) t.resize(core::utf8_prefix_len(t, 200));
  return t;
}

std::string entity_type_filter_term(std::string_view type) { return "XT" + std::string(type.substr(0, 100)); }

}  // namespace kbseek::storage
