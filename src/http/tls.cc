#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

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
    context->set_default_verify_paths(error);
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
