// `kbseek sync --source file:///...`: the first run indexes a folder; the
// next one re-indexes the changed file, adds the new one, skips the
// unchanged one and deletes the removed one; documents from other inputs
// stay; an unknown scheme is refused by name.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

TEST(SyncTest, AFolderIsFollowedIncrementally) {
  const std::string dir = temp_dir("sync");
  const std::string src = dir + "/src", index = dir + "/index";
  std::filesystem::create_directories(src + "/sub");
  std::ofstream(src + "/a.md") << "# Aquarium\nClean the aquarium filter every Friday.\n";
  std::ofstream(src + "/sub/b.txt") << "Bicycle parking rules: racks in the basement.\n";
  std::ofstream(src + "/c.html") << "<html><head><title>Printer</title></head><body>Toner is in room 4.</body></html>";
  std::ofstream(src + "/notes.bin") << "not a document";
  // Documents from another input share the index.
  ASSERT_EQ(run_kbseek({"index", "--index", index, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"}).exit_code,
            0);
  const std::string uri = "file://" + src;

  CommandResult first = run_kbseek({"sync", "--index", index, "--source", uri, "--quiet"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const json r1 = json::parse(first.out);
  EXPECT_EQ(r1["files"], 3);
  EXPECT_TRUE(r1["deleted"].empty());
  EXPECT_EQ(bm25_ids(index, "toner"), std::vector<std::string>{"c.html"});

  std::filesystem::remove(src + "/c.html");
  std::ofstream(src + "/sub/b.txt") << "Bicycle parking moved: racks on level 2 now.\n";
  std::ofstream(src + "/d.txt") << "A memo about the coffee machine.\n";
  CommandResult second = run_kbseek({"sync", "--index", index, "--source", uri});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const json r2 = json::parse(second.out);
  EXPECT_EQ(r2["files"], 3);
  EXPECT_EQ(r2["deleted"], json::array({"c.html"}));
  EXPECT_NE(second.err.find("1 unchanged"), std::string::npos) << "a.md is skipped by its hash: " << second.err;
  EXPECT_TRUE(bm25_ids(index, "toner").empty());
  EXPECT_EQ(bm25_ids(index, "coffee machine"), std::vector<std::string>{"d.txt"});
  EXPECT_EQ(bm25_ids(index, "level racks"), std::vector<std::string>{"sub/b.txt"});
  CommandResult stats = run_kbseek({"stats", "--index", index, "--json"});
  EXPECT_NE(stats.out.find("\"documents\":33"), std::string::npos) << "30 sample documents + 3 files: " << stats.out;

  // Run again with nothing changed: nothing deleted, nothing re-indexed.
  CommandResult third = run_kbseek({"sync", "--index", index, "--source", uri});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_TRUE(json::parse(third.out)["deleted"].empty());
  EXPECT_NE(third.err.find("3 unchanged"), std::string::npos) << third.err;

  CommandResult other = run_kbseek({"sync", "--index", index, "--source", "ftp://host/folder"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("expected file:///PATH or postgresql://"), std::string::npos) << other.err;
  CommandResult relative = run_kbseek({"sync", "--index", index, "--source", "file://relative/path"});
  EXPECT_EQ(relative.exit_code, 2);
}

// --watch: a file written into the folder is searchable a moment later,
// and gone a moment after it is removed; SIGTERM ends the watch.
TEST(SyncTest, WatchFollowsChangesAsTheyHappen) {
  const std::string dir = temp_dir("sync-watch");
  const std::string src = dir + "/src", index = dir + "/index";
  std::filesystem::create_directories(src);
  std::ofstream(src + "/a.md") << "# Aquarium\nClean the aquarium filter every Friday.\n";
  const pid_t pid = spawn_kbseek({"sync", "--index", index, "--source", "file://" + src, "--watch", "--quiet"},
                                 dir + "/out", dir + "/err");
  auto wait_for = [&](auto done, const char* what) {
    for (int i = 0; i < 600; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "timed out waiting for " << what << "; sync said: " << read_text_file(dir + "/err");
    return false;
  };
  ASSERT_TRUE(
      wait_for([&] { return read_text_file(dir + "/err").find("watching") != std::string::npos; }, "the watch"));
  std::filesystem::create_directories(src + "/new");
  std::ofstream(src + "/new/memo.txt") << "The coffee machine is descaled on Mondays.\n";
  EXPECT_TRUE(wait_for([&] { return bm25_ids(index, "coffee descaled") == std::vector<std::string>{"new/memo.txt"}; },
                       "the new file in the index"));
  std::filesystem::remove(src + "/a.md");
  EXPECT_TRUE(wait_for([&] { return bm25_ids(index, "aquarium").empty(); }, "the removed file to leave the index"));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text_file(dir + "/err");
}

// file:///PATH?acl=owner: a file others may read is public; any other is
// readable by its group and its owner ("user:NAME"); a front matter acl wins.
TEST(SyncTest, FilePermissionsBecomeTheAcl) {
  const std::string dir = temp_dir("sync-acl");
  const std::string src = dir + "/src", index = dir + "/index";
  std::filesystem::create_directories(src);
  std::ofstream(src + "/open.txt") << "Canteen menu: noodles on Tuesday.\n";
  std::ofstream(src + "/closed.txt") << "Salary review notes: noodles budget.\n";
  std::ofstream(src + "/marked.md") << "---\nacl: [board]\n---\nBoard minutes about the noodles supplier.\n";
  std::filesystem::permissions(src + "/open.txt",
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                   std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  for (const char* f : {"/closed.txt", "/marked.md"})
    std::filesystem::permissions(src + f, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                              std::filesystem::perms::group_read);
  struct stat st {};
  ASSERT_EQ(::stat((src + "/closed.txt").c_str(), &st), 0);
  const group* g = ::getgrgid(st.st_gid);
  const passwd* u = ::getpwuid(st.st_uid);
  ASSERT_TRUE(g && u);
  const std::string group_name = g->gr_name, user = std::string("user:") + u->pw_name;

  CommandResult r = run_kbseek({"sync", "--index", index, "--source", "file://" + src + "?acl=owner", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto sorted_ids = [&](const std::string& principals) {
    std::vector<std::string> ids = bm25_ids(index, "noodles",
                                            principals.empty() ? std::vector<std::string>{"--principals", ""}
                                                               : std::vector<std::string>{"--principals", principals});
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  EXPECT_EQ(sorted_ids(""), std::vector<std::string>{"open.txt"});
  EXPECT_EQ(sorted_ids(group_name), (std::vector<std::string>{"closed.txt", "open.txt"}));
  EXPECT_EQ(sorted_ids(user), (std::vector<std::string>{"closed.txt", "open.txt"}));
  EXPECT_EQ(sorted_ids("board"), (std::vector<std::string>{"marked.md", "open.txt"}));
  CommandResult bad = run_kbseek({"sync", "--index", index, "--source", "file://" + src + "?acl=mode"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("acl=owner"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace kbseek::testing
