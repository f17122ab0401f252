// bm25_eval: BM25 quality (nDCG@10, MRR@10, recall@10 and @100) of the
// storage analyzer + XapianIndex on BEIR-layout sets, against Xapian used
// the stock way (TermGenerator + QueryParser with CJK n-grams and English
// stemming) in the same run. Both index each document whole: the peer a
// user of long documents would compare kbseek's chunked search with
// (bench/longdoc).
//
//   storage_bm25_eval [--k1 X] [--b X] [--title-wdf N] [--no-stem]
//                     [--cjk-bigrams] [--no-peer] [--out FILE] DIR...
// Each DIR holds corpus.jsonl, queries.jsonl and qrels.tsv; every document
// becomes one chunk (title + text). Prints a markdown table; --out also
// writes it with the machine, commit and command (e.g. --out
// bench/results/storage_bm25.md, run from the repository root).
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/storage/report.h"
#include "storage/xapian_index.h"

namespace fs = std::filesystem;
using kbseek::storage::XapianIndex;
using kbseek::storage::XapianOptions;

namespace {

struct EvalSet {
  std::string name;
  std::vector<std::string> doc_ids, titles, texts;
  std::vector<std::pair<std::string, std::string>> queries;  // id, text
  std::unordered_map<std::string, std::map<std::string, int>> qrels;
};

bool load(const std::string& dir, EvalSet* set) {
  std::ifstream corpus(dir + "/corpus.jsonl"), queries(dir + "/queries.jsonl"), qrels(dir + "/qrels.tsv");
  if (!corpus || !queries || !qrels) return false;
  set->name = fs::path(dir).filename().string();
  std::string line;
  while (std::getline(corpus, line)) {
    auto j = nlohmann::json::parse(line);
    set->doc_ids.push_back(j["_id"].get<std::string>());
    set->titles.push_back(j.value("title", ""));
    set->texts.push_back(j["text"].get<std::string>());
  }
  while (std::getline(queries, line)) {
    auto j = nlohmann::json::parse(line);
    set->queries.emplace_back(j["_id"].get<std::string>(), j["text"].get<std::string>());
  }
  std::getline(qrels, line);  // header
  while (std::getline(qrels, line)) {
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    int score = std::atoi(line.c_str() + b + 1);
    if (score > 0) set->qrels[line.substr(0, a)][line.substr(a + 1, b - a - 1)] = score;
  }
  return true;
}

double ndcg_at_10(const std::vector<std::string>& ranked, const std::map<std::string, int>& rel) {
  double dcg = 0, idcg = 0;
  for (size_t i = 0; i < ranked.size() && i < 10; ++i) {
    auto it = rel.find(ranked[i]);
    if (it != rel.end()) dcg += (std::pow(2.0, it->second) - 1) / std::log2(i + 2.0);
  }
  std::vector<int> ideal;
  for (const auto& [id, s] : rel) ideal.push_back(s);
  std::sort(ideal.rbegin(), ideal.rend());
  for (size_t i = 0; i < ideal.size() && i < 10; ++i) idcg += (std::pow(2.0, ideal[i]) - 1) / std::log2(i + 2.0);
  return idcg > 0 ? dcg / idcg : 0;
}

// Reciprocal rank of the first relevant hit in the top 10, and the share of
// the relevant documents in the top `k`.
double mrr_at_10(const std::vector<std::string>& ranked, const std::map<std::string, int>& rel) {
  for (size_t i = 0; i < ranked.size() && i < 10; ++i)
    if (rel.count(ranked[i])) return 1.0 / static_cast<double>(i + 1);
  return 0;
}
double recall_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& rel, size_t k) {
  size_t found = 0;
  for (size_t i = 0; i < ranked.size() && i < k; ++i) found += rel.count(ranked[i]);
  return rel.empty() ? 0 : static_cast<double>(found) / static_cast<double>(rel.size());
}

constexpr int kDepth = 100;  // hits asked of each engine (recall@100)

// Top-kDepth document indices for a query; false if the engine failed on it.
using SearchFn = std::function<bool(const std::string&, std::vector<size_t>*)>;

struct Row {
  double ndcg = 0, mrr = 0, recall10 = 0, recall100 = 0, index_mb = 0, index_s = 0, query_ms = 0;
  int failed = 0;
};

uintmax_t folder_bytes(const std::string& dir) {
  uintmax_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) bytes += e.file_size();
  return bytes;
}

void score_queries(const EvalSet& set, const SearchFn& search, Row* row) {
  auto t0 = std::chrono::steady_clock::now();
  double sum = 0, mrr = 0, r10 = 0, r100 = 0;
  int n = 0;
  for (const auto& [qid, text] : set.queries) {
    auto rel = set.qrels.find(qid);
    if (rel == set.qrels.end()) continue;
    std::vector<size_t> docs;
    if (!search(text, &docs)) ++row->failed;  // counts as nDCG 0
    std::vector<std::string> ranked;
    for (size_t d : docs) ranked.push_back(set.doc_ids[d]);
    sum += ndcg_at_10(ranked, rel->second);
    mrr += mrr_at_10(ranked, rel->second);
    r10 += recall_at(ranked, rel->second, 10);
    r100 += recall_at(ranked, rel->second, 100);
    ++n;
  }
  row->ndcg = n ? sum / n : 0;
  row->mrr = n ? mrr / n : 0;
  row->recall10 = n ? r10 / n : 0;
  row->recall100 = n ? r100 / n : 0;
  row->query_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n;
}

bool run_kbseek(const EvalSet& set, const XapianOptions& opt, const std::string& tmp, Row* row) {
  auto t0 = std::chrono::steady_clock::now();
  {
    auto index = XapianIndex::open(tmp, XapianIndex::Mode::kOverwrite, opt);
    if (!index.is_ok()) return std::fprintf(stderr, "%s\n", index.status().to_string().c_str()), false;
    for (size_t i = 0; i < set.doc_ids.size(); ++i) {
      auto st = index.value()->add(static_cast<int64_t>(i), set.titles[i], set.texts[i]);
      if (!st.is_ok()) return std::fprintf(stderr, "%s\n", st.to_string().c_str()), false;
    }
    if (auto st = index.value()->commit(); !st.is_ok())
      return std::fprintf(stderr, "%s\n", st.to_string().c_str()), false;
  }
  row->index_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  row->index_mb = folder_bytes(tmp) / 1e6;
  auto reader = XapianIndex::open(tmp, XapianIndex::Mode::kReadOnly, opt);
  if (!reader.is_ok()) return std::fprintf(stderr, "%s\n", reader.status().to_string().c_str()), false;
  score_queries(
      set,
      [&](const std::string& q, std::vector<size_t>* docs) {
        auto hits = reader.value()->search(q, kDepth);
        if (!hits.is_ok()) return false;
        for (const auto& h : hits.value()) docs->push_back(static_cast<size_t>(h.chunk_id));
        return true;
      },
      row);
  return true;
}

// The peer: Xapian as its documentation suggests for mixed CJK/English text.
bool run_peer(const EvalSet& set, const std::string& tmp, Row* row) {
  try {
    auto t0 = std::chrono::steady_clock::now();
    const Xapian::Stem stem("english");
    {
      Xapian::WritableDatabase db(tmp, Xapian::DB_CREATE_OR_OVERWRITE);
      Xapian::TermGenerator tg;
      tg.set_stemmer(stem);
      tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
      for (size_t i = 0; i < set.doc_ids.size(); ++i) {
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text(set.titles[i]);
        tg.increase_termpos();
        tg.index_text(set.texts[i]);
        doc.set_data(std::to_string(i));
        db.add_document(doc);
      }
      db.commit();
    }
    row->index_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    row->index_mb = folder_bytes(tmp) / 1e6;
    Xapian::Database db(tmp);
    Xapian::QueryParser qp;
    qp.set_stemmer(stem);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_OR);
    score_queries(
        set,
        [&](const std::string& q, std::vector<size_t>* docs) {
          try {
            Xapian::Enquire enquire(db);
            enquire.set_query(
                qp.parse_query(q, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM));
            Xapian::MSet mset = enquire.get_mset(0, kDepth);
            for (auto it = mset.begin(); it != mset.end(); ++it)
              docs->push_back(std::stoul(it.get_document().get_data()));
            return true;
          } catch (const Xapian::Error&) {
            return false;
          }
        },
        row);
    return true;
  } catch (const Xapian::Error& e) {
    std::fprintf(stderr, "xapian peer: %s\n", e.get_description().c_str());
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  XapianOptions opt;
  bool peer = true;
  std::string out;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--k1")
      opt.k1 = std::stod(next());
    else if (a == "--b")
      opt.b = std::stod(next());
    else if (a == "--title-wdf")
      opt.title_wdf = std::stoi(next());
    else if (a == "--no-stem")
      opt.analyzer.stem_english = false;
    else if (a == "--cjk-bigrams")
      opt.analyzer.cjk_bigrams = true;
    else if (a == "--stop-words")
      opt.drop_stop_words = true;
    else if (a == "--no-peer")
      peer = false;
    else if (a == "--out")
      out = next();
    else
      dirs.push_back(a);
  }
  const std::string tmp = (fs::temp_directory_path() / ("bm25_eval_" + std::to_string(getpid()))).string();
  std::string table =
      "| set | engine | queries | nDCG@10 | MRR@10 | recall@10 | recall@100 | failed queries | index MB | index s | "
      "query ms |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::printf("%s", table.c_str());
  for (const auto& dir : dirs) {
    EvalSet set;
    if (!load(dir, &set)) return std::fprintf(stderr, "%s: cannot read BEIR files\n", dir.c_str()), 1;
    std::vector<std::pair<std::string, Row>> rows;
    Row ours;
    if (!run_kbseek(set, opt, tmp, &ours)) return 1;
    rows.emplace_back("kbseek analyzer", ours);
    Row stock;
    if (peer && run_peer(set, tmp, &stock)) rows.emplace_back("xapian stock (CJK n-gram)", stock);
    for (const auto& [engine, r] : rows) {
      char line[512];
      std::snprintf(line, sizeof line, "| %s | %s | %zu | %.4f | %.4f | %.4f | %.4f | %d | %.1f | %.1f | %.2f |\n",
                    set.name.c_str(), engine.c_str(), set.qrels.size(), r.ndcg, r.mrr, r.recall10, r.recall100,
                    r.failed, r.index_mb, r.index_s, r.query_ms);
      std::printf("%s", line);
      std::fflush(stdout);
      table += line;
    }
  }
  fs::remove_all(tmp);
  if (!out.empty())
    kbseek::bench::write_results(out, "Storage: BM25 quality of whole documents (storage_bm25_eval)", argc, argv,
                                 table);
  return 0;
}
