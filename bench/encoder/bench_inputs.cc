// A small LCG over a fixed word list: reproducible on every platform.
#include "bench/encoder/bench_inputs.h"

namespace kbseek::bench {
namespace {

const char* const kWords[] = {
    "search",     "engine",    "index",      "vector",     "query",     "document", "ranking",   "semantic", "model",
    "embedding",  "retrieval", "latency",    "throughput", "language",  "chinese",  "english",   "token",    "the",
    "a",          "of",        "and",        "to",         "in",        "is",       "for",       "with",     "on",
    "that",       "by",        "from",       "fast",       "small",     "large",    "accurate",  "relevant", "users",
    "results",    "system",    "memory",     "disk",       "network",   "server",   "benchmark", "compare",  "measure",
    "improve",    "store",     "find",       "搜索",       "引擎",      "向量",     "文档",      "查询",     "排序",
    "语义",       "模型",      "检索",       "中文",       "knowledge", "base",     "passage",   "sentence", "cosine",
    "similarity", "neighbors", "approximate"};
constexpr uint32_t kNumWords = sizeof(kWords) / sizeof(kWords[0]);

struct Lcg {
  uint32_t state;
  uint32_t next() {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  }
};

std::string sentence(Lcg* rng, int words) {
  std::string s;
  for (int i = 0; i < words; ++i) {
    if (i) s += ' ';
    s += kWords[rng->next() % kNumWords];
  }
  s += '.';
  return s;
}

}  // namespace

BenchInputs make_bench_inputs(int num_short, int num_long, int long_sentences) {
  Lcg rng{12345};
  BenchInputs in;
  for (int i = 0; i < num_short; ++i) in.short_texts.push_back(sentence(&rng, 8 + static_cast<int>(rng.next() % 7)));
  for (int i = 0; i < num_long; ++i) {
    std::string p;
    for (int s = 0; s < long_sentences; ++s) p += (s ? " " : "") + sentence(&rng, 12);
    in.long_texts.push_back(p);
  }
  return in;
}

}  // namespace kbseek::bench
