// y += x, the decoder's residual adds (Qwen 2 has no post-norms to fuse
// them into, unlike Gemma's rms_norm(accumulate)).
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {
namespace {

KB_CPU_DISPATCH void add_range(float* y, const float* x, size_t n) {
#pragma omp simd
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace

void add(float* y, const float* x, size_t n) {
  parallel_for(n, 0.25, [&](size_t begin, size_t end) { add_range(y + begin, x + begin, end - begin); });
}

}  // namespace kbseek::kernels::cpu
