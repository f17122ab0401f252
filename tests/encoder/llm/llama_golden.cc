// Reference next-token logits from llama.cpp for the re-ranking golden file.
//
// Not part of the kbseek build: gen_llama_golden.sh compiles this against a
// llama.cpp built outside the repository, once, to write
// tests/data/encoder/llm/qwen2.5-0.5b-rerank-golden.jsonl. It uses only the
// public C API in llama.h.
//
//   llama_golden MODEL.gguf < prompts.jsonl > results.jsonl
//
// Each input line is {"id": ..., "prompt": ...}. The prompt is tokenized with
// special tokens parsed (so "<|im_start|>" is one token) and a BOS only if the
// GGUF says add_bos; the whole prompt is one prefill with logits for the last
// position only. Each output line is
//   {"id", "tokens", "yes_id", "no_id", "logit_yes", "logit_no", "margin",
//    "top5": [[id, logit], ...], "logits_head": [8 floats]}
// with floats written as the shortest decimal that reads back as the same
// float. The first output line is a header {"header": {...}} with the
// library's version and the settings used. Errors go to stderr, exit code 1.
#include <llama.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

namespace {

constexpr int kThreads = 2;
constexpr int kContext = 4096;
constexpr int kTopK = 5;
constexpr int kHead = 8;

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "llama_golden: %s\n", msg.c_str());
  std::exit(1);
}

std::string shortest(float x) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, res.ptr);
}

std::vector<llama_token> tokenize(const llama_vocab* vocab, const std::string& text, bool parse_special) {
  std::vector<llama_token> ids(text.size() + 8);
  int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                         static_cast<int32_t>(ids.size()), /*add_special=*/false, parse_special);
  if (n < 0) {
    ids.resize(-n);
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                       static_cast<int32_t>(ids.size()), false, parse_special);
  }
  if (n < 0) die("tokenization failed for text of " + std::to_string(text.size()) + " bytes");
  ids.resize(n);
  return ids;
}

// The id of a word that must be exactly one token, or exit naming the split.
llama_token single_token(const llama_vocab* vocab, const std::string& word) {
  std::vector<llama_token> ids = tokenize(vocab, word, false);
  if (ids.size() != 1) {
    std::string got;
    for (llama_token t : ids) got += " " + std::to_string(t);
    die("\"" + word + "\" is " + std::to_string(ids.size()) + " tokens (" + got + " ), expected 1");
  }
  return ids[0];
}

// A GGUF metadata value as a string, or "" when the key is absent.
std::string meta(const llama_model* model, const char* key) {
  char buf[512];
  int n = llama_model_meta_val_str(model, key, buf, sizeof(buf));
  return n < 0 ? std::string() : std::string(buf);
}

std::string piece(const llama_vocab* vocab, llama_token t) {
  char buf[256];
  int n = llama_token_to_piece(vocab, t, buf, sizeof(buf), 0, true);
  return n < 0 ? std::string() : std::string(buf, n);
}

void quiet_log(ggml_log_level level, const char* text, void*) {
  if (level >= GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) die("usage: llama_golden MODEL.gguf < prompts.jsonl > results.jsonl");
  llama_log_set(quiet_log, nullptr);
  llama_backend_init();

  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(argv[1], mp);
  if (!model) die(std::string("cannot load ") + argv[1]);
  const llama_vocab* vocab = llama_model_get_vocab(model);
  const int n_vocab = llama_vocab_n_tokens(vocab);
  const bool add_bos = llama_vocab_get_add_bos(vocab);

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = kContext;
  cp.n_batch = kContext;  // one logical batch and one ubatch per prompt
  cp.n_ubatch = kContext;
  cp.n_seq_max = 1;
  cp.n_threads = kThreads;
  cp.n_threads_batch = kThreads;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  // fp32 K/V so that cache rounding is not where our decoder and llama.cpp differ.
  cp.type_k = GGML_TYPE_F32;
  cp.type_v = GGML_TYPE_F32;
  cp.no_perf = true;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) die("cannot create a context (n_ctx " + std::to_string(kContext) + ", f32 KV)");

  const llama_token yes_id = single_token(vocab, "yes");
  const llama_token no_id = single_token(vocab, "no");

  nlohmann::json header = {
      {"llama_version", llama_version()},
      {"system_info", llama_print_system_info()},
      {"n_vocab", n_vocab},
      {"add_bos", add_bos},
      {"gguf_add_bos_token", meta(model, "tokenizer.ggml.add_bos_token")},
      {"gguf_name", meta(model, "general.name")},
      {"gguf_file_type", meta(model, "general.file_type")},
      {"n_threads", kThreads},
      {"n_ctx", kContext},
      {"type_k", "f32"},
      {"type_v", "f32"},
      {"flash_attn", false},
      {"use_extra_bufts", mp.use_extra_bufts},
      {"yes_id", yes_id},
      {"no_id", no_id},
  };
  std::cout << nlohmann::json{{"header", header}}.dump() << "\n";

  std::string line;
  int line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json in;
    try {
      in = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      die("stdin:" + std::to_string(line_no) + ": " + e.what());
    }
    if (!in.contains("id") || !in.contains("prompt") || !in["prompt"].is_string())
      die("stdin:" + std::to_string(line_no) + ": expected {\"id\", \"prompt\": string}");
    const std::string prompt = in["prompt"].get<std::string>();

    std::vector<llama_token> tokens;
    if (add_bos) tokens.push_back(llama_vocab_bos(vocab));
    std::vector<llama_token> body = tokenize(vocab, prompt, /*parse_special=*/true);
    tokens.insert(tokens.end(), body.begin(), body.end());
    const int n = static_cast<int>(tokens.size());
    if (n == 0 || n > kContext)
      die("stdin:" + std::to_string(line_no) + ": prompt is " + std::to_string(n) + " tokens, the context holds " +
          std::to_string(kContext));

    // A fresh cache per prompt: each prompt is scored on its own, from position 0.
    llama_memory_clear(llama_get_memory(ctx), true);
    llama_batch batch = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; ++i) {
      batch.token[i] = tokens[i];
      batch.pos[i] = i;
      batch.n_seq_id[i] = 1;
      batch.seq_id[i][0] = 0;
      batch.logits[i] = (i == n - 1);
    }
    batch.n_tokens = n;
    const int rc = llama_decode(ctx, batch);
    llama_batch_free(batch);
    if (rc != 0) die("stdin:" + std::to_string(line_no) + ": llama_decode returned " + std::to_string(rc));
    const float* logits = llama_get_logits_ith(ctx, n - 1);
    if (!logits) die("stdin:" + std::to_string(line_no) + ": no logits for the last position");

    std::vector<int> order(n_vocab);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + kTopK, order.end(),
                      [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });

    std::string out = "{\"id\":" + in["id"].dump() + ",\"tokens\":[";
    for (int i = 0; i < n; ++i) out += (i ? "," : "") + std::to_string(tokens[i]);
    out += "],\"yes_id\":" + std::to_string(yes_id) + ",\"no_id\":" + std::to_string(no_id);
    out += ",\"logit_yes\":" + shortest(logits[yes_id]) + ",\"logit_no\":" + shortest(logits[no_id]);
    out += ",\"margin\":" + shortest(logits[yes_id] - logits[no_id]);
    out += ",\"top5\":[";
    for (int k = 0; k < kTopK; ++k)
      out += std::string(k ? "," : "") + "[" + std::to_string(order[k]) + "," + shortest(logits[order[k]]) + "]";
    out += "],\"top1_piece\":" +
           nlohmann::json(piece(vocab, order[0])).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += ",\"logits_head\":[";
    for (int k = 0; k < kHead; ++k) out += (k ? "," : "") + shortest(logits[k]);
    out += "]}";
    std::cout << out << "\n";
    std::cerr << "llama_golden: " << in["id"].dump() << " " << n << " tokens, margin "
              << shortest(logits[yes_id] - logits[no_id]) << "\n";
  }

  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
