#include "s3/post_policy.h"

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"

namespace satchel::s3 {
namespace {

using Json = nlohmann::json;

// A form field in lower case, and whether a condition has named it.
struct IndexedField {
  std::string name;
  const std::string* value;
  bool covered = false;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Fields that no condition needs to name: the policy and its signature, the
// file, and the fields S3 reserves for the page's own use.
bool is_exempt(std::string_view name) {
  return name == "policy" || name == "x-amz-signature" || name == "file" ||
         name.starts_with("x-ignore-");
}

class FormIndex {
 public:
  // Returns nullopt if a name occurs twice, because a condition could then
  // check one copy while the store uses the other.
  static std::optional<FormIndex> build(std::span<const FormField> fields) {
    FormIndex index;
    for (const FormField& field : fields) {
      std::string name = lower(field.name);
      if (index.find(name) != nullptr) return std::nullopt;
      index.fields_.push_back({std::move(name), &field.value});
    }
    return index;
  }

  IndexedField* find(std::string_view lower_name) {
    for (IndexedField& field : fields_) {
      if (field.name == lower_name) return &field;
    }
    return nullptr;
  }

  const std::string* value(std::string_view lower_name) {
    IndexedField* field = find(lower_name);
    return field == nullptr ? nullptr : field->value;
  }

  bool all_covered() const {
    for (const IndexedField& field : fields_) {
      if (!field.covered && !is_exempt(field.name)) return false;
    }
    return true;
  }

 private:
  std::vector<IndexedField> fields_;
};

enum class Outcome { kPass, kFail, kInvalid };

// The value a condition tests: the bucket of the URL, or a form field
// (empty when the form lacks it). Marks the field as named by a condition.
std::string_view condition_subject(FormIndex& form, std::string_view bucket,
                                   const std::string& name) {
  if (name == "bucket") return bucket;
  IndexedField* field = form.find(name);
  if (field == nullptr) return {};
  field->covered = true;
  return *field->value;
}

bool starts_with_each(std::string_view name, std::string_view value, std::string_view prefix) {
  if (name != "content-type") return value.starts_with(prefix);
  // S3 reads a Content-Type value with commas as a list, and every entry
  // must match the prefix.
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    if (!trim(value.substr(start, end - start)).starts_with(prefix)) return false;
    start = end + 1;
  }
  return true;
}

std::optional<uint64_t> json_size(const Json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return value.get<uint64_t>();
  return std::nullopt;
}

Outcome evaluate_object(const Json& condition, FormIndex& form, std::string_view bucket) {
  if (condition.size() != 1 || !condition.begin().value().is_string()) return Outcome::kInvalid;
  std::string name = lower(condition.begin().key());
  const std::string& expected = condition.begin().value().get_ref<const std::string&>();
  return condition_subject(form, bucket, name) == expected ? Outcome::kPass : Outcome::kFail;
}

Outcome evaluate_array(const Json& condition, FormIndex& form, std::string_view bucket,
                       std::optional<ContentLengthRange>& range) {
  if (condition.size() != 3 || !condition[0].is_string()) return Outcome::kInvalid;
  const std::string operation = lower(condition[0].get<std::string>());
  if (operation == "content-length-range") {
    auto min_bytes = json_size(condition[1]);
    auto max_bytes = json_size(condition[2]);
    if (!min_bytes || !max_bytes || *min_bytes > *max_bytes || range) return Outcome::kInvalid;
    range = ContentLengthRange{*min_bytes, *max_bytes};
    return Outcome::kPass;
  }
  if (operation != "eq" && operation != "starts-with") return Outcome::kInvalid;
  if (!condition[1].is_string() || !condition[2].is_string()) return Outcome::kInvalid;
  const std::string& variable = condition[1].get_ref<const std::string&>();
  if (!variable.starts_with('$')) return Outcome::kInvalid;
  const std::string name = lower(std::string_view(variable).substr(1));
  const std::string& operand = condition[2].get_ref<const std::string&>();
  std::string_view subject = condition_subject(form, bucket, name);
  bool passed = operation == "eq" ? subject == operand : starts_with_each(name, subject, operand);
  return passed ? Outcome::kPass : Outcome::kFail;
}

// Checks every condition and returns the content-length range, if any.
Expected<std::optional<ContentLengthRange>, AuthError> evaluate_conditions(
    const Json& conditions, FormIndex& form, std::string_view bucket) {
  std::optional<ContentLengthRange> range;
  for (const Json& condition : conditions) {
    Outcome outcome = condition.is_object()  ? evaluate_object(condition, form, bucket)
                      : condition.is_array() ? evaluate_array(condition, form, bucket, range)
                                             : Outcome::kInvalid;
    if (outcome == Outcome::kInvalid) return Unexpected(AuthError::kInvalidPolicyDocument);
    if (outcome == Outcome::kFail) return Unexpected(AuthError::kPolicyConditionFailed);
  }
  if (!form.all_covered()) return Unexpected(AuthError::kPolicyConditionFailed);
  return range;
}

}  // namespace

std::string post_policy_signature(const SigningKey& key, std::string_view policy_base64) {
  return signature_hex(key, policy_base64);
}

PostPolicyVerifier::PostPolicyVerifier(VerifierConfig config, CredentialLookup lookup,
                                       const Clock& clock)
    : config_(std::move(config)),
      lookup_(std::move(lookup)),
      clock_(&clock),
      keys_(std::make_shared<SigningKeyCache>()) {}

Expected<VerifiedPostPolicy, AuthError> PostPolicyVerifier::verify(
    std::string_view bucket, std::span<const FormField> fields) const {
  std::optional<FormIndex> form = FormIndex::build(fields);
  if (!form) return Unexpected(AuthError::kInvalidPolicyField);
  const std::string* policy = form->value("policy");
  const std::string* algorithm = form->value("x-amz-algorithm");
  const std::string* credential_text = form->value("x-amz-credential");
  const std::string* date = form->value("x-amz-date");
  const std::string* signature = form->value("x-amz-signature");
  const std::string* key = form->value("key");
  if (algorithm == nullptr && form->value("awsaccesskeyid") != nullptr) {
    return Unexpected(AuthError::kUnsupportedAuthorization);
  }
  if (!policy || !algorithm || !credential_text || !date || !signature || !key) {
    return Unexpected(AuthError::kInvalidPolicyField);
  }
  if (*algorithm != kSigningAlgorithm) return Unexpected(AuthError::kUnsupportedAuthorization);
  std::optional<CredentialClaim> credential = parse_credential(*credential_text);
  if (!credential || !parse_amz_date(*date) || signature->size() != 64) {
    return Unexpected(AuthError::kInvalidPolicyField);
  }
  if (credential->scope.region != config_.region || credential->scope.service != config_.service ||
      !date->starts_with(credential->scope.date)) {
    return Unexpected(AuthError::kCredentialScopeMismatch);
  }

  std::optional<Credentials> credentials = lookup_(credential->access_key_id);
  if (!credentials) return Unexpected(AuthError::kInvalidAccessKeyId);
  const std::string* token = form->value("x-amz-security-token");
  if (auto error = check_session_token(
          *credentials, token ? std::optional<std::string_view>(*token) : std::nullopt)) {
    return Unexpected(*error);
  }
  SigningKey signing_key = keys_->get(*credentials, credential->scope);
  if (!constant_time_equal(post_policy_signature(signing_key, *policy), *signature)) {
    return Unexpected(AuthError::kSignatureDoesNotMatch);
  }

  std::optional<std::string> document = base64_decode(*policy);
  Json json = document ? Json::parse(*document, nullptr, false) : Json();
  if (!json.is_object() || !json.contains("expiration") || !json["expiration"].is_string() ||
      !json.contains("conditions") || !json["conditions"].is_array()) {
    return Unexpected(AuthError::kInvalidPolicyDocument);
  }
  std::optional<SystemTime> expiration = parse_iso8601(json["expiration"].get<std::string>());
  if (!expiration) return Unexpected(AuthError::kInvalidPolicyDocument);
  if (clock_->now() > *expiration) return Unexpected(AuthError::kPolicyExpired);

  auto range = evaluate_conditions(json["conditions"], *form, bucket);
  if (!range) return Unexpected(range.error());

  VerifiedPostPolicy out;
  out.access_key_id = std::move(credential->access_key_id);
  out.scope = std::move(credential->scope);
  out.expiration = *expiration;
  out.key = *key;
  out.content_length_range = *range;
  return out;
}

Expected<std::vector<FormField>, SigningError> presign_post_policy(
    const RequestSigner& signer, const PostPolicyRequest& request) {
  if (request.expires < kMinPresignExpiry || request.expires > kMaxPresignExpiry) {
    return Unexpected(SigningError::kInvalidExpiry);
  }
  if (request.bucket.empty()) return Unexpected(SigningError::kInvalidBucket);

  const std::string amz_date = format_amz_date(request.time);
  const SigningScope scope = signer.scope_at(request.time);
  const Credentials& credentials = signer.credentials();
  const std::string credential = credentials.access_key_id + "/" + scope.credential_scope();

  Json conditions = Json::array();
  conditions.push_back(Json::object({{"bucket", std::string(request.bucket)}}));
  for (const PostPolicyCondition& condition : request.conditions) {
    const char* operation =
        condition.kind == PostPolicyCondition::Kind::kEquals ? "eq" : "starts-with";
    conditions.push_back(Json::array({operation, "$" + condition.field, condition.value}));
  }
  if (request.content_length_range) {
    conditions.push_back(
        Json::array({"content-length-range", request.content_length_range->min_bytes,
                     request.content_length_range->max_bytes}));
  }
  conditions.push_back(Json::object({{"x-amz-algorithm", kSigningAlgorithm}}));
  conditions.push_back(Json::object({{"x-amz-credential", credential}}));
  conditions.push_back(Json::object({{"x-amz-date", amz_date}}));
  if (credentials.session_token) {
    conditions.push_back(
        Json::object({{"x-amz-security-token", credentials.session_token->reveal()}}));
  }
  const SystemTime expiration =
      std::chrono::floor<std::chrono::seconds>(request.time) + request.expires;
  Json policy = {{"expiration", format_iso8601(expiration)}, {"conditions", conditions}};
  const std::string policy_base64 = base64_encode(policy.dump());

  std::vector<FormField> fields = {{"Policy", policy_base64},
                                   {"X-Amz-Algorithm", std::string(kSigningAlgorithm)},
                                   {"X-Amz-Credential", credential},
                                   {"X-Amz-Date", amz_date}};
  if (credentials.session_token) {
    fields.push_back({"X-Amz-Security-Token", credentials.session_token->reveal()});
  }
  fields.push_back(
      {"X-Amz-Signature", post_policy_signature(signer.signing_key(scope), policy_base64)});
  return fields;
}

}  // namespace satchel::s3
