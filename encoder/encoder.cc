// open_encoder: resolve nothing (the caller passes a folder), verify, dispatch.
#include "encoder/encoder.h"

#include "core/file_util.h"
#include "encoder/model_card.h"
#include "encoder/model_folder.h"
#include "encoder/registry.h"

namespace kbseek::encoder {

core::Result<std::unique_ptr<Encoder>> open_encoder(const std::string& model_dir, const EncoderOptions& opts) {
  if (!core::is_directory(model_dir)) return core::Status::not_found(model_dir + ": no such model folder");
  if (is_gguf_model_folder(model_dir)) {
    return core::Status::invalid_argument(model_dir + " holds a GGUF decoder (" + kGgufFile +
                                          ", for LLM re-ranking), not an encoder");
  }
  if (opts.verify_checksums) KB_RETURN_IF_ERROR(verify_model_folder(model_dir));
  KB_ASSIGN_OR_RETURN(std::string fingerprint, model_fingerprint(model_dir));
  KB_ASSIGN_OR_RETURN(std::string config, core::read_file(model_dir + "/config.json"));
  auto family = find_family(config);
  if (!family.is_ok()) return family.status().with_context(model_dir + "/config.json");

  ModelSource src;
  src.dir = model_dir;
  while (src.dir.size() > 1 && src.dir.back() == '/') src.dir.pop_back();
  const size_t slash = src.dir.find_last_of('/');
  src.name = slash == std::string::npos ? src.dir : src.dir.substr(slash + 1);
  src.fingerprint = std::move(fingerprint);
  src.languages = read_model_card_languages(src.dir);
  KB_ASSIGN_OR_RETURN(std::unique_ptr<Encoder> enc, family.value()->open(src, opts));
  // Families without Matryoshka training ignore opts.dimension; refuse here
  // rather than hand out vectors of another size than asked for.
  if (opts.dimension != 0 && enc->dimension() != opts.dimension) {
    return core::Status::invalid_argument(src.name + " gives " + std::to_string(enc->dimension()) +
                                          "-dimensional vectors and cannot be truncated to " +
                                          std::to_string(opts.dimension));
  }
  return enc;
}

}  // namespace kbseek::encoder
