// `kbseek tune`: learn the hybrid fusion weights of an index from labelled
// queries (query/tuner.h) and keep them in the index (fusion.json).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "app/args.h"
#include "app/commands.h"
#include "app/service_flags.h"
#include "query/eval.h"
#include "query/fusion_model.h"
#include "query/tuner.h"
#include "ranker/search_service.h"

namespace kbseek::app {

using core::Status;

namespace {

constexpr int kDepth = 100;  // chunks per list: what nDCG@10 over documents needs

void print_scores(const char* half, const query::TuneScores& s) {
  std::printf("%-6s %5d queries   fixed rules %.4f   tuned %.4f   (%+.4f)\n", half, s.queries, s.fixed, s.tuned,
              s.tuned - s.fixed);
}

// --dump FILE: every labelled query's lists as JSON lines, for analysis
// outside kbseek (what the tuner learns from, nothing more):
// {"id", "cls", "test", "relevant": {doc: grade},
//  "lists": [{"key", "confidence", "prior", "candidates": [[chunk, doc, score], ...]}]}
Status dump_lists(const std::string& path, const std::vector<query::TuneQuery>& tq,
                  const std::unordered_map<int64_t, std::string>& doc_of) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return Status::invalid_argument("--dump: cannot write " + path);
  for (const auto& q : tq) {
    nlohmann::json j = {{"id", q.id}, {"cls", q.cls}, {"test", q.test}, {"relevant", q.relevant}};
    j["lists"] = nlohmann::json::array();
    for (const auto& l : q.lists) {
      nlohmann::json cands = nlohmann::json::array();
      for (const auto& c : l.candidates) {
        auto d = doc_of.find(c.chunk_id);
        cands.push_back({c.chunk_id, d != doc_of.end() ? d->second : "", c.score});
      }
      j["lists"].push_back({{"key", l.key}, {"confidence", l.confidence}, {"prior", l.prior}, {"candidates", cands}});
    }
    const std::string line = j.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), f);
  }
  if (std::fclose(f) != 0) return Status::invalid_argument("--dump: cannot write " + path);
  return Status::ok();
}

}  // namespace

int cmd_tune(int argc, char** argv) {
  auto args = Args::parse(
      argc, argv, with_service_flags({"--index", "--queries", "--qrels", "--max-queries", "--test-share", "--dump"}),
      {"--json", "--dry-run"});
  if (!args.is_ok()) return fail("tune", args.status());
  for (const char* f : {"--index", "--queries", "--qrels"})
    if (!args->has(f)) return fail("tune", Status::invalid_argument(std::string("missing ") + f));
  auto limit = args->get_int("--max-queries", 0);
  if (!limit.is_ok()) return fail("tune", limit.status());
  double test_share = 0.3;
  try {
    size_t used = 0;
    const std::string v = args->get("--test-share", "0.3");
    test_share = std::stod(v, &used);
    if (used != v.size() || test_share <= 0 || test_share >= 1) throw std::invalid_argument(v);
  } catch (const std::exception&) {
    return fail("tune", Status::invalid_argument("--test-share expects a number in (0, 1), got \"" +
                                                 args->get("--test-share") + "\""));
  }
  auto queries = query::load_eval_queries(args->get("--queries"));
  if (!queries.is_ok()) return fail("tune", queries.status());
  auto qrels = query::load_qrels(args->get("--qrels"));
  if (!qrels.is_ok()) return fail("tune", qrels.status());
  auto opts = service_options_from_args(args.value());
  if (!opts.is_ok()) return fail("tune", opts.status());
  opts->use_fusion_model = false;  // retrieve as the fixed rules do; the tuner weighs the lists itself
  const std::string index_dir = args->get("--index");
  auto service = ranker::SearchService::open(index_dir, opts.value());
  if (!service.is_ok()) return fail("tune", service.status());

  // 1. Every labelled query's lists, once.
  std::vector<query::TuneQuery> tq;
  std::unordered_map<int64_t, std::string> doc_of;
  int with_labels = 0;
  for (const auto& q : queries.value()) {
    auto rel = qrels->find(q.id);
    if (rel == qrels->end()) continue;
    if (limit.value() > 0 && with_labels >= limit.value()) break;
    ++with_labels;
    query::TuneQuery t;
    t.id = q.id;
    t.relevant = rel->second;
    t.test = query::is_test_query(q.id, test_share);
    query::Query parsed;
    auto lists = service.value()->candidate_lists(q.text, kDepth, &parsed);
    if (!lists.is_ok()) return fail("tune", lists.status().with_context("query " + q.id));
    t.cls = query::query_class(parsed);
    t.lists = std::move(lists).value();
    for (const auto& l : t.lists) {
      for (const auto& c : l.candidates) {
        if (doc_of.count(c.chunk_id)) continue;
        auto chunk = service.value()->index().get_chunk(c.chunk_id);
        if (chunk.is_ok()) doc_of.emplace(c.chunk_id, chunk.value().doc_id);
      }
    }
    tq.push_back(std::move(t));
    if (with_labels % 100 == 0) std::fprintf(stderr, "tune: retrieved %d queries\n", with_labels);
  }
  if (tq.empty())
    return fail("tune", Status::invalid_argument("no query in " + args->get("--queries") + " has a judgement in " +
                                                 args->get("--qrels")));
  if (args->has("--dump")) {
    if (Status st = dump_lists(args->get("--dump"), tq, doc_of); !st.is_ok()) return fail("tune", st);
  }
  // 2. Learn.
  query::TuneOptions to;
  to.method = opts->fusion.method;
  to.prior_exponent = opts->fusion.confidence_exponent;
  std::fprintf(stderr, "tune: learning on %zu queries\n", tq.size());
  query::TuneReport report = query::tune(tq, doc_of, to);
  nlohmann::json trained = nlohmann::json::parse(report.model.trained);
  trained["queries_file"] = args->get("--queries");
  trained["qrels_file"] = args->get("--qrels");
  trained["test_share"] = test_share;
  report.model.trained = trained.dump();
  // 3. Keep it, unless asked not to, or it does worse than the rules on the queries it learned from.
  const bool keep = !args->has("--dry-run") && report.train.tuned >= report.train.fixed;
  if (keep) {
    if (Status st = query::save_fusion_model(index_dir, report.model); !st.is_ok()) return fail("tune", st);
  }
  if (args->has("--json")) {
    nlohmann::json j = query::to_json(report.model);
    j["saved"] = keep;
    j["by_class"] = nlohmann::json::object();
    for (const auto& [cls, s] : report.test_by_class)
      j["by_class"][cls] = {
          {"test_queries", s.queries}, {"fixed_test_ndcg10", s.fixed}, {"tuned_test_ndcg10", s.tuned}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  print_scores("train", report.train);
  print_scores("test", report.test);
  for (const auto& [cls, s] : report.test_by_class) {
    std::printf("  test %-16s %4d queries   fixed %.4f   tuned %.4f%s\n", cls.c_str(), s.queries, s.fixed, s.tuned,
                report.model.classes.count(cls) ? "   (own weights)" : "");
  }
  std::printf("confidence exponent %.3g; weights:", report.model.confidence_exponent);
  for (const auto& [k, w] : report.model.global) std::printf(" %s=%.3g", k.c_str(), w);
  std::printf("\n");
  for (const auto& [cls, ws] : report.model.classes) {
    std::printf("  %s:", cls.c_str());
    for (const auto& [k, w] : ws) std::printf(" %s=%.3g", k.c_str(), w);
    std::printf("\n");
  }
  std::printf("%s\n", keep                     ? ("saved " + index_dir + "/fusion.json").c_str()
                      : args->has("--dry-run") ? "not saved (--dry-run)"
                                               : "not saved: no better than the fixed rules on its own queries");
  return 0;
}

}  // namespace kbseek::app
