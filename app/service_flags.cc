// Service flags.
#include "app/service_flags.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace kbseek::app {

using core::Status;

const std::set<std::string> kServiceFlags = {"--models-dir",
                                             "--models",
                                             "--weights",
                                             "--fusion",
                                             "--confidence-exponent",
                                             "--rrf-k",
                                             "--rerank",
                                             "--rerank-k",
                                             "--rerank-budget-ms",
                                             "--rerank-weight",
                                             "--rerank-default-weight",
                                             "--rerank-passage-tokens",
                                             "--freshness",
                                             "--recent-weight",
                                             "--half-life-days",
                                             "--mmr-lambda",
                                             "--group-by",
                                             "--boost",
                                             "--other-chunks-weight",
                                             "--nprobe"};

core::Result<std::unique_ptr<ranker::SearchService>> open_search_service(const Args& args, const std::string& dir,
                                                                         size_t cache_entries,
                                                                         int64_t persistent_entries) {
  KB_ASSIGN_OR_RETURN(auto opts, service_options_from_args(args));
  opts.result_cache_entries = cache_entries;
  opts.persistent_cache_entries = persistent_entries;
  return ranker::SearchService::open(dir, opts);
}

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

std::set<std::string> with_service_flags(std::set<std::string> flags) {
  flags.insert(kServiceFlags.begin(), kServiceFlags.end());
  return flags;
}

namespace {
// The non-negative number that fills `item` after position `sep` ("bm25=0.5"
// after '='), or -1 when there is none.
double number_after(const std::string& item, size_t sep) {
  if (sep == std::string::npos) return -1;
  try {
    size_t used = 0;
    const double v = std::stod(item.substr(sep + 1), &used);
    return used == item.size() - sep - 1 && v >= 0 ? v : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

core::Result<double> get_double(const Args& args, const std::string& flag, double fallback) {
  if (!args.has(flag)) return fallback;
  const std::string v = args.get(flag);
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used != v.size() || d < 0) throw std::invalid_argument("bad");
    return d;
  } catch (const std::exception&) {
    return Status::invalid_argument(flag + " expects a non-negative number, got \"" + v + "\"");
  }
}
}  // namespace

core::Status rerank_from_args(const Args& args, ranker::SearchRequest* req) {
  if (!args.has("--rerank")) {
    for (const char* f : {"--rerank-k", "--rerank-budget-ms", "--rerank-weight"}) {
      if (args.has(f)) return Status::invalid_argument(std::string(f) + " needs --rerank MODEL");
    }
    return Status::ok();
  }
  req->rerank_model = args.get("--rerank");
  if (req->rerank_model.empty()) return Status::invalid_argument("--rerank names no model");
  KB_ASSIGN_OR_RETURN(req->rerank.k, args.get_int("--rerank-k", 10));
  KB_ASSIGN_OR_RETURN(req->rerank.budget_ms, get_double(args, "--rerank-budget-ms", 0));
  KB_ASSIGN_OR_RETURN(req->rerank.llm_weight, get_double(args, "--rerank-weight", -1));
  if (args.has("--rerank-weight") && req->rerank.llm_weight > 1) {
    return Status::invalid_argument("--rerank-weight expects a number in [0, 1]");
  }
  return Status::ok();
}

void principals_from_args(const Args& args, ranker::SearchRequest* req) {
  req->principals = args.has("--principals") ? storage::Principals::parse(args.get("--principals"))
                                             : storage::Principals::everyone_allowed();
}

core::Result<ranker::SearchServiceOptions> service_options_from_args(const Args& args) {
  ranker::SearchServiceOptions opts;
  opts.models_dir = args.get("--models-dir");
  opts.models = args.get_list("--models");
  if (args.has("--models") && opts.models.empty()) return Status::invalid_argument("--models names no model");
  const std::string fusion =
      args.get("--fusion", opts.fusion.method == query::FusionMethod::kReciprocalRank ? "rrf" : "weighted");
  if (fusion == "rrf")
    opts.fusion.method = query::FusionMethod::kReciprocalRank;
  else if (fusion == "weighted")
    opts.fusion.method = query::FusionMethod::kWeightedNormalized;
  else
    return Status::invalid_argument("--fusion \"" + fusion + "\" is not one of rrf, weighted");
  KB_ASSIGN_OR_RETURN(opts.fusion.confidence_exponent,
                      get_double(args, "--confidence-exponent", opts.fusion.confidence_exponent));
  KB_ASSIGN_OR_RETURN(opts.fusion.rrf_k, get_double(args, "--rrf-k", opts.fusion.rrf_k));
  for (const std::string& item : args.get_list("--weights")) {
    const size_t eq = item.find('=');
    const double w = number_after(item, eq);
    if (eq == 0 || w < 0)
      return Status::invalid_argument(
          "--weights expects NAME=WEIGHT[,NAME=WEIGHT...] with a model name or bm25 "
          "and a non-negative number, got \"" +
          item + "\"");
    opts.weights[item.substr(0, eq)] = w;
  }
  KB_ASSIGN_OR_RETURN(opts.rerank_passage_tokens, args.get_int("--rerank-passage-tokens", opts.rerank_passage_tokens));
  KB_ASSIGN_OR_RETURN(opts.nprobe, args.get_int("--nprobe", 0));
  if (opts.nprobe < 0) return Status::invalid_argument("--nprobe expects a positive number of IVF lists");
  // One default LLM weight for every model, in place of the measured ones.
  if (args.has("--rerank-default-weight")) {
    KB_ASSIGN_OR_RETURN(opts.llm_weight, get_double(args, "--rerank-default-weight", opts.llm_weight));
    if (opts.llm_weight > 1) return Status::invalid_argument("--rerank-default-weight expects a number in [0, 1]");
    opts.llm_weights.clear();
  }
  if (opts.rerank_passage_tokens <= 0) return Status::invalid_argument("--rerank-passage-tokens expects a number > 0");
  KB_ASSIGN_OR_RETURN(opts.ranking_overrides, ranking_overrides_from_args(args));
  opts.use_fusion_model = !args.has("--fixed-weights");
  return opts;
}

core::Result<std::string> ranking_overrides_from_args(const Args& args) {
  nlohmann::json j = nlohmann::json::object();
  const std::pair<const char*, const char*> numbers[] = {{"--freshness", "freshness_weight"},
                                                         {"--recent-weight", "recent_weight"},
                                                         {"--half-life-days", "half_life_days"},
                                                         {"--mmr-lambda", "mmr_lambda"},
                                                         {"--other-chunks-weight", "other_chunks_weight"}};
  for (const auto& [flag, key] : numbers) {
    if (!args.has(flag)) continue;
    KB_ASSIGN_OR_RETURN(double v, get_double(args, flag, 0));
    ranker::RankingOptions check;
    if (Status st = ranker::ranking_from_json({{key, v}}, &check); !st.is_ok())
      return Status::invalid_argument(std::string(flag) + " " + args.get(flag) + ": " + st.message());
    j[key] = v;
  }
  if (args.has("--group-by")) {  // FIELD:N
    const std::string v = args.get("--group-by");
    const size_t colon = v.rfind(':');
    int n = 0;
    try {
      size_t used = 0;
      if (colon != std::string::npos) n = std::stoi(v.substr(colon + 1), &used);
      if (colon == std::string::npos || used != v.size() - colon - 1) n = 0;
    } catch (const std::exception&) {
      n = 0;
    }
    if (colon == 0 || n <= 0)
      return Status::invalid_argument("--group-by expects FIELD:N (at most N results per value of FIELD), got \"" + v +
                                      "\"");
    j["group_field"] = v.substr(0, colon);
    j["max_per_group"] = n;
  }
  if (args.has("--boost")) {  // FIELD:VALUE=FACTOR,...
    nlohmann::json boosts = nlohmann::json::array();
    for (const std::string& item : args.get_list("--boost")) {
      const size_t colon = item.find(':'), eq = item.rfind('=');
      const double f = number_after(item, eq);
      if (colon == std::string::npos || colon == 0 || eq == std::string::npos || eq < colon || f < 0)
        return Status::invalid_argument("--boost expects FIELD:VALUE=FACTOR[,...] with a factor >= 0, got \"" + item +
                                        "\"");
      boosts.push_back(
          {{"field", item.substr(0, colon)}, {"value", item.substr(colon + 1, eq - colon - 1)}, {"factor", f}});
    }
    j["boosts"] = boosts;
  }
  if (j.empty()) return std::string();
  // Checked now, so that a bad value is named before the index is opened.
  ranker::RankingOptions check;
  KB_RETURN_IF_ERROR(ranker::ranking_from_json(j, &check));
  return j.dump();
}

}  // namespace kbseek::app
