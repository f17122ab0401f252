// `kbseek tune` end to end on a real index and labels: it reports fixed
// rules against tuned weights on held-out queries, saves fusion.json, and
// search uses it (explain says "tuned", with its weights) unless
// --fixed-weights. That the tuner finds the right weights is tested on
// planted ones (tests/query/tuner_test.cc).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

TEST(TuneTest, LearnsFromLabelsAndSearchUsesIt) {
  const std::string dir = temp_dir("tune");
  const char* topics[] = {"invoice", "laptop",  "vacation", "printer",  "salary", "badge", "parking",  "vpn",
                          "backup",  "meeting", "travel",   "contract", "server", "phone", "password", "office"};
  const char* fillers[] = {"the policy explains who to ask and when", "staff should read the guide first",
                           "details are on the intranet page", "the team updates this every quarter"};
  {
    std::ofstream corpus(dir + "/corpus.jsonl");
    int n = 0;
    for (const char* t : topics)
      for (const char* f : fillers)
        corpus << json{{"id", "d" + std::to_string(n++)}, {"text", std::string(t) + " request form: " + f}}.dump()
               << "\n";
  }
  const std::string idx = dir + "/index";
  CommandResult ix = run_kbseek({"index", "--index", idx, "--models", "all-minilm-l6-v2", dir + "/corpus.jsonl"});
  ASSERT_EQ(ix.exit_code, 0) << ix.err;
  // Queries name a topic and a filler's rare word; the label is the document with both.
  const char* rare[] = {"ask", "guide", "intranet", "quarter"};
  {
    std::ofstream queries(dir + "/queries.jsonl");
    std::ofstream qrels(dir + "/qrels.tsv");
    qrels << "query-id\tcorpus-id\tscore\n";
    int n = 0;
    for (const char* t : topics) {
      for (const char* r : rare) {
        const std::string qid = "q" + std::to_string(n);
        queries << json{{"_id", qid}, {"text", std::string(t) + " " + r}}.dump() << "\n";
        qrels << qid << "\td" << n << "\t1\n";
        ++n;
      }
    }
  }
  CommandResult t = run_kbseek({"tune", "--index", idx, "--queries", dir + "/queries.jsonl", "--qrels",
                                dir + "/qrels.tsv", "--test-share", "0.4", "--json"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const json report = json::parse(t.out);
  EXPECT_EQ(report["saved"], true);
  const json& trained = report["trained"];
  EXPECT_EQ(trained["train_queries"].get<int>() + trained["test_queries"].get<int>(), 64);
  EXPECT_GT(trained["test_queries"].get<int>(), 10);
  EXPECT_GE(trained["tuned_train_ndcg10"].get<double>(), trained["fixed_train_ndcg10"].get<double>()) << t.out;
  EXPECT_GT(trained["fixed_test_ndcg10"].get<double>(), 0.5) << t.out;
  const json& w = report["global"];
  ASSERT_TRUE(w.contains("bm25") && w.contains("all-minilm-l6-v2") && w.contains("entities")) << t.out;
  EXPECT_TRUE(std::ifstream(idx + "/fusion.json").good());

  // --dump writes the lists the tuner learned from, one labelled query a line.
  CommandResult d =
      run_kbseek({"tune", "--index", idx, "--queries", dir + "/queries.jsonl", "--qrels", dir + "/qrels.tsv",
                  "--test-share", "0.4", "--dry-run", "--dump", dir + "/lists.jsonl"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  {
    std::ifstream dump(dir + "/lists.jsonl");
    std::string line;
    int lines = 0, tests = 0;
    while (std::getline(dump, line)) {
      const json q = json::parse(line);
      ++lines;
      tests += q["test"].get<bool>() ? 1 : 0;
      ASSERT_EQ(q["relevant"].size(), 1u) << line;
      int bm25_candidates = 0;
      for (const auto& l : q["lists"]) {
        if (l["key"] != "bm25") continue;
        for (const auto& c : l["candidates"]) {
          ++bm25_candidates;
          EXPECT_EQ(c[1].get<std::string>().rfind("d", 0), 0u) << line;  // the chunk's document id
        }
      }
      EXPECT_GT(bm25_candidates, 0) << line;
    }
    EXPECT_EQ(lines, 64);
    EXPECT_EQ(tests, trained["test_queries"].get<int>());
  }
  CommandResult unwritable = run_kbseek({"tune", "--index", idx, "--queries", dir + "/queries.jsonl", "--qrels",
                                         dir + "/qrels.tsv", "--dry-run", "--dump", dir + "/no/such/dir/x.jsonl"});
  EXPECT_NE(unwritable.exit_code, 0);
  EXPECT_NE(unwritable.err.find("no/such/dir/x.jsonl"), std::string::npos) << unwritable.err;

  auto explain = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"search", "--index", idx, "--json", "--explain", "-k", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("vpn intranet");
    CommandResult s = run_kbseek(args);
    EXPECT_EQ(s.exit_code, 0) << s.err;
    return json::parse(s.out);
  };
  json tuned = explain({});
  EXPECT_EQ(tuned["query"]["fusion"], "tuned");
  EXPECT_EQ(tuned["query"]["class"], "en-keywords");
  bool saw_bm25 = false;
  for (const auto& e : tuned["results"][0]["explain"]) {
    if (e["source"] != "bm25") continue;
    saw_bm25 = true;
    EXPECT_NEAR(e["weight"].get<double>(), w["bm25"].get<double>(), 1e-9);  // known terms: confidence 1
  }
  EXPECT_TRUE(saw_bm25) << tuned.dump();
  EXPECT_EQ(explain({"--fixed-weights"})["query"]["fusion"], "rules");

  // A broken fusion.json is an error naming it, not a silent fallback.
  std::ofstream(idx + "/fusion.json") << R"({"version": 1, "global": {"bm25": "high"}})";
  CommandResult bad = run_kbseek({"search", "--index", idx, "vpn"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("fusion.json"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace kbseek::testing
