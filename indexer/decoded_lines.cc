// DecodedLines.
#include "indexer/decoded_lines.h"

namespace kbseek::indexer {

std::string undecodable_reason(const TextDecoder& decoder, const DecodeReport& report) {
  const std::string at = std::to_string(report.first_bad_offset + 1);
  if (decoder.encoding() == TextDecoder::Encoding::kUtf8) return "invalid UTF-8 at byte " + at;
  return std::to_string(report.bad_bytes) + " byte(s) not valid " + decoder.name() + " (first at byte " + at +
         " of the line)";
}

core::Result<std::unique_ptr<DecodedLines>> DecodedLines::open(const std::string& path) {
  KB_ASSIGN_OR_RETURN(auto input, InputFile::open(path));
  KB_ASSIGN_OR_RETURN(std::string head, input->head());
  const TextDecoder decoder = TextDecoder::detect(head);
  std::unique_ptr<DecodedLines> lines(new DecodedLines(std::move(input), decoder));
  if (!decoder.line_splittable()) {
    KB_ASSIGN_OR_RETURN(std::string all, lines->input_->read_rest());
    const size_t bom = TextDecoder::bom_length(all);
    lines->decoded_ = decoder.decode(std::string_view(all).substr(bom), nullptr);
    lines->whole_ = true;
  }
  return lines;
}

core::Result<bool> DecodedLines::next(std::string* line, DecodeReport* report) {
  if (whole_) {
    if (pos_ >= decoded_.size()) return false;
    size_t nl = decoded_.find('\n', pos_);
    if (nl == std::string::npos) nl = decoded_.size();
    line->assign(decoded_, pos_, nl - pos_);
    pos_ = nl + 1;
    if (!line->empty() && line->back() == '\r') line->pop_back();
    ++line_;
    return true;
  }
  KB_ASSIGN_OR_RETURN(bool more, input_->next_line(&raw_));
  if (!more) return false;
  ++line_;
  std::string_view bytes = raw_;
  if (!bom_checked_) {
    bom_checked_ = true;
    bytes.remove_prefix(TextDecoder::bom_length(bytes));
  }
  *line = decoder_.decode(bytes, report);
  return true;
}

}  // namespace kbseek::indexer
