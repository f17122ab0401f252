// `kbseek keys create|list|revoke`: the API keys of an index
// (storage/key_store.h). `create` prints the new key as its last line, the
// only time it is shown.
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "app/args.h"
#include "app/commands.h"
#include "storage/access.h"
#include "storage/key_store.h"
#include "storage/manifest.h"

namespace kbseek::app {

using core::Status;

namespace {

constexpr const char* kUsage =
    "usage: kbseek keys create --index DIR --role reader|writer|admin [--principals a,b]\n"
    "       kbseek keys list --index DIR [--json]\n"
    "       kbseek keys revoke --index DIR ID";

std::string utc(int64_t t) { return t == 0 ? "-" : storage::utc_iso8601(t); }

}  // namespace

int cmd_keys(int argc, char** argv) {
  if (argc < 1) return fail("keys", Status::invalid_argument(kUsage));
  const std::string sub = argv[0];
  auto args = Args::parse(argc - 1, argv + 1, {"--index", "--role", "--principals"}, {"--json"});
  if (!args.is_ok()) return fail("keys", args.status());
  auto dir = args->require("--index");
  if (!dir.is_ok()) return fail("keys", dir.status());
  if (sub == "create") {
    if (!args->positional().empty()) return fail("keys", Status::invalid_argument(kUsage));
    auto role = storage::parse_role(args->get("--role"));
    if (!role.is_ok()) return fail("keys", role.status());
    auto store = storage::KeyStore::open(dir.value(), /*create=*/true);
    if (!store.is_ok()) return fail("keys", store.status());
    auto made = store.value()->create(role.value(), storage::Principals::parse(args->get("--principals")).names);
    if (!made.is_ok()) return fail("keys", made.status());
    const auto& [rec, key] = made.value();
    std::fprintf(stderr, "created %s key %s (principals: %s); it is shown once, below:\n", storage::role_name(rec.role),
                 rec.id.c_str(), storage::Principals{false, rec.principals}.describe().c_str());
    std::printf("%s\n", key.c_str());
    return 0;
  }
  if (sub == "list") {
    if (!args->positional().empty()) return fail("keys", Status::invalid_argument(kUsage));
    auto store = storage::KeyStore::open(dir.value(), /*create=*/false);
    if (!store.is_ok()) return fail("keys", store.status());
    auto keys = store.value()->list();
    if (!keys.is_ok()) return fail("keys", keys.status());
    nlohmann::json all = nlohmann::json::array();
    for (const auto& k : keys.value()) {
      if (args->has("--json")) {
        all.push_back(nlohmann::json::parse(storage::api_key_json(k)));
      } else {
        std::printf("%s  %-6s  %-20s  created %s%s\n", k.id.c_str(), storage::role_name(k.role),
                    storage::Principals{false, k.principals}.describe().c_str(), utc(k.created_at).c_str(),
                    k.revoked_at ? ("  revoked " + utc(k.revoked_at)).c_str() : "");
      }
    }
    if (args->has("--json")) std::printf("%s\n", all.dump().c_str());
    return 0;
  }
  if (sub == "revoke") {
    if (args->positional().size() != 1) return fail("keys", Status::invalid_argument(kUsage));
    auto store = storage::KeyStore::open(dir.value(), /*create=*/false);
    if (!store.is_ok()) return fail("keys", store.status());
    if (Status st = store.value()->revoke(args->positional()[0]); !st.is_ok()) return fail("keys", st);
    std::fprintf(stderr, "revoked key %s\n", args->positional()[0].c_str());
    return 0;
  }
  return fail("keys", Status::invalid_argument("unknown subcommand \"" + sub + "\"\n" + kUsage));
}

}  // namespace kbseek::app
