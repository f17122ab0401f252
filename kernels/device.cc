// KBSEEK_DEVICE, read in one place (it was read only by the BERT encoder).
#include "kernels/device.h"

#include <cstdlib>

#include "core/logging.h"

namespace kbseek::kernels {

core::Result<Backend*> choose_backend(const DeviceNeeds& needs) {
  const char* env = std::getenv("KBSEEK_DEVICE");
  const std::string want = env != nullptr && *env != '\0' ? env : "auto";
  if (want == "cpu") return cpu_backend();
  if (want != "cuda" && want != "auto") {
    return core::Status::invalid_argument("KBSEEK_DEVICE=" + want + ": expected cpu, cuda or auto");
  }
  auto cuda = cuda_backend();
  if (!cuda.is_ok()) {
    if (want == "cuda") return cuda.status().with_context("KBSEEK_DEVICE=cuda");
    return cpu_backend();  // cuda_backend() already logged why
  }
  for (Op op : needs.ops) {
    if (!cuda.value()->supports(op)) {
      const std::string why =
          cuda.value()->device_name() + " lacks op " + op_name(op) + ", which " + needs.who + " needs";
      if (want == "cuda") return core::Status::invalid_argument("KBSEEK_DEVICE=cuda: " + why);
      core::log_warn("kernels", why + "; running it on the CPU");
      return cpu_backend();
    }
  }
  if (want == "auto" && !needs.cuda_validated) {
    core::log_info("kernels", needs.who +
                                  " runs on the CPU: its CUDA path is built but not yet checked on a GPU "
                                  "(KBSEEK_DEVICE=cuda to use it)");
    return cpu_backend();
  }
  return cuda.value();
}

}  // namespace kbseek::kernels
