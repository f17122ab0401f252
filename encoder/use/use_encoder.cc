// UseM3Encoder: validate, tokenize (in parallel for large batches), run the model.
#include "encoder/use/use_encoder.h"

#include <algorithm>
#include <cstdlib>

#include "core/cpu_demand.h"
#include "core/file_util.h"
#include "core/logging.h"
#include "core/thread_pool.h"
#include "core/utf8.h"

namespace kbseek::encoder {

core::Result<std::unique_ptr<Encoder>> open_use_m3_encoder(const ModelSource& src, const EncoderOptions& opts) {
  const char* env = std::getenv("KBSEEK_USE_M3_MATMUL");
  const std::string want = env != nullptr ? env : "";
  if (!want.empty() && want != "auto" && want != "fp32") {
    return core::Status::invalid_argument("KBSEEK_USE_M3_MATMUL=" + want + ": expected auto or fp32");
  }
  return open_use_m3_encoder(src, opts, want == "fp32" ? UseMatmul::kFp32 : UseMatmul::kAuto);
}

core::Result<std::unique_ptr<Encoder>> open_use_m3_encoder(const ModelSource& src, const EncoderOptions& opts,
                                                           UseMatmul matmul) {
  const std::string config_path = src.dir + "/config.json";
  KB_ASSIGN_OR_RETURN(std::string config_text, core::read_file(config_path));
  KB_ASSIGN_OR_RETURN(UseConfig config, parse_use_config(config_text, config_path));
  const std::string sp_path = src.dir + "/" + config.tokenizer_file;
  KB_ASSIGN_OR_RETURN(std::unique_ptr<SentencePieceTokenizer> tokenizer, SentencePieceTokenizer::load(sp_path));
  if (tokenizer->vocab_size() > config.embedding_rows) {
    return core::Status::invalid_argument(sp_path + ": " + std::to_string(tokenizer->vocab_size()) +
                                          " pieces, but config.json embedding_rows is " +
                                          std::to_string(config.embedding_rows));
  }
  if (tokenizer->bos_id() != config.bos_id || tokenizer->eos_id() != config.eos_id) {
    return core::Status::invalid_argument(sp_path + ": BOS/EOS ids " + std::to_string(tokenizer->bos_id()) + "/" +
                                          std::to_string(tokenizer->eos_id()) + " differ from config.json's " +
                                          std::to_string(config.bos_id) + "/" + std::to_string(config.eos_id));
  }
  KB_ASSIGN_OR_RETURN(std::unique_ptr<UseM3Model> model,
                      UseM3Model::load(src.dir + "/model.safetensors", config, matmul));
  if (const char* cache = std::getenv("KBSEEK_USE_M3_ID_CACHE"); cache != nullptr && *cache != '\0') {
    char* end = nullptr;
    const long ids = std::strtol(cache, &end, 10);
    if (*end != '\0' || ids < 0 || ids > 1 << 20) {
      return core::Status::invalid_argument(std::string("KBSEEK_USE_M3_ID_CACHE=") + cache +
                                            ": expected a number of token ids from 0 (off) to 1048576");
    }
    model->set_id_cache(static_cast<int>(ids));
  }
  const int pool = core::ThreadPool::global().size();
  const int threads = opts.num_threads > 0 ? std::min(opts.num_threads, pool) : pool;
  core::log_info("encoder",
                 "opened " + src.name + " (use-m3, dim " + std::to_string(config.hidden_size) + ", " +
                     std::to_string(tokenizer->vocab_size()) + " pieces, max " + std::to_string(config.max_seq_length) +
                     " tokens) on the CPU, " + std::to_string(threads) + " threads, " +
                     (model->uses_bf16() ? std::string("token stage and pooling in ") + model->products_name()
                                         : std::string("fp32 products")) +
                     ", per-id cache " +
                     (model->id_cache() != nullptr ? std::to_string(model->id_cache()->capacity()) + " ids" : "off"));
  return std::unique_ptr<Encoder>(new UseM3Encoder(src, std::move(tokenizer), std::move(model), threads));
}

UseM3Encoder::UseM3Encoder(ModelSource src, std::unique_ptr<SentencePieceTokenizer> tokenizer,
                           std::unique_ptr<UseM3Model> model, int num_threads)
    : src_(std::move(src)), tokenizer_(std::move(tokenizer)), model_(std::move(model)), num_threads_(num_threads) {}

std::vector<int32_t> UseM3Encoder::input_ids(std::string_view text) const {
  std::vector<int32_t> ids = tokenizer_->encode(text);
  const size_t max_pieces = static_cast<size_t>(model_->config().max_seq_length - 2);
  if (ids.size() > max_pieces) ids.resize(max_pieces);
  ids.insert(ids.begin(), model_->config().bos_id);
  ids.push_back(model_->config().eos_id);
  return ids;
}

Encoder::TokenCacheCounts UseM3Encoder::token_cache_counts() const {
  const UsePerIdCache* cache = model_->id_cache();
  if (cache == nullptr) return {};
  return {cache->hits(), cache->misses()};
}

double UseM3Encoder::vocabulary_coverage(std::string_view text) const {
  const std::vector<int32_t> ids = tokenizer_->encode(text);
  if (ids.empty()) return 1.0;
  const auto unknown = std::count(ids.begin(), ids.end(), tokenizer_->unk_id());
  return 1.0 - static_cast<double>(unknown) / static_cast<double>(ids.size());
}

core::Status UseM3Encoder::encode(const std::vector<std::string>& texts, InputKind /*kind*/, float* out) {
  const size_t n = texts.size();
  if (n == 0) return core::Status::ok();
  for (size_t i = 0; i < n; ++i) {
    const size_t bad = core::find_invalid_utf8(texts[i]);
    if (bad != std::string_view::npos) {
      return core::Status::invalid_argument("texts[" + std::to_string(i) + "]: invalid UTF-8 at byte " +
                                            std::to_string(bad));
    }
  }
  // Tokenizing costs ~1-5 µs per short text; only large batches repay a hand-off.
  std::vector<std::vector<int32_t>> ids(n);
  const auto tokenize = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) ids[i] = input_ids(texts[i]);
  };
  // One thread while another request computes too (core/cpu_demand.h).
  const int threads = core::cpu_demand() > 1 ? 1 : num_threads_;
  if (threads > 1 && n >= 16) {
    const size_t ways = static_cast<size_t>(threads);
    core::ThreadPool::global().parallel_for(ways, [&](size_t wb, size_t we) {
      for (size_t w = wb; w < we; ++w) tokenize(n * w / ways, n * (w + 1) / ways);
    });
  } else {
    tokenize(0, n);
  }
  std::vector<int32_t> packed;
  std::vector<int> offsets(1, 0);
  offsets.reserve(n + 1);
  for (const auto& seq : ids) {
    packed.insert(packed.end(), seq.begin(), seq.end());
    offsets.push_back(static_cast<int>(packed.size()));
  }
  return model_->forward(packed.data(), offsets.data(), static_cast<int>(n), threads, out);
}

}  // namespace kbseek::encoder
