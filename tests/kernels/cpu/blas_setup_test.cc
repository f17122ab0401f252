// configure_cpu_blas: OpenBLAS runs kernels that use the CPU's vector units
// (not the SSE3 fallback it picks for CPU models newer than itself), and its
// products stay right after the switch.
#include <cblas.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace kbseek::kernels {
namespace {

TEST(CpuBlasSetup, KernelsUseTheVectorUnitsTheCpuHas) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) GTEST_SKIP() << "OPENBLAS_CORETYPE is set: the user chose";
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) GTEST_SKIP() << "no AVX2+FMA here";
  configure_cpu_blas();
  const std::string core = openblas_get_corename();
  for (const char* old : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom"}) {
    EXPECT_NE(core, old) << "OpenBLAS still runs pre-AVX2 kernels";
  }
  std::printf("OpenBLAS core: %s\n", core.c_str());
}

TEST(CpuBlasSetup, ProductsAreRightAfterTheSwitch) {
  configure_cpu_blas();
  const int m = 37, n = 53, k = 71;  // odd sizes: the kernels' edge paths
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (int i = 0; i < m * k; ++i) a[i] = static_cast<float>((i * 7919) % 13) - 6.0f;
  for (int i = 0; i < k * n; ++i) b[i] = static_cast<float>((i * 104729) % 11) - 5.0f;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double want = 0;
      for (int p = 0; p < k; ++p) want += static_cast<double>(a[i * k + p]) * b[p * n + j];
      ASSERT_EQ(c[i * n + j], static_cast<float>(want)) << i << "," << j;  // small integers: exact
    }
  }
}

}  // namespace
}  // namespace kbseek::kernels
