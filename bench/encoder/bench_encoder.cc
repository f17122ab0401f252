// bench_encoder: sentences/s of the kbseek encoder at batch 1/32/256 for
// short and ~200-token inputs, plus single-query latency. Writes the inputs
// to a JSON file so bench/encoder/reference.py measures PyTorch
// (sentence-transformers) on exactly the same texts; with --peer it runs that
// command right after and puts both tables in the --report markdown file.
//
//   bench_encoder [--model NAME|PATH] [--threads N] [--seconds S]
//                 [--batches 1,32,256] [--long-sentences N] [--precision auto|fp32|bf16|int8[,...]]
//                 [--inputs-out FILE] [--peer "CMD"] [--report FILE.md]
// Passages are encoded as passages (with the model's passage prompt, if any)
// and latency queries as queries; the peer should do the same.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/encoder/bench_inputs.h"
#include "core/file_util.h"
#include "core/thread_pool.h"
#include "encoder/encoder.h"
#include "encoder/model_folder.h"

namespace {

using Clock = std::chrono::steady_clock;
using kbseek::encoder::Encoder;
using kbseek::encoder::InputKind;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Encodes `texts` in calls of `batch` texts, cycling, for at least
// `min_seconds` and at least one pass over min(texts, batch * 2) texts.
double sentences_per_second(Encoder& enc, const std::vector<std::string>& texts, int batch, double min_seconds) {
  std::vector<float> out(static_cast<size_t>(batch) * enc.dimension());
  size_t done = 0, pos = 0;
  const auto t0 = Clock::now();
  while (done < static_cast<size_t>(batch) || seconds_since(t0) < min_seconds) {
    std::vector<std::string> chunk;
    for (int i = 0; i < batch; ++i) chunk.push_back(texts[(pos + i) % texts.size()]);
    pos += batch;
    kbseek::core::Status st = enc.encode(chunk, InputKind::kPassage, out.data());
    if (!st.is_ok()) {
      std::fprintf(stderr, "encode failed: %s\n", st.to_string().c_str());
      std::exit(1);
    }
    done += batch;
  }
  return done / seconds_since(t0);
}

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "(could not run: " + cmd + ")\n";
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// "Intel(R) Xeon(R) Processor, 2 cores" from /proc/cpuinfo.
std::string machine_description() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  int cores = 0;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = trim(line.substr(line.find(':') + 2));
      ++cores;
    }
  }
  return model + ", " + std::to_string(cores) + " logical CPUs";
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "all-minilm-l6-v2", inputs_out = "bench/work/encoder_inputs.json";
  std::string peer, report_path;
  int threads = 0, long_sentences = 14;
  double min_seconds = 3.0;
  std::vector<int> batches = {1, 32, 256};
  std::string precision = "auto";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--model" && has)
      model = argv[++i];
    else if (a == "--threads" && has)
      threads = std::atoi(argv[++i]);
    else if (a == "--seconds" && has)
      min_seconds = std::atof(argv[++i]);
    else if (a == "--long-sentences" && has)
      long_sentences = std::atoi(argv[++i]);
    else if (a == "--precision" && has)
      precision = argv[++i];
    else if (a == "--batches" && has) {
      batches.clear();
      for (const char* p = argv[++i]; *p != '\0';) {
        batches.push_back(std::atoi(p));
        while (*p != '\0' && *p != ',') ++p;
        if (*p == ',') ++p;
      }
    } else if (a == "--inputs-out" && has)
      inputs_out = argv[++i];
    else if (a == "--peer" && has)
      peer = argv[++i];
    else if (a == "--report" && has)
      report_path = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: %s [--model NAME|PATH] [--threads N] [--seconds S] [--batches 1,32,256] "
                   "[--long-sentences N] [--precision auto|fp32|bf16|int8[,...]] [--inputs-out FILE] "
                   "[--peer \"CMD\"] [--report FILE.md]\n",
                   argv[0]);
      return 2;
    }
  }
  auto dir = kbseek::encoder::resolve_model(model);
  if (!dir.is_ok()) {
    std::fprintf(stderr, "%s\n", dir.status().to_string().c_str());
    return 1;
  }
  // One table per precision, each from a freshly opened encoder, all before
  // the peer: "--precision fp32,bf16" puts kbseek's exact and reduced paths
  // side by side with the peer in one run.
  std::vector<std::string> precisions;
  for (size_t b = 0; b <= precision.size();) {
    const size_t e = std::min(precision.find(',', b), precision.size());
    if (e > b) precisions.push_back(precision.substr(b, e - b));
    b = e + 1;
  }
  for (const std::string& p : precisions) {
    if (p != "auto" && p != "fp32" && p != "bf16" && p != "int8") {
      std::fprintf(stderr, "--precision: '%s' is not auto, fp32, bf16 or int8 (comma-separated)\n", p.c_str());
      return 2;
    }
  }
  if (precisions.empty()) precisions.push_back("auto");
  const kbseek::bench::BenchInputs in = kbseek::bench::make_bench_inputs(512, 256, long_sentences);
  {
    nlohmann::json j = {{"short", in.short_texts}, {"long", in.long_texts}};
    const size_t slash = inputs_out.find_last_of('/');
    if (slash != std::string::npos) (void)kbseek::core::make_dirs(inputs_out.substr(0, slash));
    std::ofstream f(inputs_out);
    if (f)
      f << j.dump() << "\n";
    else
      std::fprintf(stderr, "note: cannot write %s (reference.py needs it)\n", inputs_out.c_str());
  }
  std::string table;
  auto emit = [&table](const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
    table += line;
  };
  char buf[512];
  for (const std::string& prec : precisions) {
    kbseek::encoder::EncoderOptions opts;
    opts.num_threads = threads;
    if (prec == "fp32")
      opts.precision = kbseek::encoder::Precision::kFp32;
    else if (prec == "bf16")
      opts.precision = kbseek::encoder::Precision::kBf16;
    else if (prec == "int8")
      opts.precision = kbseek::encoder::Precision::kInt8;
    auto t_open = Clock::now();
    auto enc = kbseek::encoder::open_encoder(dir.value(), opts);
    if (!enc.is_ok()) {
      std::fprintf(stderr, "%s\n", enc.status().to_string().c_str());
      return 1;
    }
    const double open_s = seconds_since(t_open);

    double short_tokens = 0, long_tokens = 0;
    for (const auto& t : in.short_texts) short_tokens += (*enc)->count_tokens(t) + 2;
    for (const auto& t : in.long_texts) long_tokens += std::min((*enc)->count_tokens(t) + 2, (*enc)->max_tokens());
    if (!table.empty()) emit("\n");
    std::snprintf(buf, sizeof buf, "kbseek encoder benchmark: model %s, threads %d, precision %s, open %.2f s\n",
                  (*enc)->name().c_str(), threads > 0 ? threads : kbseek::core::default_thread_count(), prec.c_str(),
                  open_s);
    emit(buf);
    std::snprintf(buf, sizeof buf, "inputs: %zu short (mean %.1f tokens), %zu long (mean %.1f tokens)\n\n",
                  in.short_texts.size(), short_tokens / in.short_texts.size(), in.long_texts.size(),
                  long_tokens / in.long_texts.size());
    emit(buf);
    emit("| input | batch | sentences/s |\n|---|---:|---:|\n");
    for (const auto* set : {&in.short_texts, &in.long_texts}) {
      for (int batch : batches) {
        const double sps = sentences_per_second(**enc, *set, batch, min_seconds);
        std::snprintf(buf, sizeof buf, "| %s | %d | %.1f |\n", set == &in.short_texts ? "short" : "long", batch, sps);
        emit(buf);
      }
    }
    std::vector<double> ms;
    std::vector<float> out((*enc)->dimension());
    for (int i = 0; i < 200; ++i) {
      const auto t0 = Clock::now();
      kbseek::core::Status st =
          (*enc)->encode({in.short_texts[i % in.short_texts.size()]}, InputKind::kQuery, out.data());
      if (!st.is_ok()) {
        std::fprintf(stderr, "%s\n", st.to_string().c_str());
        return 1;
      }
      ms.push_back(seconds_since(t0) * 1e3);
    }
    std::sort(ms.begin(), ms.end());
    std::snprintf(buf, sizeof buf,
                  "\nsingle-query latency (200 short queries): p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n", ms[100],
                  ms[190], ms[198]);
    emit(buf);
  }

  std::string peer_output;
  if (!peer.empty()) {
    std::printf("\n$ %s\n", peer.c_str());
    std::fflush(stdout);
    peer_output = run_command(peer);
    std::fputs(peer_output.c_str(), stdout);
  }
  if (!report_path.empty()) {
    std::string cmd;
    for (int i = 0; i < argc; ++i) {
      const std::string arg = argv[i];
      cmd += (i ? " " : "") + (arg.find(' ') == std::string::npos ? arg : "\"" + arg + "\"");
    }
    std::string md = "# Encoder throughput: kbseek vs sentence-transformers\n\n";
    md += "- machine: " + machine_description() + "\n";
    md += "- commit: " + trim(run_command("git rev-parse --short HEAD 2>/dev/null")) + "\n";
    md += "- command: `" + cmd + "`\n\n## kbseek\n\n" + table;
    if (!peer.empty()) md += "\n## peer: `" + peer + "`\n\n" + peer_output;
    kbseek::core::Status st = kbseek::core::write_file_atomic(report_path, md);
    if (!st.is_ok()) std::fprintf(stderr, "%s\n", st.to_string().c_str());
  }
  return 0;
}
