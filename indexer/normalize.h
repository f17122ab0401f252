// Cleaning of every document's title and text before chunking.
//
// normalize_text(): ICU NFKC (full-width ASCII, digits and punctuation fold
// to half-width, half-width katakana to full-width, compatibility forms such
// as ligatures and circled digits decompose; "ＡＢＣ１２３" -> "ABC123",
// the ideographic space -> ' '), then control characters (except '\n' and
// '\t') and invisible format characters (zero-width space/joiners, word
// joiner, BOM, soft hyphen) are removed, and runs of spaces and tabs become
// one space; leading and trailing white space is trimmed. Full-width
// punctuation folds too ("，" -> ","), while CJK punctuation without a
// half-width form stays ("。", "、"). Case and traditional/simplified forms
// are kept: those are matching concerns of the lexical analyzer, not of the
// stored text. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace kbseek::indexer {

std::string normalize_text(std::string_view text);

}  // namespace kbseek::indexer
