// OpenBLAS set up once per process: its kernels chosen for the CPU, one thread.
//
// Why the kernels: OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its
// kernels from the CPU's family and model number, and a model newer than the
// library falls back to the SSE3 "Prescott" kernels. Debian 12's 0.3.21 does
// so on the CI machine (Intel family 6 model 207, with AVX-512): there
// all-MiniLM encoded 6.3 long passages/s against 30.3 with the SkylakeX
// kernels, and 90 short ones/s against 516 (bench_encoder, same run). So when
// OpenBLAS settled on a pre-AVX2 core although the CPU has AVX2 (or AVX-512),
// and the user did not choose one with OPENBLAS_CORETYPE, we set that
// variable to the matching core and have OpenBLAS choose again through its
// exported gotoblas_dynamic_quit/init (the pair its own start-up runs; found
// with dlsym, so another BLAS simply skips this). It runs before the first
// product of the process and the choice is logged.
//
// Why one thread: see parallel.cc.
#include <cblas.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "core/logging.h"
#include "kernels/backend.h"
#include "kernels/cpu/cpu_ops.h"

namespace kbseek::kernels {
namespace {

// OpenBLAS's names for the cores it falls back to on unknown x86-64 CPUs.
bool is_fallback_core(const std::string& name) {
  for (const char* old : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Banias"}) {
    if (strcasecmp(name.c_str(), old) == 0) return true;
  }
  return false;
}

const char* core_for_this_cpu() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq")) {
    return "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return nullptr;
}

void choose_blas_kernels() {
  const char* name = openblas_get_corename();
  const std::string chosen = name != nullptr ? name : "";
  const char* better = core_for_this_cpu();
  if (better == nullptr || !is_fallback_core(chosen) || std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  using Fn = void (*)();
  auto quit = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit"));
  auto init = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"));
  if (quit == nullptr || init == nullptr) {
    core::log_warn("kernels", "OpenBLAS runs its " + chosen + " kernels on a CPU with " + better +
                                  "'s instructions and cannot choose again here; set OPENBLAS_CORETYPE=" + better +
                                  " before starting kbseek for several times the speed");
    return;
  }
  setenv("OPENBLAS_CORETYPE", better, 0);
  quit();
  init();
  const char* now = openblas_get_corename();
  core::log_info("kernels", "OpenBLAS did not recognise this CPU and chose its " + chosen + " kernels; now " +
                                std::string(now != nullptr ? now : "?") + " (OPENBLAS_CORETYPE=" + better + ")");
}

}  // namespace

void configure_cpu_blas() {
  static std::once_flag once;
  std::call_once(once, [] {
    choose_blas_kernels();
    openblas_set_num_threads(1);
  });
}

}  // namespace kbseek::kernels
