// Signed S3 calls on one bucket for `satchel bucket init`: bucket
// subresources such as ?versioning and ?lifecycle, path-style, signed with
// SigV4 in the Authorization header. Each call blocks the calling thread
// until the reply arrives, which suits a command-line tool.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/bucket_init_xml.h"
#include "common/clock.h"
#include "common/expected.h"
#include "http/client.h"
#include "http/url.h"
#include "s3/signer.h"

namespace satchel::cli {

struct BucketEndpoint {
  http::Url url;  // scheme://host[:port] with an empty path
  std::string bucket;
  std::string region;
  s3::Credentials credentials;
};

// A reply of the store, with the S3 error document decoded for statuses
// from 300 up.
struct BucketReply {
  unsigned status = 0;
  std::string body;
  std::string server;  // the Server header, such as "Ceph Object Gateway"; may be empty
  S3ErrorBody error;
};

class BucketClient {
 public:
  // The clock dates each signature. tls verifies https endpoints and may be
  // null for http.
  BucketClient(BucketEndpoint endpoint, std::shared_ptr<http::asio::ssl::context> tls,
               const Clock& clock, std::chrono::seconds timeout);

  // Sends a request to the bucket with the subresource query (such as
  // "versioning", or "" for the bucket itself). A body is sent with its
  // Content-MD5, which S3 requires for the lifecycle, CORS and Object Lock
  // documents. extra_headers are sent and signed. Fails with a message when
  // the store cannot be reached or its reply cannot be read.
  Expected<BucketReply, std::string> send(
      http::Verb method, std::string_view subresource, std::string body = {},
      std::vector<std::pair<std::string, std::string>> extra_headers = {});

  // The same for the service itself (GET / is ListBuckets), to tell an
  // invalid key from a bucket the key may not use.
  Expected<BucketReply, std::string> send_to_service(http::Verb method);

  const BucketEndpoint& endpoint() const { return endpoint_; }

 private:
  Expected<BucketReply, std::string> send_to_path(
      http::Verb method, const std::string& path, std::string_view query, std::string body,
      std::vector<std::pair<std::string, std::string>> extra_headers);

  BucketEndpoint endpoint_;
  const Clock& clock_;
  s3::RequestSigner signer_;
  http::asio::io_context io_;
  http::Client client_;
};

}  // namespace satchel::cli
