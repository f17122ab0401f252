// What sentence-transformers stacks on the Gemma transformer for an
// embedding: mean pooling over every token (prompt, <bos> and <eos>
// included: include_prompt is true), the Dense modules (768→3072→768 for
// EmbeddingGemma, no bias, identity activation), L2 normalisation, then the
// optional Matryoshka truncation (the first `dim` components, renormalised).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "encoder/gemma/gemma_config.h"

namespace kbseek::encoder {

class GemmaHead {
 public:
  // Reads each module's model.safetensors ("linear.weight", "linear.bias").
  // Errors name the file and tensor.
  static core::Result<GemmaHead> load(const std::string& model_dir, const std::vector<DenseModule>& modules,
                                      int hidden_size);

  int output_size() const { return output_size_; }

  // hidden: len rows of hidden_size floats (one sequence). Writes `dim`
  // floats (dim ≤ output_size()), L2-normalised, to out.
  void apply(const float* hidden, int len, int dim, float* out) const;

 private:
  struct Dense {
    std::vector<float> w, b;  // [out × in] row-major, as PyTorch; b empty without bias
    int in = 0, out = 0;
  };
  std::vector<Dense> dense_;
  int hidden_size_ = 0, output_size_ = 0;
};

}  // namespace kbseek::encoder
