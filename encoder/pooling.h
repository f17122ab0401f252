// Sentence pooling over a sequence's last hidden states, then L2
// normalisation (sentence-transformers' Pooling + Normalize modules).
#pragma once

#include "encoder/bert_config.h"

namespace kbseek::encoder {

// hidden: len rows of `dim` floats (every row a real token, [CLS] and [SEP]
// included, as the attention mask counts them). Writes `dim` floats to out:
// the mean, the first row, or the element-wise max, scaled to unit L2 norm
// (a zero vector stays zero). len >= 1.
void pool_and_normalize(const float* hidden, int len, int dim, Pooling mode, float* out);

}  // namespace kbseek::encoder
