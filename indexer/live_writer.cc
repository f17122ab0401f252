// One writer for a served index.
#include "indexer/live_writer.h"

#include "encoder/model_folder.h"
#include "indexer/normalize.h"

namespace kbseek::indexer {

LiveWriter::~LiveWriter() = default;

core::Result<std::unique_ptr<LiveWriter>> LiveWriter::open(const std::string& dir, const std::string& models_dir) {
  KB_ASSIGN_OR_RETURN(auto reader, storage::IndexFolder::open_read_only(dir));
  std::unique_ptr<LiveWriter> w(new LiveWriter());
  storage::IndexOptions iopts;
  for (const auto& m : reader->manifest().models) {
    KB_ASSIGN_OR_RETURN(std::string path, encoder::resolve_model(m.name, models_dir));
    encoder::EncoderOptions eopts;
    eopts.dimension = m.dimension;
    eopts.bulk = true;  // documents' chunks, embedded in batches (EncoderOptions::bulk)
    KB_ASSIGN_OR_RETURN(auto enc, encoder::open_encoder(path, eopts));
    iopts.models.push_back(storage::model_info(enc->name(), enc->fingerprint(), enc->dimension()));
    w->encoders_.push_back(std::move(enc));
  }
  reader.reset();
  // The MANIFEST's fingerprints are checked here: another model is refused.
  KB_ASSIGN_OR_RETURN(w->folder_, storage::IndexFolder::create_or_open(dir, iopts));
  std::vector<encoder::Encoder*> encs;
  for (auto& e : w->encoders_) encs.push_back(e.get());
  w->indexer_ = std::make_unique<Indexer>(w->folder_.get(), encs);
  return w;
}

core::Result<std::vector<LiveWriter::Outcome>> LiveWriter::put(std::vector<core::Result<storage::Document>> docs) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Outcome> out;
  for (auto& d : docs) {
    if (!d.is_ok()) {
      out.push_back({"", "rejected", d.status().message()});
      continue;
    }
    storage::Document doc = std::move(d).value();
    doc.title = normalize_text(doc.title);
    doc.text = normalize_text(doc.text);
    Outcome o{doc.id, "indexed", ""};
    if (doc.text.empty()) {
      out.push_back({doc.id, "rejected", "field \"text\" is empty after cleaning"});
      continue;
    }
    if (core::Status st = indexer_->add(std::move(doc)); !st.is_ok()) {
      // A bad document is refused before anything is written (put_document
      // validates first); a failure of a store rolls the batch back.
      if (st.code() != core::StatusCode::kInvalidArgument) return st;
      o.status = "rejected";
      o.error = st.message();
    } else if (indexer_->last_outcome() == "unchanged") {
      o.status = "unchanged";
    } else if (!indexer_->last_outcome().empty()) {
      o.status = "duplicate";
      o.error = "duplicate of " + indexer_->last_duplicate_of();
    }
    out.push_back(std::move(o));
  }
  KB_RETURN_IF_ERROR(indexer_->finish());
  return out;
}

core::Status LiveWriter::remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_RETURN_IF_ERROR(indexer_->finish());  // nothing pending: a no-op commit
  KB_RETURN_IF_ERROR(folder_->remove_document(id));
  KB_RETURN_IF_ERROR(folder_->commit());
  renew_indexer();
  return core::Status::ok();
}

core::Result<std::vector<std::string>> LiveWriter::erase(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_RETURN_IF_ERROR(indexer_->finish());
  KB_ASSIGN_OR_RETURN(auto missing, folder_->erase_documents(ids));
  renew_indexer();
  return missing;
}

// The indexer's duplicate fingerprints still hold removed documents: a
// fresh one reloads them from the folder at its next add.
void LiveWriter::renew_indexer() {
  std::vector<encoder::Encoder*> encs;
  for (auto& e : encoders_) encs.push_back(e.get());
  indexer_ = std::make_unique<Indexer>(folder_.get(), encs);
}

}  // namespace kbseek::indexer
