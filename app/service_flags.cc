// Service flags.
#include "app/service_flags.h"

#include <stdexcept>

namespace kbseek::app {

using core::Status;

const std::set<std::string> kServiceFlags = {"--models-dir", "--models", "--weights", "--fusion",
                                             "--confidence-exponent", "--rrf-k", "--rerank", "--rerank-k",
                                             "--rerank-budget-ms", "--rerank-weight",
                                             "--rerank-passage-tokens"};

std::set<std::string> with_service_flags(std::set<std::string> flags) {
  flags.insert(kServiceFlags.begin(), kServiceFlags.end());
  return flags;
}

namespace {
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
  if (fusion == "rrf") opts.fusion.method = query::FusionMethod::kReciprocalRank;
  else if (fusion == "weighted") opts.fusion.method = query::FusionMethod::kWeightedNormalized;
  else return Status::invalid_argument("--fusion \"" + fusion + "\" is not one of rrf, weighted");
  KB_ASSIGN_OR_RETURN(opts.fusion.confidence_exponent,
                      get_double(args, "--confidence-exponent", opts.fusion.confidence_exponent));
  KB_ASSIGN_OR_RETURN(opts.fusion.rrf_k, get_double(args, "--rrf-k", opts.fusion.rrf_k));
  for (const std::string& item : args.get_list("--weights")) {
    const size_t eq = item.find('=');
    double w = -1;
    try {
      size_t used = 0;
      if (eq != std::string::npos) w = std::stod(item.substr(eq + 1), &used);
      if (eq == std::string::npos || used != item.size() - eq - 1) w = -1;
    } catch (const std::exception&) {
      w = -1;
    }
    if (eq == 0 || w < 0)
      return Status::invalid_argument("--weights expects NAME=WEIGHT[,NAME=WEIGHT...] with a model name or bm25 "
                                      "and a non-negative number, got \"" + item + "\"");
    opts.weights[item.substr(0, eq)] = w;
  }
  KB_ASSIGN_OR_RETURN(opts.rerank_passage_tokens, args.get_int("--rerank-passage-tokens", opts.rerank_passage_tokens));
  if (opts.rerank_passage_tokens <= 0) return Status::invalid_argument("--rerank-passage-tokens expects a number > 0");
  return opts;
}

}  // namespace kbseek::app
