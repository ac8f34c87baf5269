// Discovery and JWKS fetches over https against a TLS server started by the
// test on 127.0.0.1, with a CA and a certificate for "localhost" that the
// test generates, so no file or network outside the test is involved.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "auth/http_fetch.h"
#include "auth/issuer_config.h"
#include "auth/token_authenticator.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "http/server.h"
#include "http/tls.h"
#include "test_support.h"

namespace satchel::auth {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::make_token;

constexpr int64_t kNow = 1'700'000'000;

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using UniqueX509 = std::unique_ptr<X509, X509Free>;

// A certificate signed by issuer_key (self-signed when issuer is null), with
// a day of validity around the real time, since OpenSSL checks validity
// against the system clock.
UniqueX509 make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                            EVP_PKEY* issuer_key, const std::vector<std::string>& extensions) {
  UniqueX509 certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()),
                   static_cast<long>(random_bytes(3)[0]) + 2);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 86400);
  X509_set_pubkey(certificate.get(), key);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer ? issuer : certificate.get();
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(signer));
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, signer, certificate.get(), nullptr, nullptr, 0);
  for (const std::string& extension : extensions) {
    auto separator = extension.find('=');
    X509_EXTENSION* made =
        X509V3_EXT_conf(nullptr, &context, extension.substr(0, separator).c_str(),
                        extension.substr(separator + 1).c_str());
    if (made == nullptr) throw std::runtime_error("invalid test extension " + extension);
    X509_add_ext(certificate.get(), made, -1);
    X509_EXTENSION_free(made);
  }
  if (X509_sign(certificate.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the test certificate");
  }
  return certificate;
}

void write_pem(const std::filesystem::path& path, X509* certificate, EVP_PKEY* key) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) throw std::runtime_error("cannot write " + path.string());
  if (certificate) PEM_write_X509(file, certificate);
  if (key) PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
}

// A temporary folder with a test CA (ca.pem) and a server certificate and
// key for the DNS name "localhost" only (server.pem, server-key.pem).
class TestPki {
 public:
  TestPki()
      : dir_(std::filesystem::temp_directory_path() /
             ("satchel-pki-" + hex_encode(random_bytes(6)))) {
    std::filesystem::create_directories(dir_);
    UniqueEvpPkey ca_key(EVP_EC_gen("P-256"));
    UniqueEvpPkey server_key(EVP_EC_gen("P-256"));
    auto ca = make_certificate(
        ca_key.get(), "Satchel test CA", nullptr, nullptr,
        {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"});
    auto server = make_certificate(server_key.get(), "localhost", ca.get(), ca_key.get(),
                                   {"basicConstraints=critical,CA:FALSE",
                                    "subjectAltName=DNS:localhost", "extendedKeyUsage=serverAuth"});
    write_pem(ca_file(), ca.get(), nullptr);
    write_pem(cert_file(), server.get(), nullptr);
    write_pem(key_file(), nullptr, server_key.get());
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }

  std::filesystem::path ca_file() const { return dir_ / "ca.pem"; }
  std::filesystem::path cert_file() const { return dir_ / "server.pem"; }
  std::filesystem::path key_file() const { return dir_ / "server-key.pem"; }

 private:
  std::filesystem::path dir_;
};

// Records the SNI name of each handshake.
int record_server_name(SSL* ssl, int*, void* argument) {
  auto* names = static_cast<std::pair<std::mutex, std::vector<std::string>>*>(argument);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  std::lock_guard lock(names->first);
  names->second.push_back(name ? name : "");
  return SSL_TLSEXT_ERR_OK;
}

class HttpsFetchTest : public ::testing::Test {
 protected:
  HttpsFetchTest() : clock_(from_unix_seconds(kNow)), key_(EVP_EC_gen("P-256")) {
    auto tls = http::make_server_tls_context(pki_.cert_file(), pki_.key_file());
    if (!tls) throw std::runtime_error(tls.error());
    SSL_CTX_set_tlsext_servername_callback((*tls)->native_handle(), record_server_name);
    SSL_CTX_set_tlsext_servername_arg((*tls)->native_handle(), &server_names_);
    http::ServerOptions options;
    options.name = "jwks";
    options.log_requests = false;
    options.tls = *tls;
    server_ = std::make_unique<http::Server>(
        io_, options, [this](http::Request& request) { return handle(request); });
    if (!server_->listen()) throw std::runtime_error("cannot listen for the test JWKS server");
    server_->start();
    runner_ = std::thread([this] { io_.run(); });
  }

  ~HttpsFetchTest() override {
    server_->stop();
    guard_.reset();
    io_.stop();
    runner_.join();
  }

  std::string origin(std::string_view host) const {
    return "https://" + std::string(host) + ":" + std::to_string(server_->port());
  }

  template <class T>
  T run(asio::awaitable<T> task) {
    auto wrapped = [](asio::awaitable<T> inner) -> asio::awaitable<std::optional<T>> {
      co_return co_await std::move(inner);
    };
    return *asio::co_spawn(io_, wrapped(std::move(task)), asio::use_future).get();
  }

  Expected<HttpDocument, std::string> fetch(const HttpGet& get, const std::string& url) {
    return run(get(url));
  }

  std::vector<std::string> server_names() {
    std::lock_guard lock(server_names_.first);
    return server_names_.second;
  }

  std::string token() const {
    json claims = {{"iss", origin("localhost")},
                   {"aud", "satchel"},
                   {"sub", "ada"},
                   {"org", "acme"},
                   {"exp", kNow + 600}};
    return make_token(JwsAlgorithm::kEs256, key_.get(), {{"alg", "ES256"}, {"kid", "tls-1"}},
                      claims);
  }

  Expected<std::shared_ptr<const TokenAuthenticator>, std::string> authenticator(
      const std::string& ca_line) {
    std::string text = "[[auth.issuers]]\nissuer = \"" + origin("localhost") +
                       "\"\naudiences = [\"satchel\"]\n" + ca_line;
    return make_token_authenticator(toml::parse(text), {}, io_.get_executor(), clock_);
  }

  TestPki pki_;
  ManualClock clock_;
  UniqueEvpPkey key_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  std::unique_ptr<http::Server> server_;
  std::thread runner_;
  std::pair<std::mutex, std::vector<std::string>> server_names_;

 private:
  asio::awaitable<http::bhttp::message_generator> handle(http::Request& request) {
    http::Response response{http::Status::ok, 11};
    std::string issuer = origin("localhost");
    if (request.path() == "/.well-known/openid-configuration") {
      response.body() = json{{"issuer", issuer}, {"jwks_uri", issuer + "/jwks"}}.dump();
    } else if (request.path() == "/jwks") {
      response.set(http::Field::cache_control, "max-age=300");
      response.body() =
          json{{"keys", {Jwk::from_key(key_.get(), "tls-1", "ES256")->to_json()}}}.dump();
    } else {
      response.result(http::Status::not_found);
    }
    response.set(http::Field::content_type, "application/json");
    co_return http::respond(request, std::move(response));
  }
};

TEST_F(HttpsFetchTest, FetchesWithConfiguredCa) {
  auto get = make_https_get(io_.get_executor(), seconds{5}, pki_.ca_file());
  ASSERT_TRUE(get.has_value()) << get.error();
  auto document = fetch(*get, origin("localhost") + "/jwks");
  ASSERT_TRUE(document.has_value()) << document.error();
  EXPECT_EQ(document->status, 200u);
  EXPECT_EQ(document->cache_control, "max-age=300");
  EXPECT_NE(document->body.find("tls-1"), std::string::npos);
}

TEST_F(HttpsFetchTest, SendsHostNameAsSni) {
  auto get = make_https_get(io_.get_executor(), seconds{5}, pki_.ca_file());
  ASSERT_TRUE(get.has_value()) << get.error();
  ASSERT_TRUE(fetch(*get, origin("localhost") + "/jwks").has_value());
  EXPECT_EQ(server_names(), std::vector<std::string>{"localhost"});
}

TEST_F(HttpsFetchTest, RejectsServerOutsideSystemRoots) {
  auto get = make_https_get(io_.get_executor(), seconds{5}, "");
  ASSERT_TRUE(get.has_value()) << get.error();
  auto document = fetch(*get, origin("localhost") + "/jwks");
  ASSERT_FALSE(document.has_value());
  EXPECT_NE(document.error().find("TLS handshake"), std::string::npos) << document.error();
}

TEST_F(HttpsFetchTest, SystemRootsReadOnFirstCheck) {
  // The context is made before SSL_CERT_FILE names the test CA, so the fetch can only succeed
  // when the system's roots are read at the first certificate check, not when it is made.
  const char* previous = std::getenv("SSL_CERT_FILE");
  const std::string saved = previous != nullptr ? previous : "";
  ::unsetenv("SSL_CERT_FILE");
  auto get = make_https_get(io_.get_executor(), seconds{5}, "");
  ASSERT_TRUE(get.has_value()) << get.error();
  ::setenv("SSL_CERT_FILE", pki_.ca_file().c_str(), 1);
  auto document = fetch(*get, origin("localhost") + "/jwks");
  if (previous != nullptr) {
    ::setenv("SSL_CERT_FILE", saved.c_str(), 1);
  } else {
    ::unsetenv("SSL_CERT_FILE");
  }
  ASSERT_TRUE(document.has_value()) << document.error();
  EXPECT_EQ(document->status, 200u);
  EXPECT_NE(document->body.find("tls-1"), std::string::npos);
}

TEST_F(HttpsFetchTest, RejectsCertificateForAnotherName) {
  // The certificate names localhost only, not the address 127.0.0.1.
  auto get = make_https_get(io_.get_executor(), seconds{5}, pki_.ca_file());
  ASSERT_TRUE(get.has_value()) << get.error();
  auto document = fetch(*get, origin("127.0.0.1") + "/jwks");
  ASSERT_FALSE(document.has_value());
  EXPECT_NE(document.error().find("TLS handshake"), std::string::npos) << document.error();
}

TEST_F(HttpsFetchTest, PlainGetRejectsHttps) {
  auto document = fetch(make_http_get(io_.get_executor(), seconds{5}), origin("localhost") + "/");
  EXPECT_FALSE(document.has_value());
}

TEST_F(HttpsFetchTest, MissingCaFileFailsToLoad) {
  auto get = make_https_get(io_.get_executor(), seconds{5}, pki_.ca_file().string() + ".absent");
  ASSERT_FALSE(get.has_value());
  EXPECT_NE(get.error().find("ca.pem.absent"), std::string::npos) << get.error();
}

TEST_F(HttpsFetchTest, HttpsIssuerVerifiesWithItsCaFile) {
  auto built = authenticator("ca_file = \"" + pki_.ca_file().string() + "\"\n");
  ASSERT_TRUE(built.has_value()) << built.error();
  auto verified = run((*built)->authenticate(token()));
  ASSERT_TRUE(verified.has_value()) << token_error_reason(verified.error());
  EXPECT_EQ(verified->subject, "ada");
}

TEST_F(HttpsFetchTest, HttpsIssuerWithoutItsCaIsNotTrusted) {
  auto built = authenticator("");
  ASSERT_TRUE(built.has_value()) << built.error();
  auto verified = run((*built)->authenticate(token()));
  EXPECT_FALSE(verified.has_value());
}

TEST_F(HttpsFetchTest, UnreadableCaFileStopsStartUp) {
  auto built = authenticator("ca_file = \"" + pki_.ca_file().string() + ".absent\"\n");
  ASSERT_FALSE(built.has_value());
  EXPECT_NE(built.error().find("ca.pem.absent"), std::string::npos) << built.error();
}

TEST(IssuerConfig, RejectsEmptyCaFile) {
  auto parsed = parse_auth_config(
      toml::parse("[[auth.issuers]]\nissuer = \"https://login.example\"\naudiences = "
                  "[\"a\"]\nca_file = \"\"\n"));
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().find("ca_file"), std::string::npos) << parsed.error();
}

}  // namespace
}  // namespace satchel::auth
