#include "auth/signing_key.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>

#include "auth/jwt_verifier.h"
#include "common/time_format.h"
#include "test_support.h"

namespace satchel::auth {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A fresh folder under the system temporary folder, removed afterwards.
class TemporaryFolder {
 public:
  TemporaryFolder()
      : path_(fs::temp_directory_path() / ("satchel-auth-test-" + hex_encode(random_bytes(8)))) {
    fs::create_directory(path_);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

fs::perms permissions_of(const fs::path& path) {
  return fs::status(path).permissions() & fs::perms::mask;
}

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& path, const std::string& text, fs::perms permissions) {
  std::ofstream(path) << text;
  fs::permissions(path, permissions);
}

std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

TEST(SigningKey, GeneratesP256Es256Jwk) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->public_jwk().kty(), "EC");
  EXPECT_EQ(key->public_jwk().crv(), "P-256");
  EXPECT_EQ(key->public_jwk().alg(), "ES256");
  EXPECT_EQ(key->public_jwk().use(), "sig");
  EXPECT_FALSE(key->public_jwk().to_json().contains("d"));
}

TEST(SigningKey, KidIsRfc7638Thumbprint) {
  // The thumbprint function itself against the RFC 7638 example.
  const json vector = testing::load_vector("jose/rfc7638/rfc7638-section-3.1.json");
  EXPECT_EQ(jwk_thumbprint(json::parse(vector.at("thumbprint_input").get<std::string>())),
            vector.at("sha256_b64u").get<std::string>());

  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  const json jwk = key->public_jwk().to_json();
  const std::string input = R"({"crv":"P-256","kty":"EC","x":")" + jwk.at("x").get<std::string>() +
                            R"(","y":")" + jwk.at("y").get<std::string>() + R"("})";
  EXPECT_EQ(key->kid(), base64url_encode(sha256(input)));
}

TEST(SigningKey, TwoKeysHaveDifferentKids) {
  auto first = SigningKey::generate();
  auto second = SigningKey::generate();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(first->kid(), second->kid());
}

TEST(SigningKey, SavesPkcs8PemWithMode0600) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "signing.pem";
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  ASSERT_TRUE(key->save(path).has_value());
  EXPECT_EQ(permissions_of(path), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(read_text(path).starts_with("-----BEGIN PRIVATE KEY-----\n"));
}

TEST(SigningKey, SavesMode0600EvenWithPermissiveUmask) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "signing.pem";
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  const mode_t previous = ::umask(0);
  auto saved = key->save(path);
  ::umask(previous);
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(permissions_of(path), fs::perms::owner_read | fs::perms::owner_write);
}

TEST(SigningKey, SaveLeavesNoTemporaryFiles) {
  TemporaryFolder folder;
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  ASSERT_TRUE(key->save(folder.path() / "signing.pem").has_value());
  ASSERT_TRUE(key->save(folder.path() / "signing.pem").has_value());
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(SigningKey, SaveReplacesExistingFile) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "signing.pem";
  write_text(path, "old", fs::perms::owner_read | fs::perms::owner_write);
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  ASSERT_TRUE(key->save(path).has_value());
  auto loaded = SigningKey::load(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->kid(), key->kid());
}

TEST(SigningKey, LoadRoundTrips) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "signing.pem";
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  ASSERT_TRUE(key->save(path).has_value());
  auto loaded = SigningKey::load(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->kid(), key->kid());
  EXPECT_EQ(loaded->jwks(), key->jwks());

  // A signature by the loaded key verifies with the original's public key.
  auto signature = loaded->sign("payload");
  ASSERT_TRUE(signature.has_value());
  EXPECT_TRUE(verify_jws_signature(JwsAlgorithm::kEs256, key->public_jwk(), "payload", *signature));
}

TEST(SigningKey, LoadRejectsMissingFile) {
  TemporaryFolder folder;
  auto loaded = SigningKey::load(folder.path() / "absent.pem");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), SigningKeyError::kNotFound);
}

TEST(SigningKey, LoadRejectsGroupReadableFile) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "signing.pem";
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  ASSERT_TRUE(key->save(path).has_value());
  fs::permissions(path, fs::perms::group_read, fs::perm_options::add);
  auto loaded = SigningKey::load(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), SigningKeyError::kInsecurePermissions);
}

TEST(SigningKey, LoadRejectsRsaKey) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "rsa.pem";
  UniqueEvpPkey rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  ASSERT_TRUE(rsa);
  write_text(path, pem_of(rsa.get()), fs::perms::owner_read | fs::perms::owner_write);
  auto loaded = SigningKey::load(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), SigningKeyError::kInvalidKey);
}

TEST(SigningKey, LoadRejectsP384Key) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "p384.pem";
  UniqueEvpPkey p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  ASSERT_TRUE(p384);
  write_text(path, pem_of(p384.get()), fs::perms::owner_read | fs::perms::owner_write);
  auto loaded = SigningKey::load(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), SigningKeyError::kInvalidKey);
}

TEST(SigningKey, LoadRejectsGarbage) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "garbage.pem";
  write_text(path, "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
             fs::perms::owner_read | fs::perms::owner_write);
  auto loaded = SigningKey::load(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), SigningKeyError::kInvalidKey);
}

TEST(SigningKey, LoadRejectsOversizedFile) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "large.pem";
  write_text(path, std::string(kMaxKeyFileBytes + 1, 'a'),
             fs::perms::owner_read | fs::perms::owner_write);
  auto loaded = SigningKey::load(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), SigningKeyError::kInvalidKey);
}

TEST(SigningKey, LoadOrCreateCreatesThenReuses) {
  TemporaryFolder folder;
  const fs::path path = folder.path() / "signing.pem";
  auto created = SigningKey::load_or_create(path);
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(permissions_of(path), fs::perms::owner_read | fs::perms::owner_write);
  auto reused = SigningKey::load_or_create(path);
  ASSERT_TRUE(reused.has_value());
  EXPECT_EQ(reused->kid(), created->kid());
}

TEST(MintToken, VerifiesAgainstPublishedJwks) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  const int64_t now = 1'700'000'000;
  const json claims = {{"iss", "https://dev.example"},
                       {"aud", "satchel-web"},
                       {"sub", "ada"},
                       {"org", "acme"},
                       {"iat", now},
                       {"exp", now + 900}};
  auto token = mint_token(*key, claims);
  ASSERT_TRUE(token.has_value());

  auto keys = JwkSet::from_json(key->jwks());
  ASSERT_TRUE(keys.has_value());
  ManualClock clock(from_unix_seconds(now));
  JwtVerifierConfig config;
  config.issuer = "https://dev.example";
  config.audiences = {"satchel-web"};
  JwtVerifier verifier(config, make_key_lookup(std::make_shared<const JwkSet>(std::move(*keys))),
                       clock);
  auto verified = verifier.verify(*token);
  ASSERT_TRUE(verified.has_value()) << token_error_reason(verified.error());
  EXPECT_EQ(verified->subject, "ada");
}

TEST(MintToken, WritesEs256HeaderWithKid) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.has_value());
  auto token = mint_token(*key, {{"sub", "ada"}});
  ASSERT_TRUE(token.has_value());
  auto decoded = decode_jwt(*token);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->header.at("alg"), "ES256");
  EXPECT_EQ(decoded->header.at("typ"), "JWT");
  EXPECT_EQ(decoded->header.at("kid"), key->kid());
  EXPECT_EQ(decoded->signature.size(), 64u);
}

}  // namespace
}  // namespace satchel::auth
