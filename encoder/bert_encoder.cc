// BertEncoder: tokenize, sort by length, run packed chunks, pool.
#include "encoder/bert_encoder.h"

#include <algorithm>
#include <cstdlib>

#include "core/file_util.h"
#include "core/logging.h"
#include "core/utf8.h"
#include "encoder/packed_batches.h"
#include "encoder/pooling.h"
#include "encoder/precision.h"
#include "encoder/safetensors.h"
#include "kernels/device.h"

namespace kbseek::encoder {

core::Result<std::unique_ptr<Encoder>> open_bert_encoder(const ModelSource& src, const EncoderOptions& opts) {
  const std::string config_path = src.dir + "/config.json";
  KB_ASSIGN_OR_RETURN(std::string config_text, core::read_file(config_path));
  KB_ASSIGN_OR_RETURN(BertConfig config, parse_bert_config(config_text, config_path));
  KB_ASSIGN_OR_RETURN(SentenceConfig sentence, load_sentence_config(src.dir, config.max_position_embeddings));
  KB_ASSIGN_OR_RETURN(std::unique_ptr<WordPieceTokenizer> tokenizer, WordPieceTokenizer::load(src.dir));
  if (tokenizer->vocab_size() > config.vocab_size) {
    return core::Status::invalid_argument(src.dir + ": tokenizer has " + std::to_string(tokenizer->vocab_size()) +
                                          " tokens but config.json vocab_size is " + std::to_string(config.vocab_size));
  }
  KB_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> weights, SafetensorsFile::open(src.dir + "/model.safetensors"));
  if (opts.num_threads > 0) kernels::set_cpu_threads(opts.num_threads);
  // BERT has run on CUDA by default since its kernels landed; their parity
  // tests run on every GPU machine (tests/kernels, label gpu).
  KB_ASSIGN_OR_RETURN(kernels::Backend * backend,
                      kernels::choose_backend({src.name,
                                               {kernels::Op::kLinear, kernels::Op::kBiasGelu, kernels::Op::kLayerNorm,
                                                kernels::Op::kAttention},
                                               /*cuda_validated=*/true}));
  KB_ASSIGN_OR_RETURN(kernels::WeightFormat format, choose_weight_format(opts.precision, *backend, opts.bulk));
  KB_ASSIGN_OR_RETURN(std::unique_ptr<BertModel> model, BertModel::load(*weights, config, backend, format));
  core::log_info("encoder", "opened " + src.name + " (" + std::to_string(config.num_layers) + " layers, dim " +
                                std::to_string(config.hidden_size) + ", " + pooling_name(sentence.pooling) +
                                " pooling, max " + std::to_string(sentence.max_seq_length) + " tokens, " +
                                kernels::weight_format_name(format) + " products) on " + backend->device_name());
  return std::unique_ptr<Encoder>(new BertEncoder(src, std::move(sentence), std::move(tokenizer), std::move(model)));
}

BertEncoder::BertEncoder(ModelSource src, SentenceConfig sentence, std::unique_ptr<WordPieceTokenizer> tokenizer,
                         std::unique_ptr<BertModel> model)
    : src_(std::move(src)),
      sentence_(std::move(sentence)),
      tokenizer_(std::move(tokenizer)),
      model_(std::move(model)) {}

core::Status BertEncoder::encode(const std::vector<std::string>& texts, InputKind kind, float* out) {
  const size_t n = texts.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t bad = core::find_invalid_utf8(texts[i]);
    if (bad != std::string_view::npos) {
      return core::Status::invalid_argument("texts[" + std::to_string(i) + "]: invalid UTF-8 at byte " +
                                            std::to_string(bad));
    }
  }
  const std::string& prefix = kind == InputKind::kQuery ? sentence_.query_prefix : sentence_.passage_prefix;
  std::vector<std::vector<int32_t>> ids(n);
  for (size_t i = 0; i < n; ++i) {
    ids[i] = prefix.empty() ? tokenizer_->encode(texts[i], sentence_.max_seq_length)
                            : tokenizer_->encode(prefix + texts[i], sentence_.max_seq_length);
  }
  const int dim = dimension();
  const size_t chunk_tokens = model_->backend()->is_host_memory() ? kChunkTokensCpu : kChunkTokensGpu;
  std::vector<float> hidden;
  return for_each_packed_batch(ids, chunk_tokens, [&](const PackedBatch& b) {
    hidden.resize(b.ids.size() * static_cast<size_t>(dim));
    KB_RETURN_IF_ERROR(model_->forward(b.ids.data(), b.offsets.data(), b.count, hidden.data()));
    for (int i = 0; i < b.count; ++i) {
      pool_and_normalize(hidden.data() + static_cast<size_t>(b.offsets[i]) * dim, b.offsets[i + 1] - b.offsets[i], dim,
                         sentence_.pooling, out + b.rows[i] * dim);
    }
    return core::Status::ok();
  });
}

double BertEncoder::vocabulary_coverage(std::string_view text) const {
  std::vector<int32_t> ids = tokenizer_->tokenize(text);
  if (ids.empty()) return 1.0;
  size_t unknown = 0;
  for (int32_t id : ids) unknown += id == tokenizer_->unk_id();
  return 1.0 - static_cast<double>(unknown) / static_cast<double>(ids.size());
}

}  // namespace kbseek::encoder
