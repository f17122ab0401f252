// The tokenizer metadata of a GGUF file (llama.cpp's tokenizer.ggml.* keys)
// as a BpeVocab, for BpeTokenizer::from_vocab:
//
//   auto file = gguf::GgufFile::open(path);
//   auto vocab = gguf::read_bpe_vocab(**file);
//   auto tok = BpeTokenizer::from_vocab(*vocab, path);
//
// Keys read: tokenizer.ggml.model and .tokens (required); .pre, .token_type,
// .merges, .bos_token_id, .eos_token_id, .padding_token_id and
// .add_bos_token when present (absent: "", empty, -1, false — false as
// transformers' GGUF loader assumes for a "gpt2" vocabulary). Nothing here
// judges the values: from_vocab refuses what it cannot tokenise.
// Errors are GgufFile's, naming the file and the key: NotFound for a
// required key, InvalidArgument for a key of the wrong type.
#pragma once

#include "core/status.h"
#include "encoder/bpe_tokenizer.h"
#include "encoder/gguf/gguf_file.h"

namespace kbseek::encoder::gguf {

core::Result<BpeVocab> read_bpe_vocab(const GgufFile& file);

}  // namespace kbseek::encoder::gguf
