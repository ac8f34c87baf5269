// Google Benchmark programs for the steps of one presign request: SigV4
// canonical request and presigned URL, JWT verification for each asymmetric
// algorithm Satchel accepts, the verified-token cache, and policy evaluation.
// Run: build/bench/micro_bench (bench/run runs it too).
#include <benchmark/benchmark.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/jwk.h"
#include "auth/jws_algorithm.h"
#include "auth/jwt.h"
#include "auth/jwt_verifier.h"
#include "auth/verified_token_cache.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "policy/policy.h"
#include "s3/canonical_request.h"
#include "s3/presigner.h"
#include "s3/signer.h"

namespace satchel {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'800'000'000;

// ---- SigV4 --------------------------------------------------------------------

s3::Presigner make_presigner() {
  s3::PresignerConfig config;
  config.endpoint = "http://127.0.0.1:9000";
  config.credentials.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  config.credentials.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  config.region = "us-east-1";
  auto presigner = s3::Presigner::create(std::move(config));
  if (!presigner) std::abort();
  return std::move(*presigner);
}

// The PUT that POST /v1/uploads presigns: type, length and the upload id are
// signed headers.
void BM_PresignPut(benchmark::State& state) {
  const s3::Presigner presigner = make_presigner();
  const std::array<s3::Header, 3> headers = {
      s3::Header{"Content-Type", "image/jpeg"}, s3::Header{"Content-Length", "4096"},
      s3::Header{"x-amz-meta-satchel-upload-id", "Zm9vYmFyYmF6cXV4cXV1eA"}};
  const SystemTime now = from_unix_seconds(kNow);
  for (auto _ : state) {
    auto url = presigner.presign({.method = "PUT",
                                  .bucket = "satchel",
                                  .key = "acme/user-0042/attachments/photo 1.jpg",
                                  .headers = headers,
                                  .expires = std::chrono::seconds{60},
                                  .time = now});
    benchmark::DoNotOptimize(url);
  }
}
BENCHMARK(BM_PresignPut);

void BM_PresignGet(benchmark::State& state) {
  const s3::Presigner presigner = make_presigner();
  const std::array<s3::QueryArgument, 1> query = {
      s3::QueryArgument{"versionId", "00000001700000000-abcdef"}};
  const SystemTime now = from_unix_seconds(kNow);
  for (auto _ : state) {
    auto url = presigner.presign({.method = "GET",
                                  .bucket = "satchel",
                                  .key = "acme/user-0042/preferences.json",
                                  .query = query,
                                  .expires = std::chrono::seconds{60},
                                  .time = now});
    benchmark::DoNotOptimize(url);
  }
}
BENCHMARK(BM_PresignGet);

// The signing key derivation that the presigner's cache saves on every
// request after the first of a day: four HMAC-SHA256 calls.
void BM_DeriveSigningKey(benchmark::State& state) {
  const Secret secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  const s3::SigningScope scope{.date = "20270115", .region = "us-east-1", .service = "s3"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(s3::derive_signing_key(secret, scope));
  }
}
BENCHMARK(BM_DeriveSigningKey);

// A request as the store's verifier canonicalizes it: a wire query to
// decode and sort, five headers, and the joined canonical request.
void BM_CanonicalRequest(benchmark::State& state) {
  const std::array<s3::Header, 5> headers = {
      s3::Header{"Host", "127.0.0.1:9000"},
      s3::Header{"Content-Type", "image/jpeg"},
      s3::Header{"Content-Length", "4096"},
      s3::Header{"x-amz-meta-satchel-upload-id", "Zm9vYmFyYmF6cXV4cXV1eA"},
      s3::Header{"X-Amz-Date", "20270115T080000Z"}};
  const std::string_view query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20270115%2F"
      "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20270115T080000Z&X-Amz-Expires=60&"
      "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bx-amz-meta-satchel-upload-id";
  for (auto _ : state) {
    const std::string uri = s3::canonical_uri("/satchel/acme/user-0042/attachments/photo%201.jpg");
    const std::string canonical_query = s3::canonical_query_string(query);
    const s3::CanonicalHeaders canonical = s3::canonical_headers(headers);
    std::string request = s3::canonical_request("PUT", uri, canonical_query, canonical.lines,
                                                canonical.signed_headers, s3::kUnsignedPayload);
    benchmark::DoNotOptimize(request);
  }
}
BENCHMARK(BM_CanonicalRequest);

// ---- JWT ------------------------------------------------------------------------

struct SignedToken {
  std::string text;
  std::shared_ptr<const auth::JwkSet> keys;
};

SignedToken make_signed_token(auth::JwsAlgorithm algorithm) {
  auth::UniqueEvpPkey key;
  std::string alg;
  switch (algorithm) {
    case auth::JwsAlgorithm::kRs256:
      key.reset(EVP_RSA_gen(2048));
      alg = "RS256";
      break;
    case auth::JwsAlgorithm::kEs256:
      key.reset(EVP_EC_gen("P-256"));
      alg = "ES256";
      break;
    default:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      alg = "EdDSA";
      break;
  }
  auto jwk = auth::Jwk::from_key(key.get(), "bench", alg);
  if (!jwk) std::abort();
  auto set = auth::JwkSet::from_json(json{{"keys", {jwk->to_json()}}});
  if (!set) std::abort();
  const json claims = {{"iss", "https://issuer.example"}, {"aud", "satchel"},
                       {"sub", "user-0042"},              {"org", "acme"},
                       {"iat", kNow},                     {"exp", kNow + 3600},
                       {"roles", {"member"}}};
  const std::string input = auth::make_signing_input({{"alg", alg}, {"kid", "bench"}}, claims);
  auto signature = auth::sign_jws(algorithm, key.get(), input);
  if (!signature) std::abort();
  return SignedToken{input + "." + base64url_encode(*signature),
                     std::make_shared<const auth::JwkSet>(std::move(*set))};
}

auth::JwtVerifierConfig verifier_config() {
  auth::JwtVerifierConfig config;
  config.issuer = "https://issuer.example";
  config.audiences = {"satchel"};
  return config;
}

// The whole verify(): decode, key lookup, signature and claims.
void BM_JwtVerify(benchmark::State& state, auth::JwsAlgorithm algorithm) {
  const SignedToken token = make_signed_token(algorithm);
  const ManualClock clock(from_unix_seconds(kNow));
  const auth::JwtVerifier verifier(verifier_config(), auth::make_key_lookup(token.keys), clock);
  if (!verifier.verify(token.text)) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(verifier.verify(token.text));
  }
}
BENCHMARK_CAPTURE(BM_JwtVerify, RS256, auth::JwsAlgorithm::kRs256);
BENCHMARK_CAPTURE(BM_JwtVerify, ES256, auth::JwsAlgorithm::kEs256);
BENCHMARK_CAPTURE(BM_JwtVerify, EdDSA, auth::JwsAlgorithm::kEdDsa);

// A repeated token returned by the verified-token cache instead of verify().
void BM_VerifiedTokenCacheHit(benchmark::State& state) {
  const SignedToken token = make_signed_token(auth::JwsAlgorithm::kRs256);
  const ManualClock clock(from_unix_seconds(kNow));
  const auth::JwtVerifier verifier(verifier_config(), auth::make_key_lookup(token.keys), clock);
  auth::VerifiedTokenCache cache(clock);
  auto verified = verifier.verify(token.text);
  if (!verified) std::abort();
  cache.insert(token.text, *verified);
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.find(token.text));
  }
}
BENCHMARK(BM_VerifiedTokenCacheHit);

// ---- Policy ---------------------------------------------------------------------

// The built-in policy deciding the write that POST /v1/uploads requests.
void BM_PolicyEvaluateWrite(benchmark::State& state) {
  const policy::Policy& policy = policy::Policy::default_policy();
  policy::Principal principal;
  principal.subject = "user-0042";
  principal.tenant = "acme";
  principal.issuer = "https://issuer.example";
  principal.claims = json{{"sub", "user-0042"}, {"org", "acme"}};
  policy::AccessRequest request;
  request.action = policy::Action::kObjectWrite;
  request.resource = "acme/user-0042/attachments/photo.jpg";
  request.attributes.content_type = "image/jpeg";
  request.attributes.size_bytes = 4096;
  request.attributes.url_ttl = std::chrono::seconds{60};
  if (!policy.evaluate(principal, request).allowed) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(policy.evaluate(principal, request));
  }
}
BENCHMARK(BM_PolicyEvaluateWrite);

// The same policy denying another user's key, which walks every statement.
void BM_PolicyEvaluateDenied(benchmark::State& state) {
  const policy::Policy& policy = policy::Policy::default_policy();
  policy::Principal principal;
  principal.subject = "user-0042";
  principal.tenant = "acme";
  policy::AccessRequest request;
  request.action = policy::Action::kObjectRead;
  request.resource = "acme/user-0043/preferences.json";
  if (policy.evaluate(principal, request).allowed) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(policy.evaluate(principal, request));
  }
}
BENCHMARK(BM_PolicyEvaluateDenied);

}  // namespace
}  // namespace satchel

BENCHMARK_MAIN();
