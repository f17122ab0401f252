// WordPieceTokenizer::load: reads tokenizer.json (preferred, it is what HF's
// fast tokenizer runs) or vocab.txt + tokenizer_config.json. JSON exceptions
// stop here and become Status values naming the file.
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file_util.h"
#include "encoder/wordpiece_tokenizer.h"

namespace kbseek::encoder {
namespace {

using nlohmann::json;

core::Result<json> read_json(const std::string& path) {
  KB_ASSIGN_OR_RETURN(std::string text, core::read_file(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return core::Status::corruption(path + ": not valid JSON");
  return j;
}

// strip_accents: null means "follow lowercase" in both HF implementations.
bool strip_accents_of(const json& j, bool lowercase) {
  auto it = j.find("strip_accents");
  return it == j.end() || it->is_null() ? lowercase : it->get<bool>();
}

core::Result<std::unique_ptr<WordPieceTokenizer>> load_tokenizer_json(const std::string& path) {
  KB_ASSIGN_OR_RETURN(json j, read_json(path));
  try {
    const json& model = j.at("model");
    if (model.value("type", std::string()) != "WordPiece") {
      return core::Status::invalid_argument(path + ": model.type is \"" + model.value("type", std::string()) +
                                            "\"; only WordPiece tokenizers are supported");
    }
    WordPieceOptions opts;
    opts.unk_token = model.value("unk_token", opts.unk_token);
    opts.continuing_prefix = model.value("continuing_subword_prefix", opts.continuing_prefix);
    opts.max_input_chars_per_word = model.value("max_input_chars_per_word", opts.max_input_chars_per_word);
    const json& norm = j.at("normalizer");
    if (norm.is_null() || norm.value("type", std::string()) != "BertNormalizer") {
      return core::Status::invalid_argument(path + ": normalizer must be BertNormalizer");
    }
    opts.normalizer.clean_text = norm.value("clean_text", true);
    opts.normalizer.handle_chinese_chars = norm.value("handle_chinese_chars", true);
    opts.normalizer.lowercase = norm.value("lowercase", true);
    opts.normalizer.strip_accents = strip_accents_of(norm, opts.normalizer.lowercase);
    const json& pre = j.at("pre_tokenizer");
    if (pre.is_null() || pre.value("type", std::string()) != "BertPreTokenizer") {
      return core::Status::invalid_argument(path + ": pre_tokenizer must be BertPreTokenizer");
    }
    opts.added_tokens.clear();
    for (const json& a : j.value("added_tokens", json::array())) {
      // Normalised added tokens would have to be matched after normalisation;
      // BERT checkpoints only carry raw special tokens.
      if (a.value("normalized", false)) continue;
      opts.added_tokens.push_back(a.at("content").get<std::string>());
    }
    // [CLS]/[SEP] come from the post-processor template when it names them.
    if (j.contains("post_processor") && j["post_processor"].is_object()) {
      const json& pp = j["post_processor"];
      if (pp.value("type", std::string()) == "TemplateProcessing") {
        const json& single = pp.at("single");
        if (single.size() == 3 && single[0].contains("SpecialToken") && single[2].contains("SpecialToken")) {
          opts.cls_token = single[0]["SpecialToken"].at("id").get<std::string>();
          opts.sep_token = single[2]["SpecialToken"].at("id").get<std::string>();
        }
      } else if (pp.value("type", std::string()) == "BertProcessing") {
        opts.sep_token = pp.at("sep").at(0).get<std::string>();
        opts.cls_token = pp.at("cls").at(0).get<std::string>();
      }
    }
    if (j.contains("padding") && j["padding"].is_object()) {
      opts.pad_token = j["padding"].value("pad_token", opts.pad_token);
    }
    const json& vocab_map = model.at("vocab");
    std::vector<std::string> vocab(vocab_map.size());
    for (auto it = vocab_map.begin(); it != vocab_map.end(); ++it) {
      const int64_t id = it.value().get<int64_t>();
      if (id < 0 || id >= static_cast<int64_t>(vocab.size())) {
        return core::Status::corruption(path + ": vocab id " + std::to_string(id) + " of \"" + it.key() +
                                        "\" is outside [0, " + std::to_string(vocab.size()) + ")");
      }
      vocab[static_cast<size_t>(id)] = it.key();
    }
    auto t = WordPieceTokenizer::from_vocab(std::move(vocab), std::move(opts));
    if (!t.is_ok()) return t.status().with_context(path);
    return t;
  } catch (const json::exception& e) {
    return core::Status::corruption(path + ": unexpected tokenizer.json layout: " + e.what());
  }
}

core::Result<std::unique_ptr<WordPieceTokenizer>> load_vocab_txt(const std::string& dir) {
  const std::string vocab_path = dir + "/vocab.txt";
  KB_ASSIGN_OR_RETURN(std::string text, core::read_file(vocab_path));
  std::vector<std::string> vocab;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(line);
  }
  WordPieceOptions opts;
  const std::string config_path = dir + "/tokenizer_config.json";
  if (core::path_exists(config_path)) {
    KB_ASSIGN_OR_RETURN(json cfg, read_json(config_path));
    try {
      opts.normalizer.lowercase = cfg.value("do_lower_case", true);
      opts.normalizer.strip_accents = strip_accents_of(cfg, opts.normalizer.lowercase);
      opts.normalizer.handle_chinese_chars = cfg.value("tokenize_chinese_chars", true);
      for (auto [field, target] : {std::pair{"unk_token", &opts.unk_token},
                                   {"cls_token", &opts.cls_token},
                                   {"sep_token", &opts.sep_token},
                                   {"pad_token", &opts.pad_token}}) {
        if (cfg.contains(field) && cfg[field].is_string()) *target = cfg[field].get<std::string>();
      }
    } catch (const json::exception& e) {
      return core::Status::corruption(config_path + ": " + e.what());
    }
  }
  opts.added_tokens = {opts.pad_token, opts.unk_token, opts.cls_token, opts.sep_token, "[MASK]"};
  auto t = WordPieceTokenizer::from_vocab(std::move(vocab), std::move(opts));
  if (!t.is_ok()) return t.status().with_context(vocab_path);
  return t;
}

}  // namespace

core::Result<std::unique_ptr<WordPieceTokenizer>> WordPieceTokenizer::load(const std::string& model_dir) {
  const std::string tokenizer_json = model_dir + "/tokenizer.json";
  if (core::path_exists(tokenizer_json)) return load_tokenizer_json(tokenizer_json);
  if (core::path_exists(model_dir + "/vocab.txt")) return load_vocab_txt(model_dir);
  return core::Status::not_found(model_dir + ": neither tokenizer.json nor vocab.txt found");
}

}  // namespace kbseek::encoder
