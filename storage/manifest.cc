// MANIFEST (de)serialisation with nlohmann::json; JSON errors become Status.
#include "storage/manifest.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "core/file_util.h"

#ifndef KBSEEK_VERSION
#define KBSEEK_VERSION "0.1.0"
#endif

namespace kbseek::storage {

using nlohmann::json;

std::string writer_string() { return std::string("kbseek ") + KBSEEK_VERSION; }

std::string utc_iso8601(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string utc_now_iso8601() { return utc_iso8601(std::time(nullptr)); }

std::string field_for_model(const std::string& model_name) {
  std::string field = model_name;
  for (char& c : field) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return field;
}

std::string faiss_file_for_field(const std::string& field) { return "vectors." + field + ".faiss"; }

std::string Manifest::to_json() const {
  json models_json = json::array();
  for (const auto& m : models) {
    models_json.push_back({{"name", m.name},
                           {"fingerprint", m.fingerprint},
                           {"dimension", m.dimension},
                           {"normalised", m.normalised},
                           {"field", m.field},
                           {"faiss",
                            {{"file", m.faiss_file},
                             {"spec", m.faiss_spec},
                             {"metric", "inner_product"},
                             {"generation", m.faiss_generation}}}});
  }
  json j = {
      {"format_version", kFormatVersion},
      {"writer", writer},
      {"created_at", created_at},
      {"generation", generation},
      {"models", models_json},
      {"lexical", {{"engine", "xapian"}, {"path", "lexical"}, {"analyzer", analyzer}}},
      {"sqlite", {{"file", "docs.sqlite"}, {"schema_version", sqlite_schema_version}}},
      {"counts", {{"documents", document_count}, {"chunks", chunk_count}}},
  };
  return j.dump(2) + "\n";
}

namespace {

// Looks up a dotted key ("faiss.spec") and converts it, or says which key was bad.
template <typename T>
core::Status get(const json& root, const std::string& key, const std::string& path, T* out) {
  const json* node = &root;
  size_t start = 0;
  for (;;) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(part))
      return core::Status::corruption(path + ": missing key \"" + key + "\"");
    node = &(*node)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  try {
    *out = node->get<T>();
  } catch (const json::exception& e) {
    return core::Status::corruption(path + ": key \"" + key + "\" has the wrong type: " + e.what());
  }
  return core::Status::ok();
}

}  // namespace

core::Result<Manifest> Manifest::from_json(const std::string& text, const std::string& path) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::Status::corruption(path + ": not a JSON object");
  Manifest m;
  KB_RETURN_IF_ERROR(get(j, "format_version", path, &m.format_version));
  if (m.format_version < kOldestReadable || m.format_version > kFormatVersion)
    return core::Status::failed_precondition(path + ": format " + std::to_string(m.format_version) +
                                             ", this build reads " + std::to_string(kOldestReadable) + "-" +
                                             std::to_string(kFormatVersion));
  KB_RETURN_IF_ERROR(get(j, "writer", path, &m.writer));
  KB_RETURN_IF_ERROR(get(j, "created_at", path, &m.created_at));
  KB_RETURN_IF_ERROR(get(j, "generation", path, &m.generation));
  KB_RETURN_IF_ERROR(get(j, "lexical.analyzer", path, &m.analyzer));
  KB_RETURN_IF_ERROR(get(j, "sqlite.schema_version", path, &m.sqlite_schema_version));
  KB_RETURN_IF_ERROR(get(j, "counts.documents", path, &m.document_count));
  KB_RETURN_IF_ERROR(get(j, "counts.chunks", path, &m.chunk_count));
  json models;
  KB_RETURN_IF_ERROR(get(j, "models", path, &models));
  if (!models.is_array() || models.empty() || (m.format_version == 1 && models.size() != 1))
    return core::Status::corruption(path + ": \"models\" must be an array of " +
                                    (m.format_version == 1 ? "one model" : "one or more models"));
  for (size_t i = 0; i < models.size(); ++i) {
    const std::string where = path + ": models[" + std::to_string(i) + "]";
    ModelInfo info;
    KB_RETURN_IF_ERROR(get(models[i], "name", where, &info.name));
    KB_RETURN_IF_ERROR(get(models[i], "fingerprint", where, &info.fingerprint));
    KB_RETURN_IF_ERROR(get(models[i], "dimension", where, &info.dimension));
    KB_RETURN_IF_ERROR(get(models[i], "normalised", where, &info.normalised));
    if (info.dimension <= 0) return core::Status::corruption(where + ".dimension must be positive");
    if (m.format_version == 1) {
      // Format 1 kept its one FAISS index at the top level, under field "text".
      info.field = "text";
      info.faiss_file = "vectors.faiss";
      KB_RETURN_IF_ERROR(get(j, "faiss.spec", path, &info.faiss_spec));
      KB_RETURN_IF_ERROR(get(j, "faiss.generation", path, &info.faiss_generation));
    } else {
      KB_RETURN_IF_ERROR(get(models[i], "field", where, &info.field));
      KB_RETURN_IF_ERROR(get(models[i], "faiss.file", where, &info.faiss_file));
      KB_RETURN_IF_ERROR(get(models[i], "faiss.spec", where, &info.faiss_spec));
      KB_RETURN_IF_ERROR(get(models[i], "faiss.generation", where, &info.faiss_generation));
      if (info.field.empty() || info.faiss_file.empty() || info.faiss_file.find('/') != std::string::npos)
        return core::Status::corruption(where + ": field and faiss.file must be non-empty plain names");
      for (const auto& other : m.models)
        if (other.field == info.field || other.faiss_file == info.faiss_file)
          return core::Status::corruption(where + ": field \"" + info.field + "\" or file \"" + info.faiss_file +
                                          "\" repeats an earlier model's");
    }
    m.models.push_back(std::move(info));
  }
  return m;
}

core::Result<Manifest> read_manifest(const std::string& dir) {
  const std::string path = dir + "/MANIFEST";
  KB_ASSIGN_OR_RETURN(std::string text, core::read_file(path));
  return Manifest::from_json(text, path);
}

core::Status write_manifest(const std::string& dir, const Manifest& manifest) {
  return core::write_file_atomic(dir + "/MANIFEST", manifest.to_json());
}

}  // namespace kbseek::storage
