// serve --tls-cert/--tls-key: HTTPS with a certificate the test makes with
// the openssl command (Debian's openssl), checked by a client that verifies
// it; plain HTTP to the port gets no answer; a client that connects and
// never finishes its handshake holds no worker; bad certificate files are
// refused at start with a message naming them.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

TEST(TlsTest, ServesHttpsWithAVerifiedCertificate) {
  if (::access("/usr/bin/openssl", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/openssl (Debian package openssl)";
  const std::string dir = temp_dir("tls");
  const std::string index = dir + "/index", cert = dir + "/cert.pem", key = dir + "/key.pem";
  ASSERT_EQ(run_kbseek({"index", "--index", index, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"}).exit_code,
            0);
  const std::string make_cert =
      "/usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " > " + dir + "/openssl.log 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0) << read_text_file(dir + "/openssl.log");

  // Bad files: refused at start, naming the file.
  CommandResult no_key = run_kbseek({"serve", "--index", index, "--port", "0", "--tls-cert", cert});
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_NE(no_key.err.find("--tls-key"), std::string::npos) << no_key.err;
  CommandResult swapped = run_kbseek({"serve", "--index", index, "--port", "0", "--tls-cert", key, "--tls-key", cert});
  EXPECT_EQ(swapped.exit_code, 2);
  EXPECT_NE(swapped.err.find(key), std::string::npos) << swapped.err;

  ServerProcess server({"serve", "--index", index, "--port", "0", "--anonymous-principals", "all-staff", "--tls-cert",
                        cert, "--tls-key", key});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  EXPECT_NE(server.stderr_text().find("on https://"), std::string::npos);

  // Clients that connect and say nothing (no handshake) hold no worker:
  // more of them than there are workers, and the searches below still run.
  std::vector<int> silent;
  for (int i = 0; i < 32; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    silent.push_back(fd);
  }

  httplib::SSLClient cli("127.0.0.1", server.port());
  cli.set_ca_cert_path(cert.c_str());
  cli.enable_server_certificate_verification(true);
  cli.set_read_timeout(60, 0);
  auto health = cli.Get("/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  for (int i = 0; i < 3; ++i) {  // keep-alive over one TLS session, and bodies both ways
    auto res = cli.Post("/v1/search", json{{"query", "差旅费用怎么报销"}, {"k", 3}}.dump(), "application/json");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(result_ids(json::parse(res->body)).at(0), "kb-004") << res->body;
  }
  // Big answers cross many TLS records.
  auto page = cli.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("</html>"), std::string::npos);
  // A client that does not trust the certificate refuses it.
  httplib::SSLClient strict("127.0.0.1", server.port());
  strict.enable_server_certificate_verification(true);
  strict.set_ca_cert_path("/nonexistent-ca.pem");
  EXPECT_FALSE(strict.Get("/health"));
  // Plain HTTP to the HTTPS port: no HTTP answer.
  httplib::Client plain("127.0.0.1", server.port());
  plain.set_read_timeout(5, 0);
  auto p = plain.Get("/health");
  EXPECT_TRUE(!p || p->status != 200);
  for (int fd : silent) ::close(fd);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace kbseek::testing
