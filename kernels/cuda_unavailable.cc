// cuda_backend() for builds without nvcc: always Unavailable, logged once.
#include <mutex>

#include "core/logging.h"
#include "kernels/backend.h"

namespace kbseek::kernels {

core::Result<Backend*> cuda_backend() {
  static std::once_flag once;
  const char* reason = "no CUDA device: this build has no CUDA backend (nvcc was not found)";
  std::call_once(once, [reason] { core::log_info("kernels", reason); });
  return core::Status::unavailable(reason);
}

}  // namespace kbseek::kernels
