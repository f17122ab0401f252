// check_index: compares id sets and generations store by store.
#include "storage/index_check.h"

#include <algorithm>

#include "core/file_util.h"
#include "storage/faiss_index.h"
#include "storage/index_folder.h"
#include "storage/manifest.h"
#include "storage/sqlite_store.h"
#include "storage/xapian_index.h"

namespace kbseek::storage {
namespace {

// "" when equal, else "N ids only in WHAT_A (e.g. 3, 7, 9), M only in WHAT_B (...)".
std::string compare_ids(const std::vector<int64_t>& a, const std::vector<int64_t>& b, const std::string& name_a,
                        const std::string& name_b) {
  std::vector<int64_t> only_a, only_b;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_a));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_b));
  if (only_a.empty() && only_b.empty()) return "";
  auto sample = [](const std::vector<int64_t>& v) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < 5; ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + (v.size() > 5 ? ", ..." : "");
  };
  std::string out;
  if (!only_a.empty())
    out += std::to_string(only_a.size()) + " chunk id(s) only in " + name_a + " (" + sample(only_a) + ")";
  if (!only_b.empty())
    out += std::string(out.empty() ? "" : ", ") + std::to_string(only_b.size()) + " chunk id(s) only in " + name_b +
           " (" + sample(only_b) + ")";
  return out;
}

}  // namespace

core::Result<CheckReport> check_index(const std::string& dir) {
  KB_ASSIGN_OR_RETURN(Manifest manifest, read_manifest(dir));
  const std::string sqlite_path = dir + "/docs.sqlite";
  if (!core::path_exists(sqlite_path)) return core::Status::corruption(sqlite_path + ": missing");
  KB_ASSIGN_OR_RETURN(auto store, SqliteStore::open(sqlite_path, /*writable=*/false));
  CheckReport report;
  auto problem = [&](std::string p) { report.problems.push_back(std::move(p)); };

  KB_ASSIGN_OR_RETURN(std::string integrity, store->integrity_check());
  if (integrity != "ok") problem(sqlite_path + ": integrity_check: " + integrity);
  KB_ASSIGN_OR_RETURN(auto stored_gen, store->get_state(IndexFolder::kGenerationKey));
  const int64_t generation = stored_gen ? std::stoll(*stored_gen) : 0;
  if (generation != manifest.generation)
    problem(dir + "/MANIFEST: generation " + std::to_string(manifest.generation) + ", docs.sqlite " +
            std::to_string(generation) + " (a writer is committing, or stopped before finishing)");
  KB_ASSIGN_OR_RETURN(report.documents, store->document_count());
  KB_ASSIGN_OR_RETURN(report.chunks, store->chunk_count());
  if (manifest.document_count != report.documents || manifest.chunk_count != report.chunks)
    problem(dir + "/MANIFEST: counts " + std::to_string(manifest.document_count) + " documents / " +
            std::to_string(manifest.chunk_count) + " chunks, docs.sqlite " + std::to_string(report.documents) + " / " +
            std::to_string(report.chunks));
  KB_ASSIGN_OR_RETURN(int64_t orphans, store->orphan_chunk_count());
  if (orphans > 0) problem(sqlite_path + ": " + std::to_string(orphans) + " chunk(s) without a document");
  KB_ASSIGN_OR_RETURN(std::vector<int64_t> chunks, store->chunk_ids());

  for (const ModelInfo& m : manifest.models) {
    KB_ASSIGN_OR_RETURN(std::vector<int64_t> stored, store->embedding_ids(m.field));
    std::string d = compare_ids(chunks, stored, "chunks", "vectors of model \"" + m.name + "\"");
    if (!d.empty()) problem(sqlite_path + ": " + d);
    const std::string path = dir + "/" + m.faiss_file;
    if (!core::path_exists(path)) {
      if (!stored.empty()) problem(path + ": missing (" + std::to_string(stored.size()) + " vectors stored)");
      continue;
    }
    auto faiss = FaissIndex::load(path);
    if (!faiss.is_ok()) {
      problem(path + ": unreadable: " + faiss.status().message());
      continue;
    }
    if (faiss.value()->dimension() != m.dimension)
      problem(path + ": dimension " + std::to_string(faiss.value()->dimension()) + ", model \"" + m.name + "\" " +
              std::to_string(m.dimension));
    if (m.faiss_generation != generation)
      problem(path + ": saved at generation " + std::to_string(m.faiss_generation) + ", docs.sqlite at " +
              std::to_string(generation));
    d = compare_ids(stored, faiss.value()->ids(), "docs.sqlite", m.faiss_file);
    if (!d.empty()) problem(path + ": " + d);
  }

  auto lexical = XapianIndex::open(dir + "/lexical", XapianIndex::Mode::kReadOnly);
  if (!lexical.is_ok()) {
    if (!chunks.empty()) problem(dir + "/lexical: " + lexical.status().message());
    return report;
  }
  KB_ASSIGN_OR_RETURN(std::string lex_gen, lexical.value()->get_metadata(IndexFolder::kGenerationKey));
  if (lex_gen != std::to_string(generation) && !(lex_gen.empty() && generation == 0))
    problem(dir + "/lexical: at generation " + (lex_gen.empty() ? "(none)" : lex_gen) + ", docs.sqlite at " +
            std::to_string(generation));
  KB_ASSIGN_OR_RETURN(std::string analyzer, lexical.value()->get_metadata(IndexFolder::kAnalyzerKey));
  if (!chunks.empty() && analyzer != lexical.value()->analyzer().version())
    problem(dir + "/lexical: made by analyzer \"" + analyzer + "\", this build uses \"" +
            lexical.value()->analyzer().version() + "\" (open the index for writing to rebuild it)");
  auto fields = lexical.value()->indexed_fields();
  if (!chunks.empty() && fields.is_ok() && !fields.value().positions)
    problem(dir + "/lexical: made before word positions and metadata fields were stored (phrases match as their " +
            "words, fields cannot filter; --repair adds them)");
  KB_ASSIGN_OR_RETURN(std::vector<int64_t> lexical_ids, lexical.value()->chunk_ids());
  std::string d = compare_ids(chunks, lexical_ids, "docs.sqlite", "lexical/");
  if (!d.empty()) problem(dir + "/lexical: " + d);
  return report;
}

}  // namespace kbseek::storage
