#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <mutex>
#include <string>

#include "obs/log.h"

namespace satchel::http {
namespace {

namespace ssl = boost::asio::ssl;

// The OpenSSL reason of the last failure, such as "no such file".
std::string describe(const boost::system::error_code& error) {
  std::string text = error.message();
  return text.empty() ? "unknown TLS error" : text;
}

void configure(ssl::context& context) {
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                      ssl::context::single_dh_use);
}

std::shared_ptr<ssl::context> make_context(ssl::context::method method) {
  auto context = std::make_shared<ssl::context>(method);
  configure(*context);
  return context;
}

// A client context that trusts the system's CA roots, read on its first certificate check
// instead of when it is made. Reading them parses the whole bundle (about 140 certificates on
// Debian 12): 236 million instructions under callgrind, more than half of a start-up, and 74
// to 104 ms per context with Python's ssl module on 2 vCPUs at load 9. The server makes one
// such context for the store client and one per token issuer, most of which never connect
// over TLS.
struct SystemRootsContext {
  SystemRootsContext() : context(ssl::context::tls_client) {}

  ssl::context context;
  std::once_flag roots_read;
};

// Verifies a server's chain as OpenSSL does by default, after reading the system's roots into
// the context's store once. NOTE: the first check blocks the I/O thread that runs the handshake
// for as long as the read takes.
int verify_with_system_roots(X509_STORE_CTX* store_context, void* argument) {
  auto* holder = static_cast<SystemRootsContext*>(argument);
  std::call_once(holder->roots_read, [holder] {
    // The store that store_context searches is this context's, so the roots added here are
    // found by the check below.
    if (SSL_CTX_set_default_verify_paths(holder->context.native_handle()) != 1) {
      const char* reason = ERR_reason_error_string(ERR_get_error());
      obs::error("cannot load the system's CA roots, so no TLS server can be verified",
                 {{"error", reason != nullptr ? reason : "unknown TLS error"}});
    }
  });
  return X509_verify_cert(store_context);
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
  if (ca_file.empty()) {
    auto holder = std::make_shared<SystemRootsContext>();
    configure(holder->context);
    holder->context.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_cert_verify_callback(holder->context.native_handle(), verify_with_system_roots,
                                     holder.get());
    // Shares ownership of the holder, so the callback's argument lives as long as the context.
    return std::shared_ptr<ssl::context>(holder, &holder->context);
  }
  auto context = make_context(ssl::context::tls_client);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code error;
  context->load_verify_file(ca_file.string(), error);
  if (error) return Unexpected("cannot load " + ca_file.string() + ": " + describe(error));
  return context;
}

}  // namespace satchel::http
