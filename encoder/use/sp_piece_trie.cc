// Built from the sorted keys in one recursive pass: a node's keys form a
// contiguous range, grouped by the byte at the current depth.
#include "encoder/use/sp_piece_trie.h"

#include <algorithm>

namespace kbseek::encoder {

void SpPieceTrie::build(std::vector<std::pair<std::string_view, int32_t>> keys) {
  std::sort(keys.begin(), keys.end());
  nodes_.clear();
  edge_label_.clear();
  edge_child_.clear();
  build_node(keys, 0, keys.size(), 0);
  std::fill(std::begin(root_index_), std::end(root_index_), kNoNode);
  const Node& root = nodes_[0];
  for (uint32_t e = root.first_edge; e < root.first_edge + root.num_edges; ++e) {
    root_index_[edge_label_[e]] = edge_child_[e];
  }
}

uint32_t SpPieceTrie::build_node(const std::vector<std::pair<std::string_view, int32_t>>& keys, size_t lo, size_t hi,
                                 size_t depth) {
  const uint32_t self = static_cast<uint32_t>(nodes_.size());
  nodes_.emplace_back();
  if (lo < hi && keys[lo].first.size() == depth) nodes_[self].value = keys[lo++].second;

  std::vector<std::pair<size_t, size_t>> groups;  // [begin, end) per distinct byte at `depth`
  for (size_t i = lo; i < hi;) {
    size_t j = i + 1;
    while (j < hi && keys[j].first[depth] == keys[i].first[depth]) ++j;
    groups.emplace_back(i, j);
    i = j;
  }
  const uint32_t first = static_cast<uint32_t>(edge_label_.size());
  nodes_[self].first_edge = first;
  nodes_[self].num_edges = static_cast<uint16_t>(groups.size());
  edge_label_.resize(first + groups.size());
  edge_child_.resize(first + groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    edge_label_[first + g] = static_cast<uint8_t>(keys[groups[g].first].first[depth]);
    const uint32_t c = build_node(keys, groups[g].first, groups[g].second, depth + 1);
    edge_child_[first + g] = c;
  }
  return self;
}

}  // namespace kbseek::encoder
