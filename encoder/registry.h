// The encoder registry: which implementation opens which model folder.
//
// Each family names the config.json "architectures" entries and
// "model_type" values it handles and a function that opens a verified
// folder. Adding a model family is one new file with its open function plus
// one line in registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "encoder/encoder.h"

namespace kbseek::encoder {

// What an opener receives: the folder (checksums already verified when the
// options ask for it), its name and fingerprint.
struct ModelSource {
  std::string dir;
  std::string name;
  std::string fingerprint;
  std::vector<std::string> languages;  // from the model card; empty = unknown
};

using OpenFn = core::Result<std::unique_ptr<Encoder>> (*)(const ModelSource& src, const EncoderOptions& opts);

struct EncoderFamily {
  const char* family;                      // "bert"
  std::vector<std::string> architectures;  // config.json "architectures" values
  std::vector<std::string> model_types;    // config.json "model_type" values
  OpenFn open;
};

// All registered families, in match order.
const std::vector<EncoderFamily>& encoder_families();

// The family for a config.json text: architectures[0] first, then model_type.
// InvalidArgument naming what config.json declares and what is supported.
core::Result<const EncoderFamily*> find_family(const std::string& config_json);

// Same check as find_family, as a Status (for import validation).
core::Status check_supported_config(const std::string& config_json);

// "BertModel" (architectures[0]) or the model_type; "" if neither is present.
std::string architecture_of_config(const std::string& config_json);

}  // namespace kbseek::encoder
