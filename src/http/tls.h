// TLS contexts for the server listeners and for outgoing calls, on OpenSSL 3
// with TLS 1.2 as the lowest version.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "common/expected.h"

namespace satchel::http {

// Loads a PEM certificate chain and its private key. Fails with a message
// naming the file when either cannot be read or they do not match.
Expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_server_tls_context(
    const std::filesystem::path& cert_file, const std::filesystem::path& key_file);

// A context that verifies servers against ca_file (PEM), or against the
// system's roots when ca_file is empty. Host names are checked per call.
// ca_file is read now, and a missing or invalid file is an error. The
// system's roots are read on the context's first certificate check, and a
// failure to read them fails that check and is logged.
Expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_client_tls_context(
    const std::filesystem::path& ca_file);

}  // namespace satchel::http
