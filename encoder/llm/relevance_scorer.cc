// The re-ranking prompt, its shared prefix and the deadline. Why the prompt
// is tokenised whole rather than as concatenated pieces: Qwen's
// pre-tokenizer joins punctuation with a following newline ("?\n" is one
// token), so pieces tokenised apart would not be the ids of the prompt, and
// llama.cpp (the reference) tokenises whole prompts.
#include "encoder/llm/relevance_scorer.h"

#include <algorithm>
#include <cstdlib>

#include "encoder/byte_level.h"
#include "encoder/chat_template.h"
#include "encoder/gguf/gguf_tokenizer.h"

namespace kbseek::encoder::llm {
namespace {

constexpr const char* kSystem = "Judge whether the passage answers the query. Answer only \"yes\" or \"no\".";

core::Result<int32_t> single_token(const BpeTokenizer& tok, const std::string& word, const std::string& path) {
  KB_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tok.encode(word, false));
  if (ids.size() != 1) {
    return core::Status::invalid_argument(path + ": \"" + word + "\" is " + std::to_string(ids.size()) +
                                          " tokens in this vocabulary; the scorer needs it as one");
  }
  return ids[0];
}

// "<|" opens every Qwen control token (<|im_end|>, <|im_start|>, ...): a
// document or query that spells one must not close the user turn and speak
// as the assistant, so "<|" in them is written "< |".
std::string neutralise_control_tokens(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '|') out += ' ';
  }
  return out;
}

}  // namespace

core::Result<std::unique_ptr<RelevanceScorer>> RelevanceScorer::open(const std::string& gguf_path,
                                                                     kernels::Backend* backend,
                                                                     const ScorerOptions& options) {
  if (options.max_passage_tokens < 1 || options.batch_tokens < 1) {
    return core::Status::invalid_argument("scorer options: max_passage_tokens and batch_tokens must be positive");
  }
  KB_ASSIGN_OR_RETURN(std::unique_ptr<gguf::GgufFile> file, gguf::GgufFile::open(gguf_path));
  KB_ASSIGN_OR_RETURN(BpeVocab vocab, gguf::read_bpe_vocab(*file));
  std::unique_ptr<RelevanceScorer> s(new RelevanceScorer());
  s->options_ = options;
  KB_ASSIGN_OR_RETURN(s->tokenizer_, BpeTokenizer::from_vocab(vocab, gguf_path));
  KB_ASSIGN_OR_RETURN(s->yes_id_, single_token(*s->tokenizer_, "yes", gguf_path));
  KB_ASSIGN_OR_RETURN(s->no_id_, single_token(*s->tokenizer_, "no", gguf_path));
  ScorerOptions::Precision precision = options.precision;
  if (precision == ScorerOptions::Precision::kAuto) {
    const char* env = std::getenv("KBSEEK_LLM_PRECISION");
    const std::string v = env != nullptr ? env : "";
    if (v == "fp32")
      precision = ScorerOptions::Precision::kFp32;
    else if (v == "bf16")
      precision = ScorerOptions::Precision::kBf16;
    else if (v == "int8")
      precision = ScorerOptions::Precision::kInt8;
    else if (v == "quantized")
      precision = ScorerOptions::Precision::kQuantized;
    else if (!v.empty()) {
      return core::Status::invalid_argument("KBSEEK_LLM_PRECISION=" + v + ": expected fp32, bf16, int8 or quantized");
    }
  }
  kernels::WeightFormat format = kernels::WeightFormat::kF32;
  switch (precision) {
    case ScorerOptions::Precision::kFp32: break;
    case ScorerOptions::Precision::kBf16: format = kernels::WeightFormat::kBF16; break;
    case ScorerOptions::Precision::kQuantized: format = kernels::WeightFormat::kQuantized; break;
    case ScorerOptions::Precision::kInt8: format = kernels::WeightFormat::kInt8; break;
    case ScorerOptions::Precision::kAuto:
      if (backend->supports_weights(kernels::WeightFormat::kInt8)) {
        format = kernels::WeightFormat::kInt8;
      } else if (backend->supports_quantized(kernels::quant::QuantType::kQ8_0)) {
        format = kernels::WeightFormat::kQuantized;
      } else if (backend->supports_weights(kernels::WeightFormat::kBF16)) {
        format = kernels::WeightFormat::kBF16;
      }
      break;
  }
  KB_ASSIGN_OR_RETURN(s->model_, DecoderModel::load(std::move(file), backend, format));
  return s;
}

std::string RelevanceScorer::prompt(std::string_view query, std::string_view passage) {
  return render_chatml({{"system", kSystem},
                        {"user", "Query: " + neutralise_control_tokens(query) + "\nPassage: " +
                                     neutralise_control_tokens(passage) + "\nDoes the passage answer the query?"}},
                       /*add_generation_prompt=*/true);
}

core::Result<std::string> RelevanceScorer::cut_passage(std::string_view passage) const {
  // Every token spans at least one byte: a passage this short fits uncut
  // (its UTF-8 is still checked when the whole prompt is tokenised).
  if (passage.size() <= static_cast<size_t>(options_.max_passage_tokens)) return std::string(passage);
  KB_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tokenizer_->encode(passage, false));
  if (static_cast<int>(ids.size()) <= options_.max_passage_tokens) return std::string(passage);
  std::string kept;
  for (int i = 0; i < options_.max_passage_tokens; ++i) kept += tokenizer_->id_to_token(ids[i]);
  std::string bytes = byte_level_decode(kept);
  // A cut inside a multi-byte character drops the partial character.
  size_t end = bytes.size();
  size_t lead = end;
  while (lead > 0 && (static_cast<unsigned char>(bytes[lead - 1]) & 0xC0) == 0x80) --lead;
  if (lead > 0) {
    const unsigned char c = static_cast<unsigned char>(bytes[lead - 1]);
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (end - (lead - 1) < need) end = lead - 1;
  }
  bytes.resize(end);
  return bytes;
}

core::Result<RelevanceScores> RelevanceScorer::score(std::string_view query, const std::vector<std::string>& passages,
                                                     Clock::time_point deadline) const {
  if (query.empty()) return core::Status::invalid_argument("score: empty query");
  RelevanceScores out;
  out.score.assign(passages.size(), 0.0f);
  out.scored.assign(passages.size(), false);
  if (passages.empty()) return out;
  std::vector<std::vector<int32_t>> prompts(passages.size());
  for (size_t i = 0; i < passages.size(); ++i) {
    auto cut = cut_passage(passages[i]);
    if (!cut.is_ok()) return cut.status().with_context("passage " + std::to_string(i));
    auto ids = tokenizer_->encode(prompt(query, cut.value()), false);
    if (!ids.is_ok()) return ids.status().with_context("passage " + std::to_string(i));
    prompts[i] = std::move(ids).value();
  }
  // The longest run of ids all prompts share, less one so that every
  // continuation keeps a token of its own.
  size_t shared = prompts[0].size();
  for (const auto& p : prompts) {
    size_t n = 0;
    while (n < shared && n < p.size() && p[n] == prompts[0][n]) ++n;
    shared = n;
  }
  for (const auto& p : prompts) shared = std::min(shared, p.size() - 1);
  if (Clock::now() >= deadline) return out;
  // The prefix starts only when the pace of earlier calls says it ends in
  // time (the first call of a process has no pace yet: serve warms up).
  const double known_pace = seconds_per_token_.load(std::memory_order_relaxed);
  if (deadline != Clock::time_point::max() && known_pace > 0 &&
      known_pace * shared > std::chrono::duration<double>(deadline - Clock::now()).count()) {
    return out;
  }
  const auto t0 = Clock::now();
  DecoderModel::Prefix prefix;
  if (shared > 0) {
    KB_ASSIGN_OR_RETURN(prefix,
                        model_->run_prefix(std::vector<int32_t>(prompts[0].begin(), prompts[0].begin() + shared)));
  }
  out.prefix_tokens = static_cast<int>(shared);
  out.tokens_run = static_cast<int>(shared);
  // Seconds per token so far; continuations attend to the prefix too, so
  // this underestimates them a little until the first batch has run.
  double per_token = shared > 0 ? std::chrono::duration<double>(Clock::now() - t0).count() / shared : known_pace;
  const int hidden = model_->config().hidden_size;
  const int32_t ids2[2] = {yes_id_, no_id_};
  size_t next = 0;
  while (next < prompts.size()) {
    std::vector<int32_t> packed;
    std::vector<int> offsets = {0};
    size_t first = next;
    const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    while (next < prompts.size()) {
      const size_t len = prompts[next].size() - shared;
      const size_t total = packed.size() + len;
      const bool fits_batch = next == first || static_cast<int>(total) <= options_.batch_tokens;
      const bool fits_time = deadline == Clock::time_point::max() || per_token * total <= left;
      if (!fits_batch || !fits_time) break;
      packed.insert(packed.end(), prompts[next].begin() + shared, prompts[next].end());
      offsets.push_back(static_cast<int>(packed.size()));
      ++next;
    }
    if (next == first) break;  // not even one more passage fits in the time left
    const int count = static_cast<int>(next - first);
    std::vector<float> last(static_cast<size_t>(count) * hidden), logits(static_cast<size_t>(count) * 2);
    const auto tb = Clock::now();
    KB_RETURN_IF_ERROR(model_->run_continuations(prefix, packed.data(), offsets.data(), count, last.data()));
    KB_RETURN_IF_ERROR(model_->logits_for(last.data(), count, ids2, 2, logits.data()));
    per_token = std::chrono::duration<double>(Clock::now() - tb).count() / packed.size();
    seconds_per_token_.store(per_token, std::memory_order_relaxed);
    for (int b = 0; b < count; ++b) {
      out.score[first + b] = logits[2 * b] - logits[2 * b + 1];
      out.scored[first + b] = true;
    }
    out.scored_count += count;
    out.tokens_run += static_cast<int>(packed.size());
  }
  return out;
}

}  // namespace kbseek::encoder::llm
