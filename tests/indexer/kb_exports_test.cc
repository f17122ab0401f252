// Knowledge-base exports as folders: an Obsidian vault (front matter,
// [[links]], embeds, comments, #tags, code left alone) and a Confluence HTML
// space export (only the page's content, its title without the space, the
// space, breadcrumbs and the "last modified" date), read as `kbseek index
// FOLDER` reads them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "indexer/document_source.h"
#include "indexer/front_matter.h"

namespace kbseek::indexer {
namespace {

using nlohmann::json;

std::map<std::string, storage::Document> read_folder(const std::string& dir) {
  std::map<std::string, storage::Document> docs;
  EXPECT_TRUE(read_input(
                  dir, {},
                  [&](storage::Document&& d, const char*) {
                    docs[d.id] = std::move(d);
                    return true;
                  },
                  [](const Rejection& r) {
                    ADD_FAILURE() << r.source << ": " << r.reason;
                    return true;
                  },
                  nullptr)
                  .is_ok());
  return docs;
}

std::string fresh_dir(const std::string& name) {
  const std::string dir =
      std::filesystem::temp_directory_path().string() + "/kbseek_kb_" + std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(FrontMatterTest, TheYamlPeopleWrite) {
  const FrontMatter fm = split_front_matter(
      "---\n"
      "title: \"Q3: budget review\"\n"
      "tags: [finance, 'plan 2024']\n"
      "aliases:\n  - budget\n  - 预算\n"
      "pages: 12\nratio: 0.5\ndraft: false\n"
      "summary: >\n  first line\n  second line\n"
      "owner:\n  name: Alice\n  team: FP&A\n"
      "# a comment\n"
      "---\n"
      "# Heading\nBody.\n");
  EXPECT_EQ(fm.fields_json,
            R"({"title":"Q3: budget review","tags":["finance","plan 2024"],"aliases":["budget","预算"],"pages":12,)"
            R"("ratio":0.5,"draft":false,"summary":"first line second line","owner":"name: Alice\nteam: FP&A"})");
  EXPECT_EQ(fm.body, "# Heading\nBody.\n");
  // No closing line: not front matter; and none at all.
  EXPECT_EQ(split_front_matter("---\ntitle: x\nno end").body, "---\ntitle: x\nno end");
  EXPECT_EQ(split_front_matter("Plain *text*.").fields_json, "{}");
  // A document that opens with a rule is not front matter.
  const std::string ruled = "---\nA paragraph between two rules.\n---\nMore text.\n";
  EXPECT_EQ(split_front_matter(ruled).body, ruled);
  EXPECT_EQ(split_front_matter(ruled).fields_json, "{}");
}

TEST(ObsidianTest, LinksEmbedsCommentsAndTags) {
  const ObsidianText o = obsidian_to_markdown(
      "See [[Project Alpha]], [[Budget#Q3|the Q3 budget]] and [[Notes#Risks]].\n"
      "![[diagram.png]]%%private remark%%\n"
      "Status #active #项目，and #2024 is not a tag; nor is a#b.\n"
      "# A heading, not a tag\n"
      "```\n#include <x> [[not a link]]\n```\n"
      "Inline `#code [[x]]` stays.\n");
  EXPECT_EQ(o.markdown,
            "See Project Alpha, the Q3 budget and Notes Risks.\n"
            "\n"
            "Status active 项目，and #2024 is not a tag; nor is a#b.\n"
            "# A heading, not a tag\n"
            "```\n#include <x> [[not a link]]\n```\n"
            "Inline `#code [[x]]` stays.\n");
  EXPECT_EQ(o.tags, (std::vector<std::string>{"active", "项目"}));
}

TEST(KbExportsTest, AnObsidianVault) {
  const std::string vault = fresh_dir("vault");
  std::filesystem::create_directories(vault + "/Finance");
  std::filesystem::create_directories(vault + "/.obsidian");
  std::ofstream(vault + "/.obsidian/app.json") << "{}";  // settings: not a document
  std::ofstream(vault + "/Finance/Budget.md")
      << "---\ntitle: Budget 2024\ntags: [finance]\nupdated: 2024-03-05 10:00\nacl: [finance, cfo]\nowner: alice\n---\n"
         "# Budget\nThe plan links to [[Headcount|hiring]] and is #approved.\n![[chart.png]]\n%%draft numbers%%\n";
  std::ofstream(vault + "/Daily.md") << "Met the team about [[Finance/Budget]].\n";
  const auto docs = read_folder(vault);
  ASSERT_EQ(docs.size(), 2u);
  const storage::Document& b = docs.at("Finance/Budget.md");
  EXPECT_EQ(b.title, "Budget 2024");
  EXPECT_EQ(b.text, "Budget\n\nThe plan links to hiring and is approved.");
  EXPECT_EQ(b.acl, (std::vector<std::string>{"finance", "cfo"}));
  EXPECT_EQ(b.timestamp, 1709632800);  // 2024-03-05T10:00:00Z, not the file's mtime
  EXPECT_EQ(b.metadata_json, R"({"tags":["finance","approved"],"updated":"2024-03-05 10:00","owner":"alice"})");
  EXPECT_EQ(docs.at("Daily.md").text, "Met the team about Finance/Budget.");
  EXPECT_TRUE(docs.at("Daily.md").acl.empty());
}

TEST(KbExportsTest, AConfluenceHtmlSpaceExport) {
  const std::string space = fresh_dir("confluence");
  std::filesystem::create_directories(space + "/attachments/123");
  std::filesystem::create_directories(space + "/styles");
  std::ofstream(space + "/styles/site.css") << "body{}";
  std::ofstream(space + "/attachments/123/diagram.png") << "png";
  std::ofstream(space + "/VPN-access_98307.html") << R"(<!DOCTYPE html>
<html>
    <head>
        <title>Engineering : VPN access</title>
        <link rel="stylesheet" href="styles/site.css" type="text/css" />
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
    </head>
    <body class="theme-default aui-theme-default">
        <div id="page">
            <div id="main" class="aui-page-panel">
                <div id="main-header">
                    <div id="breadcrumb-section">
                        <ol id="breadcrumbs">
                            <li class="first"><span><a href="index.html">Engineering</a></span></li>
                            <li><span><a href="Onboarding_98305.html">Onboarding</a></span></li>
                        </ol>
                    </div>
                    <h1 id="title-heading" class="pagetitle"><span id="title-text"> Engineering : VPN access </span></h1>
                </div>
                <div id="content" class="view">
                    <div class="page-metadata">
                        Created by <span class='author'> Alice Wong</span>, last modified by <span class='editor'> Bob Li</span> on Mar 05, 2024
                    </div>
                    <div id="main-content" class="wiki-content group">
                    <p>Install the WireGuard client, then import the profile IT sends you.</p>
                    <h2 id="VPNaccess-Troubleshooting">Troubleshooting</h2>
                    <ul><li>Check the clock is right.</li></ul>
                    </div>
                    <div class="pageSection group"><h2 id="attachments" class="pageSectionTitle">Attachments:</h2>
                    <div class="greybox" align="left"><img src="images/icons/bullet_blue.gif" height="8" width="8" alt=""/>
                    <a href="attachments/123/diagram.png">diagram.png</a> (image/png)<br/></div></div>
                </div>
            </div>
            <div id="footer" role="contentinfo">
                <section class="footer-body">
                    <p>Document generated by Confluence on Apr 01, 2024 10:00</p>
                    <div id="footer-logo"><a href="http://www.atlassian.com/">Atlassian</a></div>
                </section>
            </div>
        </div>
    </body>
</html>)";
  const auto docs = read_folder(space);
  ASSERT_EQ(docs.size(), 1u);
  const storage::Document& d = docs.at("VPN-access_98307.html");
  EXPECT_EQ(d.title, "VPN access");
  EXPECT_EQ(d.text,
            "Install the WireGuard client, then import the profile IT sends you.\n\nTroubleshooting\n\n"
            "Check the clock is right.");
  EXPECT_EQ(d.timestamp, 1709596800);  // 2024-03-05, the last modification
  EXPECT_EQ(json::parse(d.metadata_json),
            json::parse(R"({"space":"Engineering","breadcrumbs":["Engineering","Onboarding"]})"));
}

}  // namespace
}  // namespace kbseek::indexer
