// `kbseek model list|verify|import`: manage model folders.
#include <cstdio>

#include "app/args.h"
#include "app/commands.h"
#include "encoder/encoder.h"
#include "encoder/model_folder.h"

namespace kbseek::app {

using core::Status;

int cmd_model(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--models-dir", "--name"}, {});
  if (!args.is_ok()) return fail("model", args.status());
  const auto& pos = args->positional();
  const std::string models_dir = args->get("--models-dir", encoder::default_models_dir());
  const std::string verb = pos.empty() ? "" : pos[0];
  if (verb == "list") {
    auto models = encoder::list_models(models_dir);
    if (!models.is_ok()) return fail("model", models.status());
    if (models->empty()) std::printf("no models in %s (run scripts/setup.sh)\n", models_dir.c_str());
    for (const auto& m : models.value())
      std::printf("%-24s %-28s %s\n", m.name.c_str(),
                  m.kind == encoder::ModelKind::kGguf ? "llm (gguf)"
                  : m.architecture.empty()            ? "?"
                                                      : m.architecture.c_str(),
                  m.has_checksums ? "checksummed" : "NO SHA256SUMS (run kbseek model import)");
    return 0;
  }
  if (verb == "verify" && pos.size() == 2) {
    auto path = encoder::resolve_model(pos[1], models_dir);
    if (!path.is_ok()) return fail("model", path.status());
    Status st = encoder::verify_model_folder(path.value());
    if (!st.is_ok()) return fail("model", st);
    if (encoder::is_gguf_model_folder(path.value())) {
      // No decoder is built yet: intact bytes and the GGUF magic are all a
      // GGUF folder can be checked for here.
      auto fp = encoder::model_fingerprint(path.value());
      if (!fp.is_ok()) return fail("model", fp.status());
      std::printf("%s: ok (llm (gguf), %s verified, fingerprint %s)\n", path->c_str(), encoder::kGgufFile, fp->c_str());
      return 0;
    }
    // Loading proves the folder is a usable model, not just intact bytes.
    auto enc = encoder::open_encoder(path.value());
    if (!enc.is_ok()) return fail("model", enc.status());
    std::printf("%s: ok (%s, dimension %d, window %d tokens, fingerprint %s)\n", path->c_str(),
                enc.value()->name().c_str(), enc.value()->dimension(), enc.value()->max_tokens(),
                enc.value()->fingerprint().c_str());
    return 0;
  }
  if (verb == "import" && pos.size() == 2) {
    auto dest = encoder::import_model(pos[1], models_dir, args->get("--name"));
    if (!dest.is_ok()) return fail("model", dest.status());
    std::printf("imported %s -> %s\n", pos[1].c_str(), dest->c_str());
    return 0;
  }
  return fail("model",
              Status::invalid_argument("usage: kbseek model list | verify NAME|DIR | import DIR [--name NAME]"));
}

}  // namespace kbseek::app
