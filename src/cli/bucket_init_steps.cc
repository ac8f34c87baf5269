#include "cli/bucket_init_steps.h"

#include <algorithm>

#include "s3/xml_reader.h"

namespace satchel::cli {
namespace {

using http::Verb;

// The region whose CreateBucket takes no LocationConstraint.
constexpr std::string_view kDefaultRegion = "us-east-1";

// Error codes of a key the store does not accept, as opposed to a key that
// may not use the bucket.
constexpr std::string_view kCredentialErrors[] = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken",
    "ExpiredToken",       "TokenRefreshRequired",  "AuthorizationHeaderMalformed",
};

bool is_credential_error(std::string_view code) {
  return std::find(std::begin(kCredentialErrors), std::end(kCredentialErrors), code) !=
         std::end(kCredentialErrors);
}

std::string create_bucket_xml(std::string_view region) {
  return "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
         "<LocationConstraint>" +
         std::string(region) + "</LocationConstraint></CreateBucketConfiguration>";
}

}  // namespace

BucketSetup::BucketSetup(BucketClient& client, bool dry_run, std::ostream& out)
    : client_(client), dry_run_(dry_run), out_(out) {}

void BucketSetup::report(std::string_view setting, std::string_view text) {
  out_ << setting << ": " << text << "\n";
}

std::string BucketSetup::planned(std::string_view outcome) const {
  return dry_run_ ? "would be " + std::string(outcome) : std::string(outcome);
}

void BucketSetup::report_failure(std::string_view setting, std::string_view operation,
                                 const Expected<BucketReply, std::string>& reply,
                                 std::string_view hint) {
  failed_ = true;
  if (!reply) {
    report(setting, "failed: " + std::string(operation) + ": " + reply.error());
    return;
  }
  std::string text =
      "failed: " + std::string(operation) + " returned status " + std::to_string(reply->status);
  if (!reply->error.code.empty()) text += " " + reply->error.code;
  if (!reply->error.message.empty()) text += ": " + reply->error.message;
  report(setting, text + std::string(hint));
}

bool BucketSetup::report_if_not_implemented(std::string_view setting, std::string_view operation,
                                            const BucketReply& reply) {
  // Engines return 501 NotImplemented for an operation they lack, and some
  // route it nowhere and return 405 MethodNotAllowed.
  bool not_implemented = reply.status == 501 || reply.error.code == "NotImplemented" ||
                         (reply.status == 405 && reply.error.code == "MethodNotAllowed");
  if (!not_implemented) return false;
  std::string engine = reply.server.empty() ? "the store" : reply.server;
  std::string code = reply.error.code.empty() ? std::to_string(reply.status) : reply.error.code;
  report(setting, "skipped: " + engine + " does not implement " + std::string(operation) + " (" +
                      code + ")");
  return true;
}

void BucketSetup::explain_denied_bucket() {
  failed_ = true;
  const std::string& bucket = client_.endpoint().bucket;
  auto service = client_.send_to_service(Verb::get);
  if (service && service->status == 403 && is_credential_error(service->error.code)) {
    report("bucket", "failed: the store rejected the credentials (" + service->error.code +
                         "): check the access key id, the secret key and --region");
    return;
  }
  report("bucket", "failed: access to bucket " + bucket +
                       " was denied: it belongs to another account, or this key's policy does "
                       "not allow bucket operations on it; pass another --bucket or key");
}

bool BucketSetup::ensure_bucket(bool object_lock) {
  auto head = client_.send(Verb::head, "");
  if (!head) {
    report_failure("bucket", "HeadBucket", head);
    return false;
  }
  if (head->status == 200) {
    report("bucket", "unchanged");
    return true;
  }
  if (head->status == 403) {
    explain_denied_bucket();
    return false;
  }
  if (head->status == 301 || head->status == 307 || head->status == 400) {
    failed_ = true;
    report("bucket", "failed: HeadBucket returned status " + std::to_string(head->status) +
                         ": the bucket is probably in another region than " +
                         client_.endpoint().region + "; pass its --region");
    return false;
  }
  if (head->status != 404) {
    report_failure("bucket", "HeadBucket", head);
    return false;
  }
  if (dry_run_) {
    bucket_missing_ = true;
    report("bucket", planned(object_lock ? "created with Object Lock" : "created"));
    return true;
  }

  std::string body;
  if (client_.endpoint().region != kDefaultRegion) {
    body = create_bucket_xml(client_.endpoint().region);
  }
  std::vector<std::pair<std::string, std::string>> headers;
  // Object Lock can only be enabled when the bucket is created on some
  // engines (Ceph RGW 16 among them).
  if (object_lock) headers.emplace_back("x-amz-bucket-object-lock-enabled", "true");
  auto created = client_.send(Verb::put, "", std::move(body), std::move(headers));
  if (created && created->status == 200) {
    bucket_created_ = true;
    report("bucket", object_lock ? "created with Object Lock" : "created");
    return true;
  }
  if (created && created->error.code == "BucketAlreadyOwnedByYou") {
    report("bucket", "unchanged");
    return true;
  }
  if (created && created->error.code == "BucketAlreadyExists") {
    failed_ = true;
    report("bucket", "failed: bucket " + client_.endpoint().bucket +
                         " already exists and belongs to another account; pass another "
                         "--bucket");
    return false;
  }
  if (created && created->status == 403) {
    explain_denied_bucket();
    return false;
  }
  report_failure("bucket", "CreateBucket", created);
  return false;
}

BucketSetup::ReadResult BucketSetup::read(std::string_view setting, std::string_view subresource,
                                          std::string_view operation,
                                          std::string_view document_root,
                                          std::initializer_list<std::string_view> absent_codes) {
  auto reply = client_.send(Verb::get, subresource);
  if (reply && reply->status == 200) {
    auto root = s3::parse_xml(reply->body);
    if (root && root->name == document_root) return {ReadState::kFound, std::move(reply->body)};
    // Ceph RGW 16 ignores ?encryption and lists the bucket's objects, so
    // the PUT would not configure anything either.
    if (root && root->name == "ListBucketResult") {
      std::string engine = reply->server.empty() ? "the store" : reply->server;
      report(setting, "skipped: " + engine + " does not implement " + std::string(operation) +
                          " (it ignored ?" + std::string(subresource) +
                          " and returned the object listing)");
      return {ReadState::kSkipped, {}};
    }
    failed_ = true;
    report(setting, "failed: " + std::string(operation) + " returned a document that is not a " +
                        std::string(document_root));
    return {ReadState::kFailed, {}};
  }
  if (reply && reply->status == 404 &&
      std::find(absent_codes.begin(), absent_codes.end(), reply->error.code) !=
          absent_codes.end()) {
    return {ReadState::kAbsent, {}};
  }
  if (reply && report_if_not_implemented(setting, operation, *reply)) {
    return {ReadState::kSkipped, {}};
  }
  report_failure(setting, operation, reply);
  return {ReadState::kFailed, {}};
}

void BucketSetup::write(std::string_view setting, Verb method, std::string_view subresource,
                        std::string_view operation, std::string body, const std::string& outcome,
                        std::string_view failure_hint) {
  if (dry_run_) {
    report(setting, planned(outcome));
    return;
  }
  auto reply = client_.send(method, subresource, std::move(body));
  if (reply && (reply->status == 200 || reply->status == 204)) {
    report(setting, outcome);
    return;
  }
  if (reply && report_if_not_implemented(setting, operation, *reply)) return;
  report_failure(setting, operation, reply, failure_hint);
}

void BucketSetup::apply_object_lock(const ObjectLockSettings& desired) {
  constexpr std::string_view kSetting = "object lock";
  if (bucket_missing_) {
    report(kSetting, planned("created"));
    return;
  }

  auto read_reply = read(kSetting, "object-lock", "GetObjectLockConfiguration",
                         "ObjectLockConfiguration", {"ObjectLockConfigurationNotFoundError"});
  if (read_reply.state == ReadState::kSkipped || read_reply.state == ReadState::kFailed) return;
  ObjectLockSettings current;
  if (read_reply.state == ReadState::kFound) {
    auto parsed = parse_object_lock_xml(read_reply.body);
    if (!parsed) {
      failed_ = true;
      report(kSetting, "failed: the store's ObjectLockConfiguration could not be read");
      return;
    }
    current = *parsed;
  }

  if (object_lock_matches(current, desired)) {
    report(kSetting, "unchanged");
    return;
  }
  // Lock on an existing bucket: AWS S3 allows it on a versioned bucket, but
  // Ceph RGW 16 rejects it (409 InvalidBucketState), and then a new bucket is
  // the only way.
  std::string outcome = current.enabled ? "changed (was " + describe(current) + ")" : "created";
  std::string_view hint;
  if (!current.enabled) {
    hint =
        "; this store may enable Object Lock only when a bucket is created, so pass a new "
        "--bucket with --object-lock";
  }
  write(kSetting, Verb::put, "object-lock", "PutObjectLockConfiguration", object_lock_xml(desired),
        outcome, hint);
}

void BucketSetup::apply_versioning() {
  constexpr std::string_view kSetting = "versioning";
  if (bucket_missing_) {
    report(kSetting, planned("created"));
    return;
  }
  auto read_reply =
      read(kSetting, "versioning", "GetBucketVersioning", "VersioningConfiguration", {});
  if (read_reply.state != ReadState::kFound) return;
  auto current = parse_versioning_xml(read_reply.body);
  if (!current) {
    failed_ = true;
    report(kSetting, "failed: the store's VersioningConfiguration could not be read");
    return;
  }
  if (*current == VersioningStatus::kEnabled) {
    report(kSetting, "unchanged");
    return;
  }
  std::string outcome = *current == VersioningStatus::kNeverEnabled
                            ? "created"
                            : "changed (was " + std::string(describe(*current)) + ")";
  write(kSetting, Verb::put, "versioning", "PutBucketVersioning",
        versioning_xml(VersioningStatus::kEnabled), outcome);
}

void BucketSetup::apply_lifecycle(const std::vector<LifecycleRule>& desired) {
  constexpr std::string_view kSetting = "lifecycle";
  if (bucket_missing_) {
    report(kSetting, planned("created"));
    return;
  }
  auto read_reply = read(kSetting, "lifecycle", "GetBucketLifecycleConfiguration",
                         "LifecycleConfiguration", {"NoSuchLifecycleConfiguration"});
  if (read_reply.state == ReadState::kSkipped || read_reply.state == ReadState::kFailed) return;
  std::vector<LifecycleRule> current;
  if (read_reply.state == ReadState::kFound) {
    auto parsed = parse_lifecycle_xml(read_reply.body);
    if (!parsed) {
      failed_ = true;
      report(kSetting, "failed: the store's LifecycleConfiguration could not be read");
      return;
    }
    current = std::move(*parsed);
  }
  if (lifecycle_matches(current, desired)) {
    report(kSetting, "unchanged");
    return;
  }
  std::string outcome = current.empty() ? "created" : "changed (was " + describe(current) + ")";
  write(kSetting, Verb::put, "lifecycle", "PutBucketLifecycleConfiguration",
        lifecycle_xml(merge_lifecycle_rules(current, desired)), outcome);
}

void BucketSetup::apply_encryption(const DefaultEncryption& desired) {
  constexpr std::string_view kSetting = "encryption";
  if (bucket_missing_) {
    report(kSetting, planned("created"));
    return;
  }
  auto read_reply =
      read(kSetting, "encryption", "GetBucketEncryption", "ServerSideEncryptionConfiguration",
           {"ServerSideEncryptionConfigurationNotFoundError"});
  if (read_reply.state == ReadState::kSkipped || read_reply.state == ReadState::kFailed) return;
  DefaultEncryption current;
  if (read_reply.state == ReadState::kFound) {
    auto parsed = parse_encryption_xml(read_reply.body);
    if (!parsed) {
      failed_ = true;
      report(kSetting, "failed: the store's ServerSideEncryptionConfiguration could not be read");
      return;
    }
    current = *parsed;
  }
  if (current == desired) {
    report(kSetting, "unchanged");
    return;
  }
  std::string outcome =
      current.algorithm.empty() ? "created" : "changed (was " + describe(current) + ")";
  write(kSetting, Verb::put, "encryption", "PutBucketEncryption", encryption_xml(desired), outcome);
}

void BucketSetup::apply_cors(const store::CorsRule& desired) {
  constexpr std::string_view kSetting = "cors";
  if (bucket_missing_) {
    report(kSetting, planned("created"));
    return;
  }
  auto read_reply =
      read(kSetting, "cors", "GetBucketCors", "CORSConfiguration", {"NoSuchCORSConfiguration"});
  if (read_reply.state == ReadState::kSkipped || read_reply.state == ReadState::kFailed) return;
  std::vector<store::CorsRule> current;
  if (read_reply.state == ReadState::kFound) {
    auto parsed = parse_cors_xml(read_reply.body);
    if (!parsed) {
      failed_ = true;
      report(kSetting, "failed: the store's CORSConfiguration could not be read");
      return;
    }
    current = std::move(*parsed);
  }
  if (cors_matches(current, desired)) {
    report(kSetting, "unchanged");
    return;
  }
  std::string outcome = current.empty() ? "created" : "changed (was " + describe(current) + ")";
  write(kSetting, Verb::put, "cors", "PutBucketCors", cors_xml(merge_cors_rules(current, desired)),
        outcome);
}

}  // namespace satchel::cli
