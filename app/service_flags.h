// Flags shared by every command that opens a SearchService (search, eval, serve).
#pragma once

#include <memory>
#include <set>
#include <string>

#include "app/args.h"
#include "ranker/search_service.h"

namespace kbseek::app {

// --models-dir, --models a,b (the dense lists to use; default all the index
// has), --weights NAME=W,... (prior fusion weights by model name or bm25),
// --fusion rrf|weighted, --confidence-exponent X, --rrf-k K,
// --rerank-passage-tokens N (the LLM stage's passage cut, 256), and the
// ranking flags below.
extern const std::set<std::string> kServiceFlags;

// InvalidArgument naming the flag for a bad value.
core::Result<ranker::SearchServiceOptions> service_options_from_args(const Args& args);

// The ranking flags (ranker/objectives.h), set over the index's ranking.json:
// --freshness W, --recent-weight W, --half-life-days D, --mmr-lambda L,
// --group-by FIELD:N, --boost FIELD:VALUE=FACTOR[,...]. As the JSON object
// SearchServiceOptions::ranking_overrides takes; "" when none is given.
core::Result<std::string> ranking_overrides_from_args(const Args& args);

// The LLM stage of a request: --rerank MODEL, --rerank-k N (10),
// --rerank-budget-ms MS (0: none), --rerank-weight W (the service's
// default). Leaves `req` without re-ranking when --rerank is absent.
// InvalidArgument naming the flag for a bad value.
core::Status rerank_from_args(const Args& args, ranker::SearchRequest* req);

// Who a command-line search runs as: --principals a,b (public documents
// and those whose acl names a or b; "" for public only), else everything
// (the operator, who can read the index folder anyway).
void principals_from_args(const Args& args, ranker::SearchRequest* req);

// SearchService::open(dir) with the flags' options and the result cache
// sizes (serve's; none for one-shot commands).
core::Result<std::unique_ptr<ranker::SearchService>> open_search_service(const Args& args, const std::string& dir,
                                                                         size_t cache_entries = 0,
                                                                         int64_t persistent_entries = 0);

// 127.0.0.0/8, ::1 and localhost: reachable from this machine only (serve
// and front require keys on any other --host).
bool is_loopback(const std::string& host);

// Adds kServiceFlags to a command's own value flags.
std::set<std::string> with_service_flags(std::set<std::string> flags);

}  // namespace kbseek::app
