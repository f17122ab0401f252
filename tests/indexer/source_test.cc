// Readers, charsets, gzip and cleaning on small real inputs written here.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "indexer/document_source.h"
#include "indexer/language.h"
#include "indexer/markup_text.h"
#include "indexer/normalize.h"
#include "indexer/text_decoder.h"

namespace kbseek::indexer {
namespace {

namespace fs = std::filesystem;

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// "资料库连线逾时的排查步骤，请先检查网络。" in GB18030 and
// "資料庫連線逾時的排查步驟，請先檢查網路設定與防火牆。" in Big5 (made with iconv).
const std::string kGb = unhex("d7cac1cfbfe2c1accfdfd3e2cab1b5c4c5c5b2e9b2bdd6e8a3acc7ebcfc8bcecb2e9cdf8c2e7a1a3");
const std::string kBig5 =
    unhex("b8eaaec6ae77b373bd75b94faec9aabab1c6ac64a842c64aa141bdd0a5fdc0cbac64baf4b8f4b35da977bb50a8bea4f5c0f0a143");

class SourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kbseek_source_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  std::string write_gz(const std::string& name, const std::string& bytes) {
    const std::string p = (dir_ / name).string();
    gzFile gz = gzopen(p.c_str(), "wb");
    gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
    return p;
  }
  struct Read {
    std::vector<storage::Document> docs;
    std::vector<Rejection> rejects;
    ReadStats stats;
    core::Status status;
  };
  Read read(const std::string& input, ReadOptions options = {}) {
    Read r;
    r.status = read_input(
        input, options,
        [&](storage::Document&& d, const char*) {
          r.docs.push_back(std::move(d));
          return true;
        },
        [&](const Rejection& x) {
          r.rejects.push_back(x);
          return true;
        },
        &r.stats);
    return r;
  }
  fs::path dir_;
};

TEST_F(SourceTest, Gb18030AndBig5AreDetectedAndDecoded) {
  EXPECT_EQ(TextDecoder::detect(kGb).encoding(), TextDecoder::Encoding::kGb18030);
  EXPECT_EQ(TextDecoder::detect(kBig5).encoding(), TextDecoder::Encoding::kBig5);
  Read gb = read(write("gb.txt", kGb));
  ASSERT_EQ(gb.docs.size(), 1u);
  EXPECT_EQ(gb.docs[0].text, "资料库连线逾时的排查步骤,请先检查网络。");  // NFKC folds the full-width comma
  EXPECT_EQ(gb.docs[0].id, "gb.txt");
  EXPECT_EQ(gb.docs[0].title, "gb");
  Read big5 = read(write("b5.txt", kBig5));
  ASSERT_EQ(big5.docs.size(), 1u);
  EXPECT_EQ(big5.docs[0].text, "資料庫連線逾時的排查步驟,請先檢查網路設定與防火牆。");
  EXPECT_TRUE(gb.rejects.empty() && big5.rejects.empty());
}

TEST_F(SourceTest, Utf8AndUtf16ByteOrderMarksAreHonoured) {
  Read bom = read(write("bom.jsonl", "\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"数据库\"}\n"));
  ASSERT_EQ(bom.docs.size(), 1u);
  EXPECT_EQ(bom.docs[0].id, "a");
  // "id,text\nu1,数据\n" in UTF-16LE with its BOM.
  const std::u16string u = u"id,text\nu1,数据\n";
  std::string le = "\xFF\xFE";
  for (char16_t c : u) {
    le.push_back(static_cast<char>(c & 0xFF));
    le.push_back(static_cast<char>(c >> 8));
  }
  Read utf16 = read(write("u16.csv", le));
  ASSERT_EQ(utf16.docs.size(), 1u) << (utf16.rejects.empty() ? "" : utf16.rejects[0].to_string());
  EXPECT_EQ(utf16.docs[0].text, "数据");
}

TEST_F(SourceTest, UndecodableBytesAreReportedNeverDropped) {
  // A record format rejects the line naming the byte; the other lines go in.
  Read lines = read(write("bad.jsonl", "{\"id\":\"ok\",\"text\":\"fine\"}\n{\"id\":\"x\",\"text\":\"caf\xE9\"}\n"));
  ASSERT_EQ(lines.docs.size(), 1u);
  ASSERT_EQ(lines.rejects.size(), 1u);
  EXPECT_EQ(lines.rejects[0].line, 2);
  EXPECT_EQ(lines.rejects[0].reason, "invalid UTF-8 at byte 22");
  // A whole-file document is kept with U+FFFD and reported as a warning.
  Read file = read(write("bad.txt", "good text \xFF\xFE and more good text"));
  ASSERT_EQ(file.docs.size(), 1u);
  EXPECT_NE(file.docs[0].text.find("\xEF\xBF\xBD"), std::string::npos);
  ASSERT_EQ(file.rejects.size(), 1u);
  EXPECT_TRUE(file.rejects[0].warning);
  EXPECT_NE(file.rejects[0].to_string().find("bad.txt: warning: 2 byte(s) not valid UTF-8 (first at byte 11)"),
            std::string::npos)
      << file.rejects[0].to_string();
}

TEST_F(SourceTest, GzipIsReadByItsMagicBytes) {
  Read r =
      read(write_gz("docs.jsonl.gz", "{\"id\":\"z1\",\"text\":\"compressed\"}\n{\"id\":\"z2\",\"text\":\"too\"}\n"));
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[1].id, "z2");
  // A gzip without the suffix, in a GB18030 line format.
  ReadOptions jsonl;
  jsonl.format = InputFormat::kJsonl;
  Read g =
      read(write_gz("nosuffix", unhex("7b226964223a226731222c2274657874223a22cafdbeddbfe2b1b8b7dd227d") + "\n"), jsonl);
  ASSERT_EQ(g.docs.size(), 1u);
  EXPECT_EQ(g.docs[0].text, "数据库备份");
  // A truncated gzip is an error naming the file, not a silent short read.
  std::string whole;
  {
    const std::string p = write_gz("t.jsonl.gz", std::string(200000, ' ') + "{\"id\":\"t\",\"text\":\"x\"}\n");
    std::ifstream in(p, std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  Read cut = read(write("cut.jsonl.gz", whole.substr(0, whole.size() / 2)));
  EXPECT_FALSE(cut.status.is_ok());
  EXPECT_NE(cut.status.message().find("cut.jsonl.gz"), std::string::npos) << cut.status.to_string();
}

TEST_F(SourceTest, CsvQuotingColumnMappingAndBadRows) {
  const std::string csv =
      "ID,Title,Body,When,dept\n"
      "1,Hello,\"A text, with a comma\nand a newline\",2025-09-17,ops\n"
      "2,Short\n"
      "3,\"Quote \"\"inside\"\"\",plain,1700000000,fin\n"
      "4,,,,\n";
  ReadOptions o;
  o.columns.text = "body";
  o.columns.time = "when";
  Read r = read(write("kb.csv", csv), o);
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].id, "1");
  EXPECT_EQ(r.docs[0].text, "A text, with a comma\nand a newline");
  EXPECT_EQ(r.docs[0].metadata_json, R"({"dept":"ops"})");
  ASSERT_TRUE(r.docs[0].timestamp.has_value());
  EXPECT_EQ(*r.docs[0].timestamp, 1758067200);
  EXPECT_EQ(r.docs[1].title, "Quote \"inside\"");
  EXPECT_EQ(*r.docs[1].timestamp, 1700000000);
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.rejects[0].to_string(), (dir_ / "kb.csv").string() + ":4: row has 2 fields, the header 5");
  EXPECT_EQ(r.rejects[1].line, 6);
  EXPECT_EQ(rejection_category(r.rejects[1]), "empty document");
  // A mapped column the header lacks is one clear error.
  ReadOptions missing;
  missing.columns.text = "content";
  Read m = read(write("m.csv", "id,text\n1,x\n"), missing);
  EXPECT_EQ(m.status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status.message().find("m.csv:1: header has no column \"content\""), std::string::npos)
      << m.status.to_string();
}

TEST_F(SourceTest, TsvWithoutIdColumnGetsLineIds) {
  Read r = read(write("t.tsv", "title\ttext\nA\tfirst\nB\tsecond, with comma\n"));
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].id, "t.tsv:2");
  EXPECT_EQ(r.docs[1].text, "second, with comma");
}

TEST_F(SourceTest, FolderIsWalkedSortedAndOtherFilesAreCounted) {
  write("kb/b.md", "# 部署指南\n\n使用 **CUDA 11.6**。\n");
  write("kb/a/page.html", "<html><head><title>数据库</title></head><body><p>备份</p></body></html>");
  write("kb/notes.txt", "plain notes");
  write("kb/img.png", "\x89PNG");
  write("kb/data.pdf", "%PDF");
  write_gz("kb/old.txt.gz", "zipped notes");
  Read r = read((dir_ / "kb").string());
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  std::vector<std::string> ids;
  for (const auto& d : r.docs) ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a/page.html", "b.md", "notes.txt", "old.txt.gz"}));
  EXPECT_EQ(r.docs[0].title, "数据库");
  EXPECT_EQ(r.docs[1].title, "部署指南");
  EXPECT_EQ(r.docs[3].text, "zipped notes");
  EXPECT_TRUE(r.docs[2].timestamp.has_value());
  EXPECT_EQ(r.stats.skipped_by_extension, (std::map<std::string, int64_t>{{".pdf", 1}, {".png", 1}}));
  EXPECT_EQ(r.stats.documents_by_format.at("txt"), 2);
}

TEST_F(SourceTest, StandardInputIsJsonlByDefault) {
  // read_input("-") reads file descriptor 0: point it at a file for the test.
  const std::string p = write("in.jsonl", "{\"id\":\"s1\",\"text\":\"from stdin\"}\n");
  ASSERT_NE(std::freopen(p.c_str(), "rb", stdin), nullptr);
  Read r = read("-");
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].id, "s1");
}

TEST(MarkupTest, HtmlKeepsStructureDropsChromeAndDecodesEntities) {
  MarkupText m = html_to_text(
      "<!doctype html><html><head><title>Backup &amp; restore</title><style>p{color:red}</style>"
      "<script>var secret = 1;</script></head><body><nav>Home | About</nav>"
      "<h1>备份步骤</h1><p>每天 凌晨&nbsp;2 点<br>自动备份。</p><ul><li>第一步</li><li>第二步</li></ul>"
      "<!-- a comment --><footer>© 2025</footer></body></html>");
  EXPECT_EQ(m.title, "Backup & restore");
  EXPECT_EQ(m.text.find("secret"), std::string::npos);
  EXPECT_EQ(m.text.find("Home"), std::string::npos);
  EXPECT_EQ(m.text.find("color"), std::string::npos);
  EXPECT_EQ(m.text.find("comment"), std::string::npos);
  EXPECT_NE(m.text.find("备份步骤\n\n每天 凌晨\xC2\xA0"
                        "2 点\n自动备份。\n\n第一步\n\n第二步"),
            std::string::npos)
      << m.text;
  EXPECT_EQ(html_to_text("<h1>Only heading</h1><p>x</p>").title, "Only heading");
}

TEST(MarkupTest, MarkdownKeepsTextDropsMarkup) {
  MarkupText m = markdown_to_text(
      "# Deploy *guide*\n\nUse **CUDA 11.6** with [the driver](http://example.com).\n\n"
      "- step one\n- step two\n\n```\nmake -j2\n```\n\n![diagram](x.png) and <b>raw</b> `inline`\n");
  EXPECT_EQ(m.title, "Deploy guide");
  EXPECT_EQ(m.text,
            "Deploy guide\n\nUse CUDA 11.6 with the driver.\n\nstep one\n\nstep two\n\nmake -j2\n\n"
            "diagram and raw inline");
}

TEST(NormalizeTest, FullWidthControlAndZeroWidthCharacters) {
  EXPECT_EQ(normalize_text("ＡＢＣ１２３"), "ABC123");
  EXPECT_EQ(normalize_text("数据\u3000库"), "数据 库");  // ideographic space
  EXPECT_EQ(normalize_text("zero\u200Bwidth\u200D joiner\uFEFF"), "zerowidth joiner");
  EXPECT_EQ(normalize_text("bell\x07 and\x01 ctrl\nkeeps newline"), "bell and ctrl\nkeeps newline");
  EXPECT_EQ(normalize_text("  many   spaces\t\there  "), "many spaces here");
  EXPECT_EQ(normalize_text("你好，世界。"), "你好,世界。");  // full-width comma folds, 。 stays
  EXPECT_EQ(normalize_text("ｶﾀｶﾅ ①"), "カタカナ 1");
  EXPECT_EQ(normalize_text("資料庫"), "資料庫");  // traditional stays traditional in the stored text
}

TEST(LanguageTest, ScriptRatios) {
  EXPECT_EQ(detect_language("数据库管理系统"), "zh");
  EXPECT_EQ(detect_language("The database is backed up nightly."), "en");
  EXPECT_EQ(detect_language("用 groff 模拟 nroff 命令 and other tools here"), "mixed");
  EXPECT_EQ(detect_language("12345 !!"), "");
  EXPECT_EQ(detect_language("Привет мир"), "other");
}

}  // namespace
}  // namespace kbseek::indexer
