#include "indexer/chunker.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace kbseek::indexer {
namespace {

// Counts like WordPiece does at the coarse level: one token per ASCII word,
// one per CJK character (BERT splits every CJK character).
int approx_tokens(std::string_view s) {
  int n = 0;
  bool in_word = false;
  size_t pos = 0;
  while (pos < s.size()) {
    char32_t c = core::decode_utf8(s, &pos);
    if (c >= 0x3400 && c <= 0x9FFF) {
      ++n;
      in_word = false;
    } else if (c == ' ' || c == '\n' || c == '\t') {
      in_word = false;
    } else if (!in_word) {
      ++n;
      in_word = true;
    }
  }
  return n;
}

std::string span_text(std::string_view text, const ChunkSpan& s) {
  return std::string(text.substr(s.start_byte, s.end_byte - s.start_byte));
}

TEST(ChunkerTest, ChineseSentencesSplitOnChinesePunctuation) {
  std::string text = "第一句话在这里。第二句话也很短！第三句是问题吗？";
  auto s = split_sentences(text);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(span_text(text, s[0]), "第一句话在这里。");
  EXPECT_EQ(span_text(text, s[2]), "第三句是问题吗？");
}

TEST(ChunkerTest, ShortTextIsOneChunkCoveringIt) {
  std::string text = "  One sentence. Another one.  ";
  auto chunks = chunk_text(text, ChunkerOptions{64, 8}, approx_tokens);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(span_text(text, chunks[0]), "One sentence. Another one.");
}

TEST(ChunkerTest, ChunksRespectBudgetCoverTextAndOverlap) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Sentence number " + std::to_string(i) + " has exactly seven words. ";
  for (int i = 0; i < 20; ++i) text += "这是第" + std::to_string(i) + "个中文句子。";
  ChunkerOptions opts{40, 10};
  auto chunks = chunk_text(text, opts, approx_tokens);
  ASSERT_GT(chunks.size(), 3u);
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_LE(approx_tokens(span_text(text, chunks[i])), opts.max_tokens) << "chunk " << i;
    EXPECT_TRUE(core::is_valid_utf8(span_text(text, chunks[i])));
    if (i > 0) {
      EXPECT_GT(chunks[i].start_byte, chunks[i - 1].start_byte) << "no progress at chunk " << i;
      EXPECT_LE(chunks[i].start_byte, chunks[i - 1].end_byte) << "gap before chunk " << i;
    }
  }
  EXPECT_EQ(chunks.front().start_byte, 0);
  EXPECT_EQ(chunks.back().end_byte, static_cast<int64_t>(text.size()));
  // Overlap: some consecutive chunks share a sentence.
  int overlapping = 0;
  for (size_t i = 1; i < chunks.size(); ++i) overlapping += chunks[i].start_byte < chunks[i - 1].end_byte;
  EXPECT_GT(overlapping, 0);
}

TEST(ChunkerTest, OverlongSentenceIsCutAtWords) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "word" + std::to_string(i) + " ";
  auto chunks = chunk_text(text, ChunkerOptions{50, 0}, approx_tokens);
  ASSERT_GE(chunks.size(), 6u);
  for (const auto& c : chunks) {
    std::string t = span_text(text, c);
    EXPECT_LE(approx_tokens(t), 50);
    EXPECT_NE(t.front(), ' ');
  }
}

TEST(ChunkerTest, BlankTextHasNoChunks) {
  EXPECT_TRUE(chunk_text("", ChunkerOptions{}, approx_tokens).empty());
  EXPECT_TRUE(chunk_text(" \n\t ", ChunkerOptions{}, approx_tokens).empty());
}

}  // namespace
}  // namespace kbseek::indexer
