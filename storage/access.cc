// Access rules and the restricted-chunk table.
#include "storage/access.h"

namespace kbseek::storage {
namespace {

std::string trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// One caller's view of one table.
class AccessFilter : public ChunkFilter {
 public:
  AccessFilter(std::shared_ptr<const AccessTable> table, std::vector<bool> allowed)
      : table_(std::move(table)), allowed_(std::move(allowed)) {}
  bool allows(int64_t chunk_id) const override { return table_->allows(chunk_id, allowed_); }

 private:
  std::shared_ptr<const AccessTable> table_;
  std::vector<bool> allowed_;
};

}  // namespace

Principals Principals::parse(std::string_view list) {
  Principals p;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string name = trim(list.substr(start, comma - start));
    if (!name.empty()) p.names.push_back(std::move(name));
    start = comma + 1;
  }
  return p;
}

std::string Principals::describe() const {
  if (all) return "all";
  if (names.empty()) return "none";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

bool may_read(const std::vector<std::string>& acl, const Principals& who) {
  if (who.all || acl.empty()) return true;
  for (const auto& p : acl) {
    if (std::find(who.names.begin(), who.names.end(), p) != who.names.end()) return true;
  }
  return false;
}

void AccessTable::add(int64_t chunk_id, const std::vector<std::string>& acl) {
  set_max_chunk_id(chunk_id);
  if (acl.empty()) return;
  // Entries length-prefixed: any string may appear in an acl.
  std::string key;
  for (const auto& p : acl) key += std::to_string(p.size()) + ":" + p;
  auto [it, inserted] = acl_index_.emplace(key, static_cast<uint32_t>(acls_.size()));
  if (inserted) acls_.push_back(acl);
  restricted_[chunk_id] = it->second;
}

std::vector<bool> AccessTable::acl_allowed(const Principals& who) const {
  std::vector<bool> allowed(acls_.size());
  for (size_t i = 0; i < acls_.size(); ++i) allowed[i] = may_read(acls_[i], who);
  return allowed;
}

bool AccessTable::allows(int64_t chunk_id, const std::vector<bool>& allowed) const {
  if (chunk_id > max_chunk_id_) return false;
  auto it = restricted_.find(chunk_id);
  return it == restricted_.end() || allowed[it->second];
}

std::unique_ptr<ChunkFilter> make_access_filter(std::shared_ptr<const AccessTable> table, const Principals& who) {
  if (who.all) return nullptr;
  std::vector<bool> allowed = table->acl_allowed(who);
  if (std::find(allowed.begin(), allowed.end(), false) == allowed.end()) return nullptr;
  return std::make_unique<AccessFilter>(std::move(table), std::move(allowed));
}

}  // namespace kbseek::storage
