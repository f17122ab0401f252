// A byte trie over a vocabulary's pieces, for the unigram Viterbi's prefix
// walks (sentencepiece uses a darts-clone double array; any exact trie gives
// the same matches).
//
// Layout: nodes in one array, each node's outgoing edges contiguous and
// sorted by byte; the root's edges are also indexed by a 256-entry table
// because every walk starts there. About 12 bytes per node.
//
// Immutable after build(); lookups are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kbseek::encoder {

class SpPieceTrie {
 public:
  static constexpr uint32_t kNoNode = 0xFFFFFFFFu;

  // keys: distinct, non-empty byte strings with their values (>= 0).
  void build(std::vector<std::pair<std::string_view, int32_t>> keys);

  uint32_t root() const { return 0; }
  // The child of `node` along byte `c`, or kNoNode.
  uint32_t child(uint32_t node, uint8_t c) const {
    if (node == 0) return root_index_[c];
    const Node& n = nodes_[node];
    for (uint32_t e = n.first_edge, end = n.first_edge + n.num_edges; e < end; ++e) {
      if (edge_label_[e] == c) return edge_child_[e];
      if (edge_label_[e] > c) break;
    }
    return kNoNode;
  }
  // The value stored at `node` (the piece id ending there), or -1.
  int32_t value(uint32_t node) const { return nodes_[node].value; }
  size_t num_nodes() const { return nodes_.size(); }

 private:
  struct Node {
    uint32_t first_edge = 0;
    uint16_t num_edges = 0;
    int32_t value = -1;
  };
  uint32_t build_node(const std::vector<std::pair<std::string_view, int32_t>>& keys, size_t lo, size_t hi,
                      size_t depth);

  std::vector<Node> nodes_;
  std::vector<uint8_t> edge_label_;
  std::vector<uint32_t> edge_child_;
  uint32_t root_index_[256];
};

}  // namespace kbseek::encoder
