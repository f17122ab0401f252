// use_bench: sentences/s of the use-m3 encoder at batch 1/32/256 on short
// bilingual queries and ~150-token passages, plus single-query latency, with
// the numpy reference (bench/encoder/use_reference.py) measured in the same
// run on the same texts and thread count. Prints a table and writes it to
// bench/results/use_m3.md. Run from the repository root:
//
//   use_bench [--model NAME|PATH] [--threads N] [--seconds S] [--data DIR] [--no-reference]
//             [--profile short|long BATCH]
//
// --profile: only kbseek on one input set and batch size for --seconds, no
// table written (to run under perf or callgrind).
// --data: the evaluation sets (default ../shared/evaldata) whose queries and
// passages are the inputs.
//
// The reference needs the wheel and numpy that scripts/fetch_use_m3.sh puts
// under .cache/; inputs and its raw figures go to bench/work/.
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "encoder/model_folder.h"
#include "encoder/registry.h"
#include "encoder/use/use_encoder.h"

namespace {

using Clock = std::chrono::steady_clock;
using kbseek::encoder::Encoder;
using kbseek::encoder::InputKind;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Inputs: real queries and passages when the evaluation sets are present
// (interleaved xquad_zh, xquad_en and tatoeba_zh2en queries; xquad_zh and
// xquad_en passages), else deterministic bilingual text from a fixed LCG.
// Real text matters here: the model computes per distinct token id, and
// synthetic text from a small word list repeats far more than real text.
struct Inputs {
  std::vector<std::string> short_texts, long_texts;
  std::string source;
};

std::vector<std::string> read_texts(const std::string& path, size_t limit) {
  std::vector<std::string> out;
  std::ifstream f(path);
  std::string line;
  while (out.size() < limit && std::getline(f, line)) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("text") && j["text"].is_string() && !j["text"].get<std::string>().empty()) {
      out.push_back(j["text"].get<std::string>());
    }
  }
  return out;
}

std::vector<std::string> interleave(const std::vector<std::vector<std::string>>& lists, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; out.size() < n; ++i) {
    bool any = false;
    for (const auto& l : lists) {
      if (i < l.size() && out.size() < n) {
        out.push_back(l[i]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

Inputs make_inputs(const std::string& data_dir, int num_short, int num_long) {
  Inputs in;
  in.short_texts = interleave({read_texts(data_dir + "/xquad_zh/queries.jsonl", num_short),
                               read_texts(data_dir + "/xquad_en/queries.jsonl", num_short),
                               read_texts(data_dir + "/tatoeba_zh2en/queries.jsonl", num_short)},
                              num_short);
  in.long_texts = interleave({read_texts(data_dir + "/xquad_zh/corpus.jsonl", num_long),
                              read_texts(data_dir + "/xquad_en/corpus.jsonl", num_long)},
                             num_long);
  if (in.short_texts.size() == static_cast<size_t>(num_short) &&
      in.long_texts.size() == static_cast<size_t>(num_long)) {
    in.source = "queries of xquad_zh, xquad_en, tatoeba_zh2en; passages of xquad_zh, xquad_en (" + data_dir + ")";
    return in;
  }
  static const char* kZh[] = {"如何", "重置", "密码", "公司", "报销", "差旅", "费用", "服务器", "数据库", "备份",
                              "网络", "配置", "安装", "驱动", "版本", "更新", "权限", "申请",   "审批",   "流程",
                              "合同", "客户", "订单", "发票", "系统", "故障", "日志", "监控",   "告警",   "性能"};
  static const char* kEn[] = {"how",       "to",       "reset",    "the",        "password", "company",
                              "travel",    "expense",  "server",   "database",   "backup",   "network",
                              "configure", "install",  "driver",   "version",    "update",   "permission",
                              "request",   "approval", "contract", "customer",   "order",    "invoice",
                              "system",    "failure",  "log",      "monitoring", "alert",    "performance"};
  uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto next = [&state](int n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((state >> 33) % static_cast<uint64_t>(n));
  };
  const auto sentence = [&](int kind, int words) {
    std::string s;
    for (int w = 0; w < words; ++w) {
      const bool zh = kind == 0 || (kind == 2 && next(2) == 0);
      if (zh)
        s += kZh[next(30)];
      else
        s += (s.empty() || s.back() == ' ' ? "" : " ") + std::string(kEn[next(30)]) + " ";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + (kind == 1 ? "?" : "？");
  };
  in = Inputs();
  in.source =
      "synthetic (no evaluation sets at " + data_dir + "): repeats more than real text, flatters the per-id stage";
  for (int i = 0; i < num_short; ++i) in.short_texts.push_back(sentence(i % 3, 6 + next(8)));
  for (int i = 0; i < num_long; ++i) {
    std::string p;
    for (int k = 0; k < 8; ++k) p += sentence((i + k) % 3, 10 + next(8)) + " ";
    in.long_texts.push_back(p);
  }
  return in;
}

double sentences_per_second(Encoder& enc, const std::vector<std::string>& texts, int batch, double min_seconds) {
  std::vector<float> out(static_cast<size_t>(batch) * enc.dimension());
  size_t done = 0, pos = 0;
  const auto t0 = Clock::now();
  while (done < static_cast<size_t>(batch) || seconds_since(t0) < min_seconds) {
    std::vector<std::string> chunk;
    for (int i = 0; i < batch; ++i) chunk.push_back(texts[(pos + i) % texts.size()]);
    pos += batch;
    const kbseek::core::Status st = enc.encode(chunk, InputKind::kPassage, out.data());
    if (!st.is_ok()) {
      std::fprintf(stderr, "encode failed: %s\n", st.to_string().c_str());
      std::exit(1);
    }
    done += batch;
  }
  return done / seconds_since(t0);
}

std::string shell_output(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "use-m3";
  int threads = 2;
  double min_seconds = 3.0;
  bool with_reference = true;
  std::string profile_set;
  int profile_batch = 0;
  std::string data_dir = "../shared/evaldata";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--model" && has)
      model = argv[++i];
    else if (a == "--threads" && has)
      threads = std::atoi(argv[++i]);
    else if (a == "--seconds" && has)
      min_seconds = std::atof(argv[++i]);
    else if (a == "--data" && has)
      data_dir = argv[++i];
    else if (a == "--no-reference")
      with_reference = false;
    else if (a == "--profile" && i + 2 < argc &&
             (std::string(argv[i + 1]) == "short" || std::string(argv[i + 1]) == "long")) {
      profile_set = argv[++i];
      profile_batch = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: %s [--model NAME|PATH] [--threads N] [--seconds S] [--data DIR] [--no-reference] "
                   "[--profile short|long BATCH]\n",
                   argv[0]);
      return 2;
    }
  }
  auto dir = kbseek::encoder::resolve_model(model);
  if (!dir.is_ok()) {
    std::fprintf(stderr, "%s\n", dir.status().to_string().c_str());
    return 1;
  }
  kbseek::encoder::EncoderOptions opts;
  opts.num_threads = threads;
  const auto t_open = Clock::now();
  const kbseek::core::Status verified = kbseek::encoder::verify_model_folder(dir.value());
  if (!verified.is_ok()) {
    std::fprintf(stderr, "%s\n", verified.to_string().c_str());
    return 1;
  }
  auto fingerprint = kbseek::encoder::model_fingerprint(dir.value());
  const std::string name = dir.value().substr(dir.value().find_last_of('/') + 1);
  kbseek::encoder::ModelSource src;
  src.dir = dir.value();
  src.name = name;
  src.fingerprint = fingerprint.is_ok() ? fingerprint.value() : "";
  auto enc = kbseek::encoder::open_use_m3_encoder(src, opts);
  if (!enc.is_ok()) {
    std::fprintf(stderr, "%s\n", enc.status().to_string().c_str());
    return 1;
  }
  const double open_s = seconds_since(t_open);
  const char* products = static_cast<const kbseek::encoder::UseM3Encoder&>(**enc).model().products_name();

  const Inputs in = make_inputs(data_dir, 1024, 256);
  const std::string inputs_path = "bench/work/use_inputs.json";
  (void)kbseek::core::make_dirs("bench/work");
  std::ofstream(inputs_path) << nlohmann::json({{"short", in.short_texts}, {"long", in.long_texts}}).dump() << "\n";
  double short_tokens = 0, long_tokens = 0;
  for (const auto& t : in.short_texts) short_tokens += (*enc)->count_tokens(t) + 2;
  for (const auto& t : in.long_texts) long_tokens += std::min((*enc)->count_tokens(t) + 2, (*enc)->max_tokens());

  if (!profile_set.empty()) {
    const double rate = sentences_per_second(**enc, profile_set == "short" ? in.short_texts : in.long_texts,
                                             profile_batch, min_seconds);
    std::fprintf(stderr, "kbseek %s batch %d: %.1f sentences/s\n", profile_set.c_str(), profile_batch, rate);
    return 0;
  }
  const std::string load_before = shell_output("cut -d' ' -f1-3 /proc/loadavg");
  std::map<std::pair<std::string, int>, double> ours;
  for (const char* set : {"short", "long"}) {
    for (int batch : {1, 32, 256}) {
      ours[{set, batch}] =
          sentences_per_second(**enc, set[0] == 's' ? in.short_texts : in.long_texts, batch, min_seconds);
      std::fprintf(stderr, "kbseek %s batch %d: %.1f sentences/s\n", set, batch, ours[{set, batch}]);
    }
  }
  std::vector<double> ms;
  std::vector<float> out((*enc)->dimension());
  for (int i = 0; i < 1000; ++i) {
    const auto t0 = Clock::now();
    if (!(*enc)->encode({in.short_texts[i % in.short_texts.size()]}, InputKind::kQuery, out.data()).is_ok()) return 1;
    ms.push_back(seconds_since(t0) * 1e3);
  }
  std::sort(ms.begin(), ms.end());

  // The reference at the same thread count, and single-threaded: on a shared
  // 2-core machine numpy's OpenBLAS threads wait on each other (its 2-thread
  // single-query mean was 10× its 1-thread one), so the 1-thread run is the
  // reference at its best and the fair peer.
  std::vector<int> ref_threads = {threads};
  if (threads != 1) ref_threads.push_back(1);
  std::vector<nlohmann::json> refs;
  if (with_reference) {
    for (int rt : ref_threads) {
      const std::string out_path = "bench/work/use_reference_" + std::to_string(rt) + "t.json";
      const std::string cmd = "PYTHONPATH=.cache/use-m3/python python3 bench/encoder/use_reference.py --inputs " +
                              inputs_path + " --threads " + std::to_string(rt) + " --seconds " +
                              std::to_string(min_seconds) + " --json-out " + out_path;
      if (std::system(cmd.c_str()) != 0) {
        std::fprintf(stderr, "reference failed: %s (run scripts/fetch_use_m3.sh first)\n", cmd.c_str());
        return 1;
      }
      std::ifstream f(out_path);
      refs.push_back(nlohmann::json::parse(f, nullptr, false));
      if (refs.back().is_discarded()) {
        std::fprintf(stderr, "cannot parse %s\n", out_path.c_str());
        return 1;
      }
    }
  }
  const auto ref_rate = [&](size_t r, const std::string& set, int batch) {
    for (const auto& row : refs[r]["rows"]) {
      if (row["input"] == set && row["batch"] == batch) return row["sentences_per_s"].get<double>();
    }
    return 0.0;
  };

  std::ostringstream t;
  char line[512];
  t << "- inputs: " << in.source << "\n- load average (1/5/15 min) before: " << load_before
    << ", after: " << shell_output("cut -d' ' -f1-3 /proc/loadavg") << " (other processes share the cores)\n";
  std::snprintf(line, sizeof line,
                "- model %s (%s), kbseek %d threads (%s), open %.2f s; inputs: %zu short (mean %.1f tokens), %zu long "
                "(mean %.1f tokens)\n\n",
                name.c_str(), dir.value().c_str(), threads, products, open_s, in.short_texts.size(),
                short_tokens / in.short_texts.size(), in.long_texts.size(), long_tokens / in.long_texts.size());
  t << line << "| input | batch | kbseek sentences/s |";
  for (size_t r = 0; r < refs.size(); ++r) {
    t << " reference, " << ref_threads[r] << (ref_threads[r] == 1 ? " thread" : " threads") << " | speed-up |";
  }
  t << "\n|---|---:|---:|";
  for (size_t r = 0; r < refs.size(); ++r) t << "---:|---:|";
  t << "\n";
  for (const char* set : {"short", "long"}) {
    for (int batch : {1, 32, 256}) {
      const double a = ours[{set, batch}];
      std::snprintf(line, sizeof line, "| %s | %d | %.1f |", set, batch, a);
      t << line;
      for (size_t r = 0; r < refs.size(); ++r) {
        const double b = ref_rate(r, set, batch);
        std::snprintf(line, sizeof line, " %.1f | %.1f× |", b, b > 0 ? a / b : 0.0);
        t << line;
      }
      t << "\n";
    }
  }
  std::snprintf(line, sizeof line,
                "\nSingle-query latency (1000 short queries): kbseek p50 %.3f ms, p95 %.3f ms, p99 %.3f ms\n", ms[500],
                ms[950], ms[990]);
  t << line << "\n";
  for (size_t r = 0; r < refs.size(); ++r) {
    std::snprintf(line, sizeof line,
                  "- reference, %d thread(s) (200 queries): p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (numpy %s)\n",
                  ref_threads[r], refs[r]["latency_ms"]["p50"].get<double>(),
                  refs[r]["latency_ms"]["p95"].get<double>(), refs[r]["latency_ms"]["p99"].get<double>(),
                  refs[r]["numpy"].get<std::string>().c_str());
    t << line;
  }
  std::printf("%s", t.str().c_str());

  struct utsname u {};
  uname(&u);
  const std::string cpu = shell_output("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2");
  const std::string commit =
      shell_output("git rev-parse --short HEAD 2>/dev/null") +
      (shell_output("git status --porcelain 2>/dev/null").empty() ? "" : " (with uncommitted changes)");
  std::ofstream md("bench/results/use_m3.md");
  md << "# use-m3 encoder: kbseek C++ vs the numpy reference\n\n"
     << "- machine:" << cpu << ", " << shell_output("nproc") << " cores, " << u.sysname << " " << u.release << "\n"
     << "- commit: " << commit << "\n"
     << "- command: `" << argv[0] << " --threads " << threads << " --seconds " << min_seconds
     << "` (from the repository root)\n"
     << t.str();
  return 0;
}
