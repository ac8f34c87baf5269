// The S3 bucket source: ListObjectsV2 and GET, signed with SigV4.
#include <charconv>

#include "common/crypto.h"
#include "common/encoding.h"
#include "migrate/source.h"
#include "s3/presigner.h"
#include "s3/signer.h"
#include "s3/xml_reader.h"

namespace satchel::migrate {
namespace {

namespace asio = boost::asio;

// ListObjectsV2 returns at most 1000 keys per page.
constexpr int kListPageKeys = 1000;

std::string header_or_empty(const http::Response& response, std::string_view name) {
  auto it = response.find(name);
  return it == response.end() ? std::string() : std::string(it->value());
}

class S3Source final : public Source {
 public:
  S3Source(S3SourceSettings settings, asio::any_io_executor executor, const Clock& clock)
      : settings_(std::move(settings)),
        clock_(clock),
        signer_(settings_.credentials, settings_.region, "s3"),
        client_(std::move(executor), settings_.client) {}

  std::string description() const override {
    return "s3:" + settings_.endpoint.origin() + "/" + settings_.bucket + "/" + settings_.prefix;
  }

  asio::awaitable<Expected<std::vector<SourceObject>, std::string>> list() override {
    std::vector<SourceObject> objects;
    std::string continuation;
    while (true) {
      // Parameters in byte order of their names, as the canonical query has them.
      std::string query;
      if (!continuation.empty()) query += "continuation-token=" + uri_encode(continuation) + "&";
      query += "list-type=2&max-keys=" + std::to_string(kListPageKeys) +
               "&prefix=" + uri_encode(settings_.prefix);
      auto response = co_await send(http::Verb::get, "/" + settings_.bucket, query);
      if (!response) co_return Unexpected(response.error());
      if (response->result_int() != 200) {
        co_return Unexpected("ListObjectsV2 of bucket " + settings_.bucket +
                             " failed with status " + std::to_string(response->result_int()));
      }
      auto document = s3::parse_xml(response->body());
      if (!document || document->name != "ListBucketResult") {
        co_return Unexpected(std::string("ListObjectsV2 returned no ListBucketResult document"));
      }
      for (const s3::XmlElement* contents : document->children_named("Contents")) {
        const s3::XmlElement* key = contents->child("Key");
        const s3::XmlElement* size = contents->child("Size");
        if (key == nullptr || size == nullptr) continue;
        SourceObject object{key->text, 0};
        std::string_view size_text = s3::trim_xml_space(size->text);
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), object.size_bytes);
        // A key ending in '/' is a folder placeholder that some tools create.
        if (!object.key.ends_with('/')) objects.push_back(std::move(object));
      }
      const s3::XmlElement* truncated = document->child("IsTruncated");
      const s3::XmlElement* next = document->child("NextContinuationToken");
      if (truncated == nullptr || s3::trim_xml_space(truncated->text) != "true") break;
      if (next == nullptr || next->text.empty()) {
        co_return Unexpected(
            std::string("ListObjectsV2 is truncated but has no continuation token"));
      }
      continuation = next->text;
    }
    co_return objects;
  }

  asio::awaitable<Expected<FetchedObject, std::string>> fetch(const SourceObject& object,
                                                              uint64_t max_bytes) override {
    if (object.size_bytes > max_bytes) {
      co_return Unexpected("object is " + std::to_string(object.size_bytes) +
                           " bytes, more than the limit of " + std::to_string(max_bytes));
    }
    auto response = co_await send(http::Verb::get,
                                  "/" + settings_.bucket + "/" + s3::encode_key(object.key), "");
    if (!response) co_return Unexpected(response.error());
    if (response->result_int() != 200) {
      co_return Unexpected("GET of the source object failed with status " +
                           std::to_string(response->result_int()));
    }
    if (response->body().size() > max_bytes) {
      co_return Unexpected("object is larger than the limit of " + std::to_string(max_bytes));
    }
    co_return FetchedObject{std::move(response->body()),
                            header_or_empty(*response, "Content-Type")};
  }

 private:
  asio::awaitable<Expected<http::Response, std::string>> send(http::Verb method,
                                                              const std::string& path,
                                                              const std::string& query) {
    std::string authority = settings_.endpoint.authority();
    std::vector<s3::Header> headers{{"host", authority}};
    std::string method_name(http::bhttp::to_string(method));
    s3::RequestView view{method_name, path, query, headers};
    auto signature = signer_.sign_headers(view, clock_.now());
    http::ClientRequest request{.method = method,
                                .target = query.empty() ? path : path + "?" + query};
    for (const auto& header : signature.headers) {
      request.headers.emplace_back(header.name, header.value);
    }
    co_return co_await client_.send(settings_.endpoint, request);
  }

  const S3SourceSettings settings_;
  const Clock& clock_;
  s3::RequestSigner signer_;
  http::Client client_;
};

}  // namespace

std::unique_ptr<Source> make_s3_source(S3SourceSettings settings, asio::any_io_executor executor,
                                       const Clock& clock) {
  return std::make_unique<S3Source>(std::move(settings), std::move(executor), clock);
}

}  // namespace satchel::migrate
