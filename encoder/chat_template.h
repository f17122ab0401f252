// ChatML prompts as Qwen 2.5's chat template renders them (the Jinja template
// in its tokenizer_config.json and in the GGUF's tokenizer.chat_template),
// for the LLM re-ranking stage, without a Jinja engine:
//
//   <|im_start|>system\n{system}<|im_end|>\n
//   <|im_start|>user\n{content}<|im_end|>\n
//   <|im_start|>assistant\n{content}<|im_end|>\n
//   ...
//   <|im_start|>assistant\n                      (add_generation_prompt)
//
// Exactly the template's rules for messages without tools or tool calls:
//   - a first message with role "system" is the system turn; without one the
//     template's default system turn is written ("You are Qwen, created by
//     Alibaba Cloud. You are a helpful assistant.");
//   - "user" and "assistant" messages, and "system" ones after the first,
//     become turns of their role;
//   - consecutive "tool" messages share one user turn, each content wrapped
//     in "\n<tool_response>\n" … "\n</tool_response>";
//   - any other role is left out, as the template leaves it out.
// An empty list renders the default system turn (Jinja would fail on
// messages[0]). Contents are copied verbatim: a "<|im_end|>" inside one
// becomes a control token when the prompt is tokenised, so text from
// documents should not carry them.
// Tested against transformers' apply_chat_template(tokenize=False) in
// tests/data/encoder/qwen2_tokenizer_cases.jsonl.
#pragma once

#include <string>
#include <vector>

namespace kbseek::encoder {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", "tool"
  std::string content;
};

std::string render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt);

}  // namespace kbseek::encoder
