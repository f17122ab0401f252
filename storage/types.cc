// The canonical document hash.
#include "storage/types.h"

#include "core/sha256.h"

namespace kbseek::storage {
namespace {

// Length-prefixing every field keeps ("ab","c") and ("a","bc") apart.
void add_field(core::Sha256* h, std::string_view field) {
  std::string len = std::to_string(field.size()) + ":";
  h->update(len);
  h->update(field);
}

}  // namespace

std::string document_content_hash(const Document& doc) {
  core::Sha256 h;
  add_field(&h, "kbseek-doc-v1");
  add_field(&h, doc.id);
  add_field(&h, doc.title);
  add_field(&h, doc.text);
  add_field(&h, doc.timestamp ? std::to_string(*doc.timestamp) : std::string("-"));
  add_field(&h, doc.metadata_json);
  add_field(&h, std::to_string(doc.acl.size()));
  for (const auto& principal : doc.acl) add_field(&h, principal);
  return h.hex_digest();
}

}  // namespace kbseek::storage
