// The steps of `satchel bucket init` on one bucket: each reads a setting,
// compares it with the desired one and writes it only when it differs, and
// prints one line saying what happened.
#pragma once

#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/bucket_init_client.h"
#include "cli/bucket_init_xml.h"

namespace satchel::cli {

class BucketSetup {
 public:
  // out receives the lines; both must outlive the setup.
  BucketSetup(BucketClient& client, bool dry_run, std::ostream& out);

  // Creates the bucket when it is missing, with Object Lock when asked.
  // Returns false when nothing else can be done: the store is unreachable,
  // rejects the key, or the bucket belongs to someone else.
  bool ensure_bucket(bool object_lock);

  void apply_object_lock(const ObjectLockSettings& desired);
  void apply_versioning();
  void apply_lifecycle(const std::vector<LifecycleRule>& desired);
  void apply_encryption(const DefaultEncryption& desired);
  void apply_cors(const store::CorsRule& desired);

  // True once a step failed.
  bool failed() const { return failed_; }

 private:
  enum class ReadState { kFound, kAbsent, kSkipped, kFailed };
  struct ReadResult {
    ReadState state;
    std::string body;
  };

  // GETs the subresource and expects a document with document_root. A 404
  // with one of absent_codes means the setting is not configured. Prints the
  // line for a skipped or failed read.
  ReadResult read(std::string_view setting, std::string_view subresource,
                  std::string_view operation, std::string_view document_root,
                  std::initializer_list<std::string_view> absent_codes);
  // Sends the change unless this is a dry run, and prints outcome ("created",
  // "changed (was ...)") or the line for a skipped or failed write, which
  // ends with failure_hint.
  void write(std::string_view setting, http::Verb method, std::string_view subresource,
             std::string_view operation, std::string body, const std::string& outcome,
             std::string_view failure_hint = {});
  void report(std::string_view setting, std::string_view text);
  void report_failure(std::string_view setting, std::string_view operation,
                      const Expected<BucketReply, std::string>& reply, std::string_view hint = {});
  // Prints the skip line and returns true when the reply reports that the
  // store does not implement the operation.
  bool report_if_not_implemented(std::string_view setting, std::string_view operation,
                                 const BucketReply& reply);
  // Prints why the store returned 403 for the bucket: an invalid key, or a
  // bucket this key may not use.
  void explain_denied_bucket();
  std::string planned(std::string_view outcome) const;

  BucketClient& client_;
  bool dry_run_;
  std::ostream& out_;
  // Set in a dry run when the bucket does not exist yet: every setting is
  // then reported as one that would be created.
  bool bucket_missing_ = false;
  bool bucket_created_ = false;
  bool failed_ = false;
};

}  // namespace satchel::cli
