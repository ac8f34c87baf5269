// The sources of `satchel migrate`: a local directory tree, or an S3 bucket
// and prefix.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "http/client.h"
#include "http/url.h"
#include "s3/credentials.h"

namespace satchel::migrate {

struct SourceObject {
  // The legacy key that the --map source templates match: the path below
  // --source-dir with '/' separators, or the full S3 object key.
  std::string key;
  uint64_t size_bytes = 0;
};

struct FetchedObject {
  std::string bytes;
  // The Content-Type an S3 source stored, or empty.
  std::string declared_type;
};

class Source {
 public:
  virtual ~Source() = default;

  // Names the source for the checkpoint's plan id and for logs.
  virtual std::string description() const = 0;
  // Lists every object, in key order.
  virtual boost::asio::awaitable<Expected<std::vector<SourceObject>, std::string>> list() = 0;
  // Reads one object whole. Fails with a message when it cannot be read or
  // is larger than max_bytes.
  // NOTE: the bytes are held in memory rather than streamed, so a run holds
  // up to concurrency times max_bytes.
  virtual boost::asio::awaitable<Expected<FetchedObject, std::string>> fetch(
      const SourceObject& object, uint64_t max_bytes) = 0;
};

// Regular files below root. Symbolic links are skipped, so the import never
// leaves the tree. Files are read on workers.
std::unique_ptr<Source> make_directory_source(std::filesystem::path root,
                                              boost::asio::thread_pool& workers);

struct S3SourceSettings {
  http::Url endpoint;  // scheme://host[:port]
  std::string bucket;
  std::string prefix;  // only keys that start with it are listed
  std::string region = "us-east-1";
  s3::Credentials credentials;
  http::ClientOptions client;
};

// Objects of an S3 bucket under a prefix, listed with ListObjectsV2 (path
// style, in pages of up to 1000) and read with signed GETs. The clock must
// outlive the source.
std::unique_ptr<Source> make_s3_source(S3SourceSettings settings,
                                       boost::asio::any_io_executor executor, const Clock& clock);

}  // namespace satchel::migrate
