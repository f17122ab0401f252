// Makes a cross-script copy of a BEIR-layout set: the queries converted with
// an OpenCC configuration (e.g. t2s.json: traditional questions -> simplified),
// corpus and qrels linked unchanged, so BM25 can be measured on simplified
// questions over traditional passages and back.
//   convert_script SRC_DIR DST_DIR t2s.json|s2twp.json
#include <opencc/opencc.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: convert_script SRC_DIR DST_DIR OPENCC_CONFIG\n";
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path src = argv[1], dst = argv[2];
  try {
    opencc::SimpleConverter conv(argv[3]);
    fs::create_directories(dst);
    for (const char* f : {"corpus.jsonl", "qrels.tsv"}) {
      fs::remove(dst / f);
      fs::create_symlink(fs::absolute(src / f), dst / f);
    }
    std::ifstream in(src / "queries.jsonl");
    std::ofstream out(dst / "queries.jsonl");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      j["text"] = conv.Convert(j["text"].get<std::string>());
      out << j.dump() << "\n";
      ++n;
    }
    std::cerr << "wrote " << n << " queries to " << (dst / "queries.jsonl") << "\n";
  } catch (const std::exception& e) {
    std::cerr << "convert_script: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
