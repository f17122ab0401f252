// Model folder checks and import. std::filesystem is used with error_code
// overloads only: file-system failures are values here, never exceptions.
#include "encoder/model_folder.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file_util.h"
#include "core/sha256.h"
#include "encoder/registry.h"

#ifndef KBSEEK_DEFAULT_MODELS_DIR
#define KBSEEK_DEFAULT_MODELS_DIR "models"
#endif

namespace kbseek::encoder {
namespace fs = std::filesystem;
namespace {

// Files import_model copies when present; the first group is required.
const char* const kOptionalFiles[] = {"tokenizer.json",
                                      "vocab.txt",
                                      "tokenizer_config.json",
                                      "special_tokens_map.json",
                                      "modules.json",
                                      "sentence_bert_config.json",
                                      "config_sentence_transformers.json",
                                      "1_Pooling/config.json"};
// Side files import_model copies beside a model.gguf when present.
const char* const kGgufSideFiles[] = {"LICENSE.md", "README.md"};

bool valid_model_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

core::Status copy_one(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (!ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return core::Status::io_error("copying " + from.string() + " to " + to.string() + ": " + ec.message());
  return core::Status::ok();
}

// Reads four bytes, not the file: a GGUF model is gigabytes.
bool starts_with_gguf_magic(const std::string& path) {
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  return in.read(magic, sizeof magic) && std::string(magic, sizeof magic) == "GGUF";
}

// The files of a Hugging Face encoder folder that import_model copies, after
// checking the folder is one a registered encoder opens.
core::Result<std::vector<std::string>> encoder_files(const std::string& src_dir) {
  const fs::path src(src_dir);
  for (const char* required : {"config.json", "model.safetensors"}) {
    if (!core::path_exists((src / required).string())) {
      return core::Status::invalid_argument(src_dir + ": not a Hugging Face model folder: " + required + " is missing");
    }
  }
  if (!core::path_exists((src / "vocab.txt").string()) && !core::path_exists((src / "tokenizer.json").string())) {
    return core::Status::invalid_argument(src_dir + ": needs vocab.txt or tokenizer.json for the tokenizer");
  }
  KB_ASSIGN_OR_RETURN(std::string config, core::read_file((src / "config.json").string()));
  KB_RETURN_IF_ERROR(check_supported_config(config).with_context((src / "config.json").string()));
  std::vector<std::string> files = {"config.json", "model.safetensors"};
  for (const char* f : kOptionalFiles) {
    if (core::path_exists((src / f).string())) files.push_back(f);
  }
  return files;
}

core::Result<std::vector<std::string>> gguf_files(const std::string& src_dir) {
  const std::string model = src_dir + "/" + kGgufFile;
  if (!starts_with_gguf_magic(model)) {
    return core::Status::invalid_argument(model + ": not a GGUF file (it does not start with \"GGUF\")");
  }
  std::vector<std::string> files = {kGgufFile};
  for (const char* f : kGgufSideFiles) {
    if (core::path_exists(src_dir + "/" + f)) files.push_back(f);
  }
  return files;
}

}  // namespace

bool is_gguf_model_folder(const std::string& dir) {
  return core::path_exists(dir + "/" + kGgufFile) && !core::path_exists(dir + "/config.json");
}

core::Status verify_model_folder(const std::string& dir) {
  const std::string sums_path = dir + "/" + kChecksumFile;
  if (!core::path_exists(sums_path)) {
    return core::Status::failed_precondition(sums_path +
                                             " is missing: this folder was not imported; run `kbseek model import " +
                                             dir + " --name <name>` to copy it into the models folder with checksums");
  }
  KB_ASSIGN_OR_RETURN(std::string sums, core::read_file(sums_path));
  std::istringstream in(sums);
  std::string line;
  int line_no = 0, files = 0;
  bool lists_gguf = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    // "<hex>  <path>" or "<hex> *<path>" (binary mode marker).
    if (line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*')) {
      return core::Status::corruption(sums_path + ":" + std::to_string(line_no) +
                                      ": expected \"<64 hex digits>  <file>\"");
    }
    const std::string want = line.substr(0, 64);
    const std::string rel = line.substr(66);
    if (rel.find("..") != std::string::npos || rel[0] == '/') {
      return core::Status::corruption(sums_path + ":" + std::to_string(line_no) + ": path \"" + rel +
                                      "\" leaves the model folder");
    }
    const std::string file = dir + "/" + rel;
    if (!core::path_exists(file)) {
      return core::Status::not_found(file + ": listed in " + kChecksumFile + " but missing");
    }
    KB_ASSIGN_OR_RETURN(std::string got, core::sha256_file(file));
    if (got != want) {
      return core::Status::corruption(file + ": sha256 " + got + " does not match " + kChecksumFile + " (" + want +
                                      "): the file changed after import");
    }
    ++files;
    lists_gguf = lists_gguf || rel == kGgufFile;
  }
  if (files == 0) return core::Status::corruption(sums_path + ": lists no files");
  if (is_gguf_model_folder(dir)) {
    // Without this a SHA256SUMS naming only the licence would pass a GGUF
    // folder whose weights nothing checked.
    if (!lists_gguf) return core::Status::corruption(sums_path + ": does not list " + kGgufFile);
    const std::string model = dir + "/" + kGgufFile;
    if (!starts_with_gguf_magic(model)) {
      return core::Status::corruption(model + ": does not start with the GGUF magic \"GGUF\"");
    }
  }
  return core::Status::ok();
}

core::Result<std::string> model_fingerprint(const std::string& dir) {
  const std::string sums_path = dir + "/" + kChecksumFile;
  if (!core::path_exists(sums_path)) {
    return core::Status::failed_precondition(sums_path + " is missing: run `kbseek model import`");
  }
  return core::sha256_file(sums_path);
}

core::Result<std::vector<ModelInfo>> list_models(const std::string& models_root) {
  std::vector<ModelInfo> out;
  std::error_code ec;
  if (!fs::is_directory(models_root, ec)) return out;
  for (fs::directory_iterator it(models_root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || !it->is_directory(ec)) continue;
    ModelInfo info;
    info.name = name;
    info.path = it->path().string();
    info.has_checksums = core::path_exists(info.path + "/" + kChecksumFile);
    const std::string config = info.path + "/config.json";
    if (is_gguf_model_folder(info.path)) {
      info.kind = ModelKind::kGguf;
    } else if (core::path_exists(config)) {
      auto text = core::read_file(config);
      if (text.is_ok()) info.architecture = architecture_of_config(text.value());
    } else {
      continue;
    }
    out.push_back(std::move(info));
  }
  if (ec) return core::Status::io_error("listing " + models_root + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const ModelInfo& a, const ModelInfo& b) { return a.name < b.name; });
  return out;
}

core::Result<std::string> import_model(const std::string& src_dir, const std::string& models_root,
                                       const std::string& name) {
  if (!valid_model_name(name)) {
    return core::Status::invalid_argument("model name \"" + name +
                                          "\": use letters, digits, '-', '_' and '.', not starting with '.'");
  }
  const fs::path src(src_dir);
  KB_ASSIGN_OR_RETURN(std::vector<std::string> files,
                      is_gguf_model_folder(src_dir) ? gguf_files(src_dir) : encoder_files(src_dir));

  const fs::path dest = fs::path(models_root) / name;
  std::error_code ec;
  if (fs::exists(dest, ec)) {
    return core::Status::failed_precondition(dest.string() + " already exists; remove it or pick another --name");
  }
  const fs::path tmp = fs::path(models_root) / ("." + name + ".importing");
  fs::remove_all(tmp, ec);
  KB_RETURN_IF_ERROR(core::make_dirs(tmp.string()));

  std::string sums;
  for (const std::string& f : files) {
    KB_RETURN_IF_ERROR(copy_one(src / f, tmp / f));
    KB_ASSIGN_OR_RETURN(std::string digest, core::sha256_file((tmp / f).string()));
    sums += digest + "  " + f + "\n";
  }
  KB_RETURN_IF_ERROR(core::write_file_atomic((tmp / kChecksumFile).string(), sums));
  fs::rename(tmp, dest, ec);
  if (ec) return core::Status::io_error("renaming " + tmp.string() + " to " + dest.string() + ": " + ec.message());
  KB_RETURN_IF_ERROR(core::sync_dir(models_root));
  return dest.string();
}

std::string default_models_dir() {
  const char* env = std::getenv("KBSEEK_MODELS");
  if (env != nullptr && *env != '\0') return env;
  return KBSEEK_DEFAULT_MODELS_DIR;
}

core::Result<std::string> resolve_model(const std::string& name_or_path) {
  return resolve_model(name_or_path, default_models_dir());
}

core::Result<std::string> resolve_model(const std::string& name_or_path, const std::string& models_root) {
  if (name_or_path.find('/') != std::string::npos || core::is_directory(name_or_path)) {
    if (!core::is_directory(name_or_path)) return core::Status::not_found(name_or_path + ": no such model folder");
    return name_or_path;
  }
  const std::string root = models_root.empty() ? default_models_dir() : models_root;
  const std::string path = root + "/" + name_or_path;
  if (core::is_directory(path)) return path;
  std::string installed;
  auto models = list_models(root);
  if (models.is_ok()) {
    for (const ModelInfo& m : models.value()) installed += (installed.empty() ? "" : ", ") + m.name;
  }
  return core::Status::not_found("model \"" + name_or_path + "\" is not installed in " + root +
                                 " (installed: " + (installed.empty() ? "none" : installed) +
                                 "); run `kbseek model import <folder> --name " + name_or_path + "`");
}

}  // namespace kbseek::encoder
