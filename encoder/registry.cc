// The registry table. One line per model family.
#include "encoder/registry.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "encoder/bert_encoder.h"
#include "encoder/gemma/gemma_encoder.h"
#include "encoder/use/use_encoder.h"

namespace kbseek::encoder {

const std::vector<EncoderFamily>& encoder_families() {
  static const std::vector<EncoderFamily> kFamilies = {
      {"bert",
       {"BertModel", "BertForMaskedLM", "BertForPreTraining", "BertForSequenceClassification"},
       {"bert"},
       &open_bert_encoder},
      {"use-m3", {"UniversalSentenceEncoderM3"}, {"use-m3"}, &open_use_m3_encoder},
      {"gemma3", {"Gemma3TextModel"}, {"gemma3_text"}, &open_gemma_encoder},
  };
  return kFamilies;
}

namespace {

struct Declared {
  std::string architecture, model_type;
};

Declared declared_by(const std::string& config_json) {
  Declared d;
  nlohmann::json j = nlohmann::json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return d;
  auto arch = j.find("architectures");
  if (arch != j.end() && arch->is_array() && !arch->empty() && (*arch)[0].is_string()) {
    d.architecture = (*arch)[0].get<std::string>();
  }
  auto type = j.find("model_type");
  if (type != j.end() && type->is_string()) d.model_type = type->get<std::string>();
  return d;
}

template <typename T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

core::Result<const EncoderFamily*> find_family(const std::string& config_json) {
  const Declared d = declared_by(config_json);
  for (const EncoderFamily& f : encoder_families()) {
    if (!d.architecture.empty() && contains(f.architectures, d.architecture)) return &f;
  }
  for (const EncoderFamily& f : encoder_families()) {
    if (!d.model_type.empty() && contains(f.model_types, d.model_type)) return &f;
  }
  std::string supported;
  for (const EncoderFamily& f : encoder_families()) {
    for (const std::string& a : f.architectures) supported += (supported.empty() ? "" : ", ") + a;
  }
  return core::Status::invalid_argument("config.json declares architecture \"" + d.architecture + "\", model_type \"" +
                                        d.model_type + "\"; supported: " + supported);
}

core::Status check_supported_config(const std::string& config_json) {
  auto f = find_family(config_json);
  return f.is_ok() ? core::Status::ok() : f.status();
}

std::string architecture_of_config(const std::string& config_json) {
  const Declared d = declared_by(config_json);
  return d.architecture.empty() ? d.model_type : d.architecture;
}

}  // namespace kbseek::encoder
