// Fusion weights by query class, and their JSON form.
#include "query/fusion_model.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file_util.h"

namespace kbseek::query {

std::string query_class(const Query& query) {
  std::string lang = query.languages.empty() ? "other" : query.languages[0];
  if (lang != "zh" && lang != "en") lang = "other";
  return lang + (query.question == QuestionForm::kNone ? "-keywords" : "-question");
}

double FusionModel::weight(const Query& query, const std::string& key, double fallback) const {
  auto c = classes.find(query_class(query));
  if (c != classes.end()) {
    auto w = c->second.find(key);
    if (w != c->second.end()) return w->second;
  }
  auto g = global.find(key);
  return g != global.end() ? g->second : fallback;
}

nlohmann::json to_json(const FusionModel& m) {
  nlohmann::json trained = nlohmann::json::parse(m.trained, nullptr, /*allow_exceptions=*/false);
  if (trained.is_discarded()) trained = nlohmann::json::object();
  return {{"version", 1},
          {"confidence_exponent", m.confidence_exponent},
          {"global", m.global},
          {"classes", m.classes},
          {"trained", trained}};
}

core::Result<FusionModel> fusion_model_from_json(const nlohmann::json& j) {
  auto bad = [](const std::string& what) { return core::Status::invalid_argument("fusion model: " + what); };
  if (!j.is_object()) return bad("not a JSON object");
  if (j.value("version", 0) != 1) return bad("version must be 1");
  FusionModel m;
  auto weights = [&](const nlohmann::json& w, const std::string& where,
                     std::map<std::string, double>* out) -> core::Status {
    if (!w.is_object()) return bad(where + " must be an object of list weights");
    for (const auto& [key, v] : w.items()) {
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
        return bad(where + "." + key + " must be a number >= 0");
      (*out)[key] = v.get<double>();
    }
    return core::Status::ok();
  };
  if (j.contains("confidence_exponent")) {
    const auto& e = j["confidence_exponent"];
    if (!e.is_number() || e.get<double>() < 0) return bad("confidence_exponent must be a number >= 0");
    m.confidence_exponent = e.get<double>();
  }
  if (j.contains("global")) KB_RETURN_IF_ERROR(weights(j["global"], "global", &m.global));
  if (j.contains("classes")) {
    if (!j["classes"].is_object()) return bad("classes must be an object");
    for (const auto& [name, w] : j["classes"].items())
      KB_RETURN_IF_ERROR(weights(w, "classes." + name, &m.classes[name]));
  }
  if (j.contains("trained")) m.trained = j["trained"].dump();
  return m;
}

core::Result<LoadedFusionModel> load_fusion_model(const std::string& index_dir) {
  LoadedFusionModel out;
  const std::string path = index_dir + "/fusion.json";
  if (!std::filesystem::exists(path)) return out;
  KB_ASSIGN_OR_RETURN(std::string text, core::read_file(path));
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return core::Status::invalid_argument(path + ": not JSON");
  auto m = fusion_model_from_json(j);
  if (!m.is_ok()) return m.status().with_context(path);
  out.found = true;
  out.model = std::move(m).value();
  return out;
}

core::Status save_fusion_model(const std::string& index_dir, const FusionModel& model) {
  return core::write_file_atomic(index_dir + "/fusion.json", to_json(model).dump(2) + "\n");
}

}  // namespace kbseek::query
