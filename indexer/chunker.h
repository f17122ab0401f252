// Sentence-aware chunking of a document's text to the encoder's token window.
//
// Sentences come from ICU's sentence break iterator (it knows `。！？` as
// well as `.!?`). Sentences are packed greedily into chunks of at most
// `max_tokens` tokens as counted by `count_tokens`; a sentence longer than
// the window is cut at word boundaries. Consecutive chunks share up to
// `overlap_tokens` tokens of whole trailing sentences so that an answer
// spanning a boundary is still inside one chunk. Offsets are byte offsets
// into the input (UTF-8), so snippets and highlights can point back into the
// stored text. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kbseek::indexer {

struct ChunkSpan {
  int64_t start_byte = 0;
  int64_t end_byte = 0;  // exclusive
  int tokens = 0;        // as counted by count_tokens, summed over pieces
};

struct ChunkerOptions {
  int max_tokens = 256;     // budget for the chunk's own text
  int overlap_tokens = 32;  // at most this many tokens repeated from the previous chunk
};

using TokenCounter = std::function<int(std::string_view)>;

// Splits `text` into chunk spans covering every non-blank part of it, in order.
// Empty or blank text gives no chunks.
std::vector<ChunkSpan> chunk_text(std::string_view text, const ChunkerOptions& options,
                                  const TokenCounter& count_tokens);

// Byte ranges of the sentences of `text` per ICU (root locale), blank ones dropped.
std::vector<ChunkSpan> split_sentences(std::string_view text);

}  // namespace kbseek::indexer
