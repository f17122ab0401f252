// Query understanding, first part: which languages a query is written in,
// and how much of it a model trained on given languages can read.
//
// Script decides, character by character (Han → zh, kana → ja, Hangul → ko,
// Latin → the Latin-script languages, Cyrillic, Arabic, …); a Latin word
// counts once, each Han/kana/Hangul character counts once, which weighs both
// roughly by the tokens a model sees. Digits, punctuation and symbols are
// language-neutral and not counted. Pure functions, thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kbseek::query {

// Script class of each counted unit -> its count. Keys: "han", "kana",
// "hangul", "latin", "cyrillic", "arabic", "other".
std::map<std::string, int> script_counts(std::string_view text);

// Share of the query's counted units in scripts that `model_languages`
// (ISO 639-1 codes, e.g. {"en"}) cover. 1 when the list is empty
// (unknown: no restriction) or the query has no counted units.
double readable_share(std::string_view text, const std::vector<std::string>& model_languages);

}  // namespace kbseek::query
