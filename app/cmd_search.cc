// `kbseek search` and `kbseek stats`: read-only uses of an index (serve: app/cmd_serve.cc).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/args.h"
#include "app/commands.h"
#include "app/service_flags.h"
#include "ranker/search_service.h"

namespace kbseek::app {

using core::Status;

int fail(const char* cmd, const Status& status) {
  std::fprintf(stderr, "kbseek %s: %s\n", cmd, status.message().c_str());
  return 2;
}

namespace {

core::Result<std::unique_ptr<ranker::SearchService>> open_service(const Args& args) {
  KB_ASSIGN_OR_RETURN(std::string dir, args.require("--index"));
  return open_search_service(args, dir);
}

}  // namespace

int cmd_search(int argc, char** argv) {
  auto args =
      Args::parse(argc, argv, with_service_flags({"--index", "-k", "--mode", "--principals", "--offset", "--facets"}),
                  {"--json", "--explain", "--fixed-weights"});
  if (!args.is_ok()) return fail("search", args.status());
  if (args->positional().empty()) return fail("search", Status::invalid_argument("no query given"));
  std::string query;
  for (const auto& p : args->positional()) query += (query.empty() ? "" : " ") + p;
  ranker::SearchRequest req;
  req.query = query;
  auto k = args->get_int("-k", 10);
  if (!k.is_ok()) return fail("search", k.status());
  req.k = k.value();
  auto offset = args->get_int("--offset", 0);
  if (!offset.is_ok()) return fail("search", offset.status());
  req.offset = offset.value();
  req.facets = args->get_list("--facets");
  auto mode = ranker::parse_search_mode(args->get("--mode", "hybrid"));
  if (!mode.is_ok()) return fail("search", mode.status());
  req.mode = mode.value();
  if (Status st = rerank_from_args(args.value(), &req); !st.is_ok()) return fail("search", st);
  principals_from_args(args.value(), &req);
  auto service = open_service(args.value());
  if (!service.is_ok()) return fail("search", service.status());
  auto resp = service.value()->search(req);
  if (!resp.is_ok()) return fail("search", resp.status());
  if (args->has("--json")) {
    std::printf("%s\n", ranker::to_json(resp.value(), args->has("--explain")).dump().c_str());
    return 0;
  }
  for (const auto& w : resp->query.warnings) std::fprintf(stderr, "kbseek search: warning: %s\n", w.c_str());
  if (args->has("--explain")) {
    const auto& q = resp->query;
    std::string conditions, languages;
    for (const auto& c : q.described) conditions += (conditions.empty() ? "" : ", ") + c;
    for (const auto& l : q.languages) languages += (languages.empty() ? "" : ",") + l;
    std::printf("query: \"%s\"%s%s; languages %s; question %s%s\n", q.text.c_str(),
                conditions.empty() ? "" : "; conditions ", conditions.c_str(),
                languages.empty() ? "-" : languages.c_str(), query::question_form_name(q.question),
                q.time.recent ? "; asks for recent" : "");
  }
  int i = req.offset;  // ranks, not positions on the page
  for (const auto& r : resp->results) {
    std::printf("%2d. [%.4f] %s  %s\n    %s\n", ++i, r.score, r.id.c_str(), r.title.c_str(), r.snippet.c_str());
    if (args->has("--explain"))
      for (const auto& s : r.explanation)
        std::printf("      %s rank %d score %.4f weight %.3f\n", s.source.c_str(), s.rank, s.score, s.weight);
  }
  if (resp->reranked) {
    const auto& r = resp->rerank;
    std::printf("(LLM %s re-ranked %d of %d in %.0f ms%s%s)\n", r.model.c_str(), r.reranked, r.candidates, r.took_ms,
                r.warning.empty() ? "" : "; ", r.warning.c_str());
  }
  for (const auto& [field, counts] : resp->facets) {
    std::printf("%s:", field.c_str());
    for (const auto& c : counts) std::printf(" %s (%d)", c.value.c_str(), c.count);
    std::printf("\n");
  }
  std::printf("(%zu results%s, %.1f ms)\n", resp->results.size(), resp->more ? ", more with --offset" : "",
              resp->took_ms);
  return 0;
}

int cmd_stats(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--index"}, {"--json"});
  if (!args.is_ok()) return fail("stats", args.status());
  auto dir = args->require("--index");
  if (!dir.is_ok()) return fail("stats", dir.status());
  auto index = storage::IndexFolder::open_read_only(dir.value());
  if (!index.is_ok()) return fail("stats", index.status());
  const auto& m = index.value()->manifest();
  nlohmann::json models = nlohmann::json::array();
  for (const auto& mm : m.models)
    models.push_back({{"name", mm.name}, {"fingerprint", mm.fingerprint}, {"dimension", mm.dimension}});
  nlohmann::json j = {{"documents", index.value()->document_count()},
                      {"chunks", index.value()->chunk_count()},
                      {"format_version", m.format_version},
                      {"generation", m.generation},
                      {"models", models}};
  if (args->has("--json")) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", j.dump(2).c_str());
  }
  return 0;
}

}  // namespace kbseek::app
