#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace satchel::http {
namespace {

namespace ssl = boost::asio::ssl;

// The OpenSSL reason of the last failure, such as "no such file".
std::string describe(const boost::system::error_code& error) {
  std::string text = error.message();
  return text.empty() ? "unknown TLS error" : text;
}

std::shared_ptr<ssl::context> make_context(ssl::context::method method) {
  auto context = std::make_shared<ssl::context>(method);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use);
  return context;
}

// Whether folder contains a certificate under OpenSSL's hashed name ("1a2b3c4d.0"), as
// Debian's update-ca-certificates writes them.
bool has_hashed_certificates(const std::filesystem::path& folder) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 10 && name.ends_with(".0")) return true;
  }
  return false;
}

// Trusts the system's roots. OpenSSL reads a hashed certificate folder during a handshake,
// only the files of the issuers it needs. The default paths instead parse the whole bundle file
// when the context is made. That cost 74 to 104 ms per context against 0.3 ms for the folder
// (Python's ssl module on OpenSSL 3.0, Debian 12, 2 vCPUs at load 9). The server makes one
// context for the store client and one per token issuer, even when no TLS call follows.
// SSL_CERT_FILE or SSL_CERT_DIR in the environment, or a folder without hashed names, keep
// OpenSSL's default behaviour.
void trust_system_roots(ssl::context& context, boost::system::error_code& error) {
  const bool overridden = std::getenv(X509_get_default_cert_file_env()) != nullptr ||
                          std::getenv(X509_get_default_cert_dir_env()) != nullptr;
  const char* folder = X509_get_default_cert_dir();
  if (!overridden && has_hashed_certificates(folder) &&
      SSL_CTX_load_verify_dir(context.native_handle(), folder) == 1) {
    return;
  }
  context.set_default_verify_paths(error);
}

}  // namespace

Expected<std::shared_ptr<ssl::context>, std::string> make_server_tls_context(
    const std::filesystem::path& cert_file, const std::filesystem::path& key_file) {
  auto context = make_context(ssl::context::tls_server);
  boost::system::error_code error;
  context->use_certificate_chain_file(cert_file.string(), error);
  if (error) {
    return Unexpected("cannot load the certificate chain " + cert_file.string() + ": " +
                      describe(error));
  }
  context->use_private_key_file(key_file.string(), ssl::context::pem, error);
  if (error) {
    return Unexpected("cannot load the private key " + key_file.string() + ": " + describe(error));
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return Unexpected("the private key " + key_file.string() + " does not match the certificate " +
                      cert_file.string());
  }
  return context;
}

Expected<std::shared_ptr<ssl::context>, std::string> make_client_tls_context(
    const std::filesystem::path& ca_file) {
  auto context = make_context(ssl::context::tls_client);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code error;
  if (ca_file.empty()) {
    trust_system_roots(*context, error);
  } else {
    context->load_verify_file(ca_file.string(), error);
  }
  if (error) {
    std::string source = ca_file.empty() ? "the system's CA roots" : ca_file.string();
    return Unexpected("cannot load " + source + ": " + describe(error));
  }
  return context;
}

}  // namespace satchel::http
