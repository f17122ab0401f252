// GemmaEncoder: prompts, tokenization, length-sorted packed batches, head.
#include "encoder/gemma/gemma_encoder.h"

#include <algorithm>

#include "core/file_util.h"
#include "core/logging.h"
#include "encoder/packed_batches.h"
#include "encoder/precision.h"
#include "kernels/backend.h"
#include "kernels/device.h"

namespace kbseek::encoder {

core::Result<std::unique_ptr<Encoder>> open_gemma_encoder(const ModelSource& src, const EncoderOptions& opts) {
  const std::string config_path = src.dir + "/config.json";
  KB_ASSIGN_OR_RETURN(std::string config_text, core::read_file(config_path));
  KB_ASSIGN_OR_RETURN(GemmaConfig config, parse_gemma_config(config_text, config_path));
  KB_ASSIGN_OR_RETURN(SentenceConfig sentence, load_sentence_config(src.dir, config.max_position_embeddings));
  if (sentence.pooling != Pooling::kMean) {
    return core::Status::invalid_argument(src.dir + "/1_Pooling/config.json: only mean pooling is supported for Gemma");
  }
  KB_ASSIGN_OR_RETURN(std::vector<DenseModule> modules, load_dense_modules(src.dir, config.hidden_size));
  KB_ASSIGN_OR_RETURN(GemmaHead head, GemmaHead::load(src.dir, modules, config.hidden_size));
  int dim = head.output_size();
  if (opts.dimension != 0) {
    const bool trained = std::find(std::begin(GemmaEncoder::kMatryoshkaDims), std::end(GemmaEncoder::kMatryoshkaDims),
                                   opts.dimension) != std::end(GemmaEncoder::kMatryoshkaDims);
    if (!trained || opts.dimension > head.output_size()) {
      return core::Status::invalid_argument(src.name + ": dimension " + std::to_string(opts.dimension) +
                                            " is not a Matryoshka size of this model (768, 512, 256 or 128)");
    }
    dim = opts.dimension;
  }
  KB_ASSIGN_OR_RETURN(std::unique_ptr<BpeTokenizer> tokenizer, BpeTokenizer::load(src.dir + "/tokenizer.json"));
  if (tokenizer->vocab_size() > config.vocab_size + 1) {  // +1: Gemma's <image_soft_token> sits at vocab_size
    return core::Status::invalid_argument(src.dir + ": tokenizer has " + std::to_string(tokenizer->vocab_size()) +
                                          " tokens but config.json vocab_size is " + std::to_string(config.vocab_size));
  }
  KB_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> weights, SafetensorsFile::open(src.dir + "/model.safetensors"));
  if (opts.num_threads > 0) kernels::set_cpu_threads(opts.num_threads);
  // Its CUDA kernels are built and parity-tested per op, but the whole model
  // has not been checked on a GPU yet: CUDA only when asked for by name.
  KB_ASSIGN_OR_RETURN(kernels::Backend * backend,
                      kernels::choose_backend({src.name,
                                               {kernels::Op::kLinear, kernels::Op::kRmsNorm, kernels::Op::kRope,
                                                kernels::Op::kGqaAttention, kernels::Op::kGeglu},
                                               /*cuda_validated=*/false}));
  KB_ASSIGN_OR_RETURN(kernels::WeightFormat format, choose_weight_format(opts.precision, *backend, opts.bulk));
  KB_ASSIGN_OR_RETURN(std::unique_ptr<GemmaModel> model, GemmaModel::load(std::move(weights), config, backend, format));
  core::log_info("encoder", "opened " + src.name + " (Gemma 3, " + std::to_string(config.num_layers) + " layers, dim " +
                                std::to_string(dim) + ", max " + std::to_string(sentence.max_seq_length) + " tokens, " +
                                kernels::weight_format_name(format) + " products) on " + backend->device_name());
  return std::unique_ptr<Encoder>(
      new GemmaEncoder(src, std::move(sentence), std::move(tokenizer), std::move(model), std::move(head), dim));
}

GemmaEncoder::GemmaEncoder(ModelSource src, SentenceConfig sentence, std::unique_ptr<BpeTokenizer> tokenizer,
                           std::unique_ptr<GemmaModel> model, GemmaHead head, int dimension)
    : src_(std::move(src)),
      sentence_(std::move(sentence)),
      tokenizer_(std::move(tokenizer)),
      model_(std::move(model)),
      head_(std::move(head)),
      dimension_(dimension) {}

int GemmaEncoder::count_tokens(std::string_view text) const {
  auto ids = tokenizer_->encode(text, /*add_special_tokens=*/false);
  return ids.is_ok() ? static_cast<int>(ids.value().size()) : 0;
}

core::Result<std::vector<int32_t>> GemmaEncoder::input_ids(std::string_view text, InputKind kind) const {
  const std::string& prompt = kind == InputKind::kQuery ? sentence_.query_prefix : sentence_.passage_prefix;
  KB_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tokenizer_->encode(prompt + std::string(text), true));
  const size_t max = static_cast<size_t>(sentence_.max_seq_length);
  if (ids.size() > max) {
    // tokenizers truncates the text's ids, then adds the specials: keep the
    // first max-1 ids (<bos> and text) and end with the original last id (<eos>).
    const int32_t last = ids.back();
    ids.resize(max - 1);
    ids.push_back(last);
  }
  return ids;
}

core::Status GemmaEncoder::encode(const std::vector<std::string>& texts, InputKind kind, float* out) {
  const size_t n = texts.size();
  std::vector<std::vector<int32_t>> ids(n);
  for (size_t i = 0; i < n; ++i) {
    auto r = input_ids(texts[i], kind);
    if (!r.is_ok()) return r.status().with_context("texts[" + std::to_string(i) + "]");
    ids[i] = std::move(r).value();
  }
  const int h = model_->config().hidden_size;
  std::vector<float> hidden;
  return for_each_packed_batch(ids, kChunkTokensCpu, [&](const PackedBatch& b) {
    hidden.resize(b.ids.size() * h);
    KB_RETURN_IF_ERROR(model_->forward(b.ids.data(), b.offsets.data(), b.count, hidden.data()));
    for (int i = 0; i < b.count; ++i) {
      head_.apply(hidden.data() + static_cast<size_t>(b.offsets[i]) * h, b.offsets[i + 1] - b.offsets[i], dimension_,
                  out + b.rows[i] * dimension_);
    }
    return core::Status::ok();
  });
}

}  // namespace kbseek::encoder
