#include "config/load.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "config/keys.h"

namespace satchel::config {
namespace {

class ConfigLoad : public testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::path(testing::TempDir()) /
              ("satchel-config-" + std::to_string(::getpid()) + "-" +
               testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    auto path = folder_ / name;
    std::ofstream(path) << text;
    return path;
  }

  Expected<Config, std::string> load_with(
      std::optional<std::filesystem::path> file,
      std::map<std::string, std::string> environment = {},
      std::vector<std::pair<std::string, std::string>> flags = {}) {
    Sources sources;
    sources.file = std::move(file);
    sources.environment = [environment](const std::string& name) -> std::optional<std::string> {
      auto it = environment.find(name);
      return it == environment.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    sources.flags = std::move(flags);
    return load(sources);
  }

  // A complete production setup over TLS with an external issuer.
  std::string production_file() {
    auto cert = write("cert.pem", "certificate");
    auto key = write("key.pem", "key");
    return "mode = \"production\"\n[server]\nlisten = \"0.0.0.0:8443\"\n[server.tls]\ncert_file = "
           "\"" +
           cert.string() + "\"\nkey_file = \"" + key.string() +
           "\"\n[store]\nembedded = false\nendpoint = \"https://s3.example.com\"\n"
           "access_key_id = \"AKIDEXAMPLE\"\nsecret_access_key = \"x8Kq2mVnP4rT7wYz1bC5dF9g\"\n"
           "[[auth.issuers]]\nissuer = \"https://login.example.com\"\naudiences = [\"satchel\"]\n";
  }

  std::filesystem::path folder_;
};

TEST_F(ConfigLoad, DefaultsWithoutSources) {
  auto config = load_with(std::nullopt);
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->server.listen, "127.0.0.1:8080");
  EXPECT_EQ(config->store.listen, "127.0.0.1:9000");
  EXPECT_EQ(config->api.presign_ttl, std::chrono::seconds(60));
  EXPECT_TRUE(config->store.embedded);
  EXPECT_TRUE(config->dev_provider_enabled());
  EXPECT_EQ(config->mode, Mode::kDevelopment);
}

TEST_F(ConfigLoad, RenderedDefaultsMatchKeyTable) {
  auto config = load_with(std::nullopt);
  ASSERT_TRUE(config) << config.error();
  for (const Key& key : keys()) {
    if (key.name == "dev_provider.enabled") continue;  // derived, documented as such
    std::string expected =
        key.type == ValueType::kString ? "\"" + key.default_text + "\"" : key.default_text;
    EXPECT_EQ(key.render(*config), expected) << key.name;
  }
}

TEST_F(ConfigLoad, EnvironmentOverridesFileAndFlagsOverrideEnvironment) {
  auto file = write("satchel.toml",
                    "[api]\npresign_ttl_seconds = 120\nmax_upload_bytes = 5\n"
                    "[server]\nlisten = \"127.0.0.1:1\"\n");
  auto config = load_with(
      file, {{"SATCHEL_API_PRESIGN_TTL_SECONDS", "300"}, {"SATCHEL_SERVER_LISTEN", "127.0.0.1:2"}},
      {{"server.listen", "127.0.0.1:3"}});
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->api.presign_ttl, std::chrono::seconds(300));
  EXPECT_EQ(config->api.max_upload_bytes, 5u);
  EXPECT_EQ(config->server.listen, "127.0.0.1:3");
}

TEST_F(ConfigLoad, EnvironmentListsAndBooleans) {
  auto config =
      load_with(std::nullopt, {{"SATCHEL_API_WEB_ORIGINS", "https://a.example, https://b.example"},
                               {"SATCHEL_METRICS_ENABLED", "false"}});
  ASSERT_TRUE(config) << config.error();
  ASSERT_EQ(config->api.web_origins.size(), 2u);
  EXPECT_EQ(config->api.web_origins[1], "https://b.example");
  EXPECT_FALSE(config->metrics.enabled);
}

TEST_F(ConfigLoad, UnknownKeyNamesKeyAndLine) {
  auto file = write("satchel.toml", "[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n");
  auto config = load_with(file);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("unknown key server.lisen"), std::string::npos) << config.error();
  EXPECT_NE(config.error().find("line 3"), std::string::npos) << config.error();
}

TEST_F(ConfigLoad, UnknownTableIsRejected) {
  auto config = load_with(write("satchel.toml", "[servr]\nlisten = \"x\"\n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("unknown key servr"), std::string::npos) << config.error();
}

TEST_F(ConfigLoad, WrongTypeNamesKeyAndExpectation) {
  auto config = load_with(write("satchel.toml", "[api]\npresign_ttl_seconds = \"sixty\"\n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("invalid api.presign_ttl_seconds"), std::string::npos)
      << config.error();
  EXPECT_NE(config.error().find("line 2"), std::string::npos) << config.error();
  EXPECT_NE(config.error().find("expected an integer from 1 to 604800"), std::string::npos)
      << config.error();
}

TEST_F(ConfigLoad, BadEnvironmentValueNamesVariable) {
  auto config = load_with(std::nullopt, {{"SATCHEL_SERVER_IO_THREADS", "many"}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("environment variable SATCHEL_SERVER_IO_THREADS"),
            std::string::npos)
      << config.error();
}

TEST_F(ConfigLoad, OutOfRangeFlagNamesFlag) {
  auto config = load_with(std::nullopt, {}, {{"api.presign_ttl_seconds", "0"}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("flag --presign-ttl"), std::string::npos) << config.error();
}

TEST_F(ConfigLoad, InvalidTomlNamesLine) {
  auto config = load_with(write("satchel.toml", "[server]\nlisten = \n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("invalid TOML"), std::string::npos) << config.error();
  EXPECT_NE(config.error().find("line 2"), std::string::npos) << config.error();
}

TEST_F(ConfigLoad, MissingFileIsReported) {
  auto config = load_with(folder_ / "absent.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("cannot read the configuration file"), std::string::npos);
}

TEST_F(ConfigLoad, UnreadableCertificateNamesKey) {
  auto key = write("key.pem", "key");
  auto config =
      load_with(std::nullopt, {{"SATCHEL_SERVER_TLS_CERT_FILE", (folder_ / "nope.pem").string()},
                               {"SATCHEL_SERVER_TLS_KEY_FILE", key.string()}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("server.tls.cert_file: cannot read"), std::string::npos)
      << config.error();
}

TEST_F(ConfigLoad, CertificateWithoutKeyIsRejected) {
  auto cert = write("cert.pem", "cert");
  auto config = load_with(std::nullopt, {{"SATCHEL_SERVER_TLS_CERT_FILE", cert.string()}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("must be set together"), std::string::npos) << config.error();
}

TEST_F(ConfigLoad, ExternalStoreNeedsSecret) {
  auto config = load_with(write("satchel.toml",
                                "[store]\nembedded = false\nendpoint = \"https://s3.example.com\"\n"
                                "access_key_id = \"AKID\"\n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("store.secret_access_key is missing"), std::string::npos)
      << config.error();
}

TEST_F(ConfigLoad, EndpointWithEmbeddedStoreIsRejected) {
  auto config =
      load_with(write("satchel.toml", "[store]\nendpoint = \"https://s3.example.com\"\n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("store.embedded is true"), std::string::npos) << config.error();
}

TEST_F(ConfigLoad, KmsWithEmbeddedStoreIsRejected) {
  auto config = load_with(std::nullopt, {{"SATCHEL_STORE_SSE", "aws:kms"}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("store.sse = \"aws:kms\" needs an external store"),
            std::string::npos)
      << config.error();
}

TEST_F(ConfigLoad, KmsKeyIdNeedsKms) {
  auto config = load_with(
      std::nullopt, {{"SATCHEL_STORE_SSE", "AES256"}, {"SATCHEL_STORE_SSE_KMS_KEY_ID", "key-1"}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("store.sse_kms_key_id is set"), std::string::npos)
      << config.error();
}

TEST_F(ConfigLoad, UnknownSseIsRejected) {
  auto config = load_with(std::nullopt, {{"SATCHEL_STORE_SSE", "aes256"}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("SATCHEL_STORE_SSE"), std::string::npos) << config.error();
}

TEST_F(ConfigLoad, RetentionModeNeedsDays) {
  auto mode_only =
      load_with(std::nullopt, {{"SATCHEL_STORE_DEFAULT_RETENTION_MODE", "GOVERNANCE"}});
  ASSERT_FALSE(mode_only);
  EXPECT_NE(mode_only.error().find("must be set together"), std::string::npos) << mode_only.error();
  auto days_only = load_with(std::nullopt, {{"SATCHEL_STORE_DEFAULT_RETENTION_DAYS", "3"}});
  ASSERT_FALSE(days_only);
  auto both = load_with(std::nullopt, {{"SATCHEL_STORE_DEFAULT_RETENTION_MODE", "COMPLIANCE"},
                                       {"SATCHEL_STORE_DEFAULT_RETENTION_DAYS", "3"}});
  ASSERT_TRUE(both) << both.error();
  EXPECT_EQ(both->store.default_retention_mode, "COMPLIANCE");
  EXPECT_EQ(both->store.default_retention_days, 3U);
}

TEST_F(ConfigLoad, AuthTableIsLeftToTheAuthPart) {
  auto config =
      load_with(write("satchel.toml", "[[auth.issuers]]\nissuer = \"https://a\"\nanything = 1\n"));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->auth_issuer_count(), 1u);
  EXPECT_FALSE(config->dev_provider_enabled());
}

TEST_F(ConfigLoad, ProductionSetupIsAccepted) {
  auto config = load_with(write("satchel.toml", production_file()));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->mode, Mode::kProduction);
}

TEST_F(ConfigLoad, ProductionRejectsDevProvider) {
  auto config = load_with(std::nullopt, {{"SATCHEL_MODE", "production"}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("development OpenID provider"), std::string::npos)
      << config.error();
}

TEST_F(ConfigLoad, ProductionRejectsPlainHttpOnPublicAddress) {
  auto file = write("satchel.toml", production_file());
  auto config =
      load_with(file, {{"SATCHEL_SERVER_TLS_CERT_FILE", ""}, {"SATCHEL_SERVER_TLS_KEY_FILE", ""}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("plain HTTP on 0.0.0.0:8443"), std::string::npos) << config.error();
}

TEST_F(ConfigLoad, ProductionAllowsPlainHttpBehindTlsProxy) {
  auto file = write("satchel.toml", production_file());
  auto config = load_with(file, {{"SATCHEL_SERVER_TLS_CERT_FILE", ""},
                                 {"SATCHEL_SERVER_TLS_KEY_FILE", ""},
                                 {"SATCHEL_SERVER_TLS_TERMINATED_BY_PROXY", "true"}});
  ASSERT_TRUE(config) << config.error();
}

TEST_F(ConfigLoad, ProductionRejectsWellKnownSecret) {
  auto file = write("satchel.toml", production_file());
  for (std::string secret : {"minioadmin", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "short"}) {
    auto config = load_with(file, {{"SATCHEL_STORE_SECRET_ACCESS_KEY", secret}});
    ASSERT_FALSE(config) << secret;
    EXPECT_NE(config.error().find("rejects store.secret_access_key"), std::string::npos)
        << config.error();
  }
}

TEST_F(ConfigLoad, ProductionRejectsExplicitDevProvider) {
  auto file = write("satchel.toml", production_file());
  auto config = load_with(file, {{"SATCHEL_DEV_PROVIDER_ENABLED", "true"}});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("development OpenID provider"), std::string::npos);
}

TEST_F(ConfigLoad, RenderRedactsSecrets) {
  auto file =
      write("satchel.toml", production_file() + "hs256_secret = \"issuer-shared-secret\"\n");
  auto config = load_with(file, {{"SATCHEL_METADATA_URL", "postgresql://u:pw@db/satchel"}});
  ASSERT_TRUE(config) << config.error();
  std::string text = render(*config);
  EXPECT_EQ(text.find("x8Kq2mVnP4rT7wYz1bC5dF9g"), std::string::npos) << text;
  EXPECT_EQ(text.find("issuer-shared-secret"), std::string::npos) << text;
  EXPECT_EQ(text.find("pw@db"), std::string::npos) << text;
  EXPECT_NE(text.find("secret_access_key = \"[redacted]\""), std::string::npos) << text;
  EXPECT_NE(text.find("access_key_id = \"AKIDEXAMPLE\""), std::string::npos) << text;
  EXPECT_NE(text.find("issuer = 'https://login.example.com'"), std::string::npos) << text;
}

TEST_F(ConfigLoad, RenderedOutputLoadsBack) {
  auto config = load_with(std::nullopt, {{"SATCHEL_API_PRESIGN_TTL_SECONDS", "90"}});
  ASSERT_TRUE(config) << config.error();
  auto again = load_with(write("printed.toml", render(*config)));
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->api.presign_ttl, std::chrono::seconds(90));
}

TEST(ConfigKeys, EnvironmentVariableNames) {
  ASSERT_NE(find_key("server.tls.cert_file"), nullptr);
  EXPECT_EQ(find_key("server.tls.cert_file")->environment_variable(),
            "SATCHEL_SERVER_TLS_CERT_FILE");
}

}  // namespace
}  // namespace satchel::config
