// One way to choose the compute device, for every model family (BERT,
// EmbeddingGemma, the LLM re-ranker): KBSEEK_DEVICE=cpu|cuda|auto
// (default auto).
//   cpu   the CPU backend;
//   cuda  the CUDA backend, or an error naming why not (no device, an op the
//         model needs missing);
//   auto  CUDA where a device is present, it has every op the model needs,
//         and the family's CUDA path has been checked against the CPU on a
//         GPU (`cuda_validated`); the CPU otherwise, with one log line saying
//         why. A family whose GPU parity has not been measured yet runs on
//         the CPU unless asked for CUDA by name: an untested path is never
//         chosen for a user silently.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "kernels/backend.h"

namespace kbseek::kernels {

struct DeviceNeeds {
  std::string who;              // for messages: "all-minilm-l6-v2", "LLM re-ranker"
  std::vector<Op> ops;          // what the model calls
  bool cuda_validated = false;  // its CUDA path passed parity on a GPU
};

// InvalidArgument for a KBSEEK_DEVICE value other than cpu, cuda or auto;
// with cuda, Unavailable/InvalidArgument saying why CUDA cannot serve.
core::Result<Backend*> choose_backend(const DeviceNeeds& needs);

}  // namespace kbseek::kernels
