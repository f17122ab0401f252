// Model folders: where models live, how they are imported, and how their
// integrity is checked before any weight is read.
//
// A model folder is a Hugging Face checkpoint (config.json, tokenizer.json
// and/or vocab.txt, model.safetensors, optional sentence-transformers files
// such as modules.json and 1_Pooling/config.json) plus a SHA256SUMS file in
// `sha256sum` format ("<64 hex>  <relative path>" per line) that
// import_model writes. The folder's name is the model's name.
//
// A GGUF model folder holds a decoder for the LLM re-ranking stage instead:
// model.gguf (one llama.cpp GGUF file) plus SHA256SUMS and side files such as
// LICENSE.md, and no config.json. It is listed, verified and imported here;
// open_encoder refuses it (it is not an encoder).
//
// All functions are thread-safe (they touch only the file system).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::encoder {

inline constexpr const char* kChecksumFile = "SHA256SUMS";
inline constexpr const char* kGgufFile = "model.gguf";

enum class ModelKind {
  kEncoder,  // a Hugging Face folder with config.json
  kGguf,     // model.gguf and no config.json: an LLM decoder
};

// True when dir holds model.gguf and no config.json.
bool is_gguf_model_folder(const std::string& dir);

// Checks every file listed in dir/SHA256SUMS exists and hashes to its listed
// digest. FailedPrecondition when SHA256SUMS is missing (the message says to
// run `kbseek model import`); NotFound naming a listed file that is absent;
// Corruption naming a file whose digest differs, or a malformed SHA256SUMS line.
// In a GGUF folder also Corruption when SHA256SUMS does not list model.gguf
// or the file does not start with the GGUF magic.
core::Status verify_model_folder(const std::string& dir);

// sha256 of dir/SHA256SUMS: identifies the exact weights and tokenizer.
// FailedPrecondition when the file is missing.
core::Result<std::string> model_fingerprint(const std::string& dir);

struct ModelInfo {
  std::string name;          // folder name
  std::string path;          // models_root/name
  std::string architecture;  // config.json architectures[0] or model_type; "" if unreadable or GGUF
  ModelKind kind = ModelKind::kEncoder;
  bool has_checksums = false;
};

// Sub-folders of models_root holding a config.json or a model.gguf, sorted by
// name. An absent models_root is an empty list, not an error.
core::Result<std::vector<ModelInfo>> list_models(const std::string& models_root);

// Copies a Hugging Face BERT-family folder (config.json; vocab.txt or
// tokenizer.json; model.safetensors; plus the tokenizer and
// sentence-transformers side files that exist) to models_root/name and
// writes SHA256SUMS there. The copy is built in a hidden temporary folder and
// renamed into place, so a crash never leaves a half model. InvalidArgument
// for a bad name, a missing required file or an architecture no registered
// encoder handles; FailedPrecondition if models_root/name exists. Returns the
// new folder's path.
// A GGUF folder (model.gguf, no config.json) is imported the same way with
// model.gguf and, when present, LICENSE.md and README.md; InvalidArgument when
// model.gguf does not start with the GGUF magic.
core::Result<std::string> import_model(const std::string& src_dir, const std::string& models_root,
                                       const std::string& name);

// $KBSEEK_MODELS if set and non-empty, else the build's KBSEEK_DEFAULT_MODELS_DIR.
std::string default_models_dir();

// A path (contains '/', or names an existing folder) is returned as is; a bare
// name resolves to default_models_dir()/name. NotFound when the folder does
// not exist, listing the installed models.
core::Result<std::string> resolve_model(const std::string& name_or_path);
// The same, resolving bare names in `models_root` (empty: default_models_dir()).
core::Result<std::string> resolve_model(const std::string& name_or_path, const std::string& models_root);

}  // namespace kbseek::encoder
