// Bringing the derived stores (Xapian, FAISS) in line with docs.sqlite.
//
// docs.sqlite is the truth and carries the committed generation. A derived
// store is trusted only if it was committed at that same generation (and
// holds as many entries); otherwise it is rebuilt from docs.sqlite when
// the folder is writable, with one log line saying why. Read-only opens
// never write: they use what is on disk and warn, except that missing or
// unreadable vectors are rebuilt in memory.
#include <string>
#include <unordered_map>

#include "core/file_util.h"
#include "core/logging.h"
#include "storage/chunk_fields.h"
#include "storage/index_folder.h"
#include "storage/sqlite_store.h"

namespace kbseek::storage {
namespace {

constexpr const char* kLog = "storage";
// Commit the Xapian rebuild every this many chunks to bound its memory.
constexpr int64_t kRebuildCommitEvery = 20000;

int64_t parse_generation(const std::string& s) {
  if (s.empty()) return 0;
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

core::Status IndexFolder::rebuild_lexical(int64_t generation) {
  lexical_.reset();  // release the write lock before reopening
  KB_ASSIGN_OR_RETURN(lexical_, XapianIndex::open(dir_ + "/lexical", XapianIndex::Mode::kOverwrite));
  // Entities first, by chunk: each Xapian document is written once, whole.
  std::unordered_map<int64_t, std::vector<ChunkEntity>> entities;
  KB_RETURN_IF_ERROR(store_->scan_entities([&](int64_t id, const ChunkEntity& e) {
    entities[id].push_back(e);
    return core::Status::ok();
  }));
  int64_t added = 0;
  const std::vector<ChunkEntity> none;
  KB_RETURN_IF_ERROR(store_->scan_chunks([&](const SqliteStore::ChunkRow& row) {
    auto it = entities.find(row.chunk_id);
    KB_RETURN_IF_ERROR(lexical_->add(
        row.chunk_id, row.title, row.text,
        chunk_fields(it == entities.end() ? none : it->second, row.language, row.timestamp, row.metadata_json)));
    if (++added % kRebuildCommitEvery == 0) return lexical_->commit();
    return core::Status::ok();
  }));
  // The generation goes in last: an interrupted rebuild is redone.
  KB_RETURN_IF_ERROR(lexical_->set_metadata(kGenerationKey, std::to_string(generation)));
  KB_RETURN_IF_ERROR(lexical_->set_metadata(kAnalyzerKey, lexical_->analyzer().version()));
  return lexical_->commit();
}

core::Status IndexFolder::recover_lexical(int64_t generation) {
  const std::string path = dir_ + "/lexical";
  auto mode = writable_ ? XapianIndex::Mode::kWritable : XapianIndex::Mode::kReadOnly;
  KB_ASSIGN_OR_RETURN(lexical_, XapianIndex::open(path, mode));
  KB_ASSIGN_OR_RETURN(const std::string stored_generation, lexical_->get_metadata(kGenerationKey));
  KB_ASSIGN_OR_RETURN(const std::string stored_analyzer, lexical_->get_metadata(kAnalyzerKey));
  KB_ASSIGN_OR_RETURN(const int64_t chunks, store_->chunk_count());
  const int64_t indexed = lexical_->size();
  if (chunks == 0 && indexed == 0) return core::Status::ok();  // nothing to disagree about

  const std::string analyzer = lexical_->analyzer().version();
  const int64_t lexical_generation = parse_generation(stored_generation);
  std::string reason;
  if (lexical_generation != generation) {
    reason = "lexical index at generation " + std::to_string(lexical_generation) + ", docs.sqlite at " +
             std::to_string(generation);
  } else if (stored_analyzer != analyzer) {
    reason = "lexical index built with analyzer \"" + stored_analyzer + "\", this build uses \"" + analyzer + "\"";
  } else if (indexed != chunks) {
    reason = "lexical index holds " + std::to_string(indexed) + " chunks, docs.sqlite " + std::to_string(chunks);
  } else if (writable_) {
    // Made before word positions and metadata fields were stored: readers
    // search it as it is (phrases as their words, fields unknown, with a
    // warning per query); the first writer adds them.
    auto fields = lexical_->indexed_fields();
    if (fields.is_ok() && !fields.value().positions)
      reason = "lexical index made before word positions and metadata fields were stored";
  }
  if (reason.empty()) return core::Status::ok();
  if (!writable_) {
    if (stored_analyzer != analyzer)
      return core::Status::failed_precondition(path + ": " + reason +
                                               ": open the index for writing once to rebuild it");
    core::log_warn(kLog, path + ": " + reason +
                             " (a writer is committing, or did not finish): lexical "
                             "results may miss recent changes until the index is opened for writing");
    return core::Status::ok();
  }
  core::log_info(kLog, path + ": rebuilding from docs.sqlite (" + reason + ")");
  return rebuild_lexical(generation);
}

core::Result<std::unique_ptr<FaissIndex>> IndexFolder::vectors_from_store(const ModelInfo& model) const {
  const int dim = model.dimension;
  std::vector<int64_t> ids;
  std::vector<float> vectors;
  KB_RETURN_IF_ERROR(store_->scan_vectors(model.field, dim, [&](int64_t id, const float* v) {
    ids.push_back(id);
    vectors.insert(vectors.end(), v, v + dim);
    return core::Status::ok();
  }));
  KB_ASSIGN_OR_RETURN(auto index, FaissIndex::create(dim, faiss_options_));
  // One add: the IVF, if the size calls for one, is trained once on everything.
  KB_RETURN_IF_ERROR(index->add(ids.data(), vectors.data(), ids.size()));
  return index;
}

core::Status IndexFolder::recover_vectors(int64_t generation) {
  for (size_t m = 0; m < manifest_.models.size(); ++m) KB_RETURN_IF_ERROR(recover_field_vectors(m, generation));
  return core::Status::ok();
}

core::Status IndexFolder::recover_field_vectors(size_t model, int64_t generation) {
  const ModelInfo& info = manifest_.models[model];
  const std::string& file = info.faiss_file;
  const std::string path = dir_ + "/" + file;
  const int dim = info.dimension;
  KB_ASSIGN_OR_RETURN(const int64_t stored, store_->embedding_count(info.field));
  std::string reason;
  std::unique_ptr<FaissIndex> loaded;
  if (!core::path_exists(path)) {
    if (stored > 0) reason = file + " is missing";
  } else if (info.faiss_generation != generation && writable_) {
    reason = file + " at generation " + std::to_string(info.faiss_generation) + ", docs.sqlite at " +
             std::to_string(generation);
  } else {
    auto index = FaissIndex::load(path, faiss_options_);
    if (!index.is_ok()) {
      reason = file + " is unreadable (" + index.status().to_string() + ")";
    } else if (index.value()->dimension() != dim) {
      reason =
          file + " has dimension " + std::to_string(index.value()->dimension()) + ", MANIFEST " + std::to_string(dim);
    } else if (info.faiss_generation == generation && index.value()->size() != stored) {
      reason =
          file + " holds " + std::to_string(index.value()->size()) + " vectors, docs.sqlite " + std::to_string(stored);
    } else {
      loaded = std::move(index.value());
    }
  }
  if (reason.empty() && !loaded) {  // a new folder: nothing stored yet
    KB_ASSIGN_OR_RETURN(loaded, FaissIndex::create(dim, faiss_options_));
  }
  if (reason.empty()) {
    if (!writable_ && info.faiss_generation != generation)
      core::log_warn(kLog, path + ": at generation " + std::to_string(info.faiss_generation) + ", docs.sqlite at " +
                               std::to_string(generation) +
                               ": dense results may miss recent changes until the index is opened for writing");
    set_vectors(model, std::move(loaded));
    return core::Status::ok();
  }
  core::log_info(kLog, path + ": rebuilding " + (writable_ ? "" : "in memory ") + "from docs.sqlite (" + reason + ")");
  KB_ASSIGN_OR_RETURN(std::unique_ptr<FaissIndex> rebuilt, vectors_from_store(info));
  if (writable_) KB_RETURN_IF_ERROR(rebuilt->save(path));
  set_vectors(model, std::move(rebuilt));
  return core::Status::ok();
}

}  // namespace kbseek::storage
