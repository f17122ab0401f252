// MediaWiki XML dumps: wikitext to text, and a dump in the export schema
// (0.10, as Special:Export writes it) read page by page: articles in, other
// namespaces and redirects counted, the last revision wins, categories and
// the page id as metadata, a page without text rejected by title, malformed
// XML stopping with the line while the pages before it stay in.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "indexer/document_source.h"
#include "indexer/mediawiki_reader.h"

namespace kbseek::indexer {
namespace {

TEST(WikitextTest, MarkupGoesTextStays) {
  const WikiText w = wikitext_to_text(
      "{{Infobox city|name=Shanghai|population={{formatnum:24870895}}}}\n"
      "'''Shanghai''' is a [[Direct-administered municipalities of China|municipality]] on the "
      "[[Yangtze River Delta]].<ref name=\"pop\">{{cite web|url=http://x}}</ref> See [https://example.org the site] "
      "and [https://bare.example].<!-- hidden note -->\n"
      "It is a [[global city]]<ref>Another.</ref>.\n"
      "\n"
      "== History ==\n"
      "* Founded as a fishing village\n"
      "# Opened in 1843\n"
      "[[File:Shanghai skyline.jpg|thumb|The [[Bund]] at night]]\n"
      "{| class=\"wikitable\"\n"
      "|+ Districts\n"
      "! Name !! Area\n"
      "|-\n"
      "| style=\"text-align:left\" | Huangpu || 20.46 km&sup2;\n"
      "|}\n"
      "__TOC__\n"
      "Text with <span style=\"color:red\">inline HTML</span> &amp; entities&nbsp;here.\n"
      "[[Category:Cities in China]]\n[[Category:Port cities|Shanghai]]\n[[:Category:Not a category link]]");
  EXPECT_NE(w.text.find("Shanghai is a municipality on the Yangtze River Delta. See the site and ."), std::string::npos)
      << w.text;
  EXPECT_NE(w.text.find("It is a global city."), std::string::npos) << w.text;
  EXPECT_NE(w.text.find("\n\nHistory\n\n"), std::string::npos) << w.text;
  EXPECT_NE(w.text.find("Founded as a fishing village\nOpened in 1843"), std::string::npos) << w.text;
  EXPECT_NE(w.text.find("Districts"), std::string::npos) << w.text;
  EXPECT_NE(w.text.find("Name · Area"), std::string::npos) << w.text;
  EXPECT_NE(w.text.find("Huangpu · 20.46 km"), std::string::npos) << w.text;
  EXPECT_NE(w.text.find("Text with inline HTML & entities here."), std::string::npos) << w.text;
  EXPECT_NE(w.text.find("Category:Not a category link"), std::string::npos) << w.text;
  for (const char* gone : {"{{", "}}", "[[", "]]", "'''", "<ref", "cite web", "hidden note", "Infobox", "skyline",
                           "Bund", "__TOC__", "wikitable", "text-align", "http"})
    EXPECT_EQ(w.text.find(gone), std::string::npos) << gone << " in: " << w.text;
  EXPECT_EQ(w.categories, (std::vector<std::string>{"Cities in China", "Port cities"}));
}

TEST(WikitextTest, ChineseLinksAndCategories) {
  const WikiText w =
      wikitext_to_text("'''上海市'''，简称'''沪'''，是[[中华人民共和国直辖市|直辖市]]之一。[[分类:中国城市]]");
  EXPECT_EQ(w.text, "上海市，简称沪，是直辖市之一。");
  EXPECT_EQ(w.categories, std::vector<std::string>{"中国城市"});
}

constexpr const char* kDump =
    R"(<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">
  <siteinfo>
    <sitename>Team Wiki</sitename>
    <namespaces><namespace key="0" case="first-letter" /><namespace key="1" case="first-letter">Talk</namespace></namespaces>
  </siteinfo>
  <page>
    <title>VPN setup</title>
    <ns>0</ns>
    <id>12</id>
    <revision>
      <id>100</id>
      <timestamp>2023-01-01T08:00:00Z</timestamp>
      <contributor><username>alice</username><id>7</id></contributor>
      <text xml:space="preserve">Old text about a modem.</text>
    </revision>
    <revision>
      <id>101</id>
      <timestamp>2024-03-05T09:30:00Z</timestamp>
      <contributor><username>bob</username><id>8</id></contributor>
      <text xml:space="preserve">To connect, install the '''WireGuard''' client and import the [[Config file|profile]] &lt;b&gt;from IT&lt;/b&gt;.
[[Category:Networking]]</text>
    </revision>
  </page>
  <page>
    <title>VPN</title>
    <ns>0</ns>
    <id>13</id>
    <redirect title="VPN setup" />
    <revision><id>102</id><timestamp>2024-03-05T09:31:00Z</timestamp><text>#REDIRECT [[VPN setup]]</text></revision>
  </page>
  <page>
    <title>Talk:VPN setup</title>
    <ns>1</ns>
    <id>14</id>
    <revision><id>103</id><timestamp>2024-03-06T00:00:00Z</timestamp><text>Does it work on Linux?</text></revision>
  </page>
  <page>
    <title>报销流程</title>
    <ns>0</ns>
    <id>15</id>
    <revision><id>104</id><timestamp>2024-04-01T00:00:00Z</timestamp><text>差旅'''报销'''须在30天内提交。{{模板:提示}}</text></revision>
  </page>
  <page>
    <title>Empty page</title>
    <ns>0</ns>
    <id>16</id>
    <revision><id>105</id><timestamp>2024-04-02T00:00:00Z</timestamp><text>{{stub}}</text></revision>
  </page>
</mediawiki>
)";

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string dir =
      std::filesystem::temp_directory_path().string() + "/kbseek_mediawiki_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(MediaWikiDumpTest, ArticlesOfTheLastRevisionWithCategories) {
  const std::string path = write_temp("dump.xml", kDump);
  std::vector<storage::Document> docs;
  std::vector<Rejection> rejected;
  MediaWikiStats stats;
  ASSERT_TRUE(read_mediawiki(
                  path,
                  [&](storage::Document&& d, int64_t) {
                    docs.push_back(std::move(d));
                    return true;
                  },
                  [&](const Rejection& r) {
                    rejected.push_back(r);
                    return true;
                  },
                  &stats)
                  .is_ok());
  EXPECT_EQ(stats.pages, 5);
  EXPECT_EQ(stats.indexed, 2);
  EXPECT_EQ(stats.redirects, 1);
  EXPECT_EQ(stats.other_namespace, 1);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "VPN setup");
  EXPECT_EQ(docs[0].title, "VPN setup");
  EXPECT_EQ(docs[0].text, "To connect, install the WireGuard client and import the profile from IT.");
  EXPECT_EQ(docs[0].timestamp, 1709631000);  // 2024-03-05T09:30:00Z: the last revision's
  EXPECT_EQ(docs[0].metadata_json, R"({"categories":["Networking"],"page_id":"12"})");
  EXPECT_EQ(docs[1].id, "报销流程");
  EXPECT_EQ(docs[1].text, "差旅报销须在30天内提交。");
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_NE(rejected[0].reason.find("page \"Empty page\""), std::string::npos) << rejected[0].reason;
  EXPECT_GT(rejected[0].line, 0);
}

TEST(MediaWikiDumpTest, GzipAutoFormatMalformedAndForeignXml) {
  // Through read_input, as kbseek index reads it: .xml.gz is picked by name.
  const std::string gz = std::filesystem::temp_directory_path().string() + "/kbseek_mediawiki_" +
                         std::to_string(::getpid()) + "/dump.xml.gz";
  std::filesystem::create_directories(std::filesystem::path(gz).parent_path());
  gzFile f = gzopen(gz.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, kDump, static_cast<unsigned>(std::strlen(kDump)));
  gzclose(f);
  std::vector<std::string> ids;
  auto collect = [&](storage::Document&& d, const char* format) {
    EXPECT_STREQ(format, "mediawiki");
    ids.push_back(d.id);
    return true;
  };
  auto ignore = [](const Rejection&) { return true; };
  ASSERT_TRUE(read_input(gz, {}, collect, ignore, nullptr).is_ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"VPN setup", "报销流程"}));

  // Cut inside the fourth page: the first article is in, the break is named by line.
  std::string cut(kDump);
  cut = cut.substr(0, cut.find("<title>报销流程")) + "<title>broken</tit>\n</page></mediawiki>\n";
  const std::string bad = write_temp("cut.xml", cut);
  ids.clear();
  std::vector<Rejection> rejected;
  ASSERT_TRUE(read_input(
                  bad, {}, collect,
                  [&](const Rejection& r) {
                    rejected.push_back(r);
                    return true;
                  },
                  nullptr)
                  .is_ok());
  EXPECT_EQ(ids, std::vector<std::string>{"VPN setup"});
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_NE(rejected[0].reason.find("malformed XML"), std::string::npos) << rejected[0].reason;
  EXPECT_GT(rejected[0].line, 30);

  const std::string other = write_temp("feed.xml", "<rss><channel><title>x</title></channel></rss>\n");
  core::Status st = read_input(other, {}, collect, ignore, nullptr);
  EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("not a MediaWiki XML dump"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace kbseek::indexer
