// The languages a model was trained for, from its Hugging Face model card.
//
// A model folder's README.md starts with YAML front matter; its `language:`
// key is a code (`language: en`) or a list (`- zh` lines). Query
// understanding uses it to tell when a dense model cannot read a query.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kbseek::encoder {

// Language codes from the front matter of `readme_text`, lower-cased, in
// order. Empty when there is no front matter or no `language:` key
// (callers treat that as "unknown": no restriction).
std::vector<std::string> parse_model_card_languages(std::string_view readme_text);

// The same for `model_dir`/README.md; empty if the file is missing.
std::vector<std::string> read_model_card_languages(const std::string& model_dir);

}  // namespace kbseek::encoder
