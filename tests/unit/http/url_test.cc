#include "http/url.h"

#include <gtest/gtest.h>

namespace satchel::http {
namespace {

TEST(ParseUrl, KeepsNonDefaultPortInAuthority) {
  auto url = parse_url("http://127.0.0.1:9000/bucket/key?x=1#frag");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->authority(), "127.0.0.1:9000");
  EXPECT_EQ(url->origin(), "http://127.0.0.1:9000");
  EXPECT_EQ(url->path, "/bucket/key");
  EXPECT_EQ(url->query, "x=1");
}

TEST(ParseUrl, DropsDefaultPortAndHandlesIpv6) {
  EXPECT_EQ(parse_url("https://example.com:443")->authority(), "example.com");
  EXPECT_EQ(parse_url("http://example.com")->path, "/");
  auto ipv6 = parse_url("http://[::1]:8080/");
  ASSERT_TRUE(ipv6.has_value());
  EXPECT_EQ(ipv6->host, "::1");
  EXPECT_EQ(ipv6->authority(), "[::1]:8080");
}

TEST(ParseUrl, RejectsUserInfoBadPortsAndOtherSchemes) {
  EXPECT_FALSE(parse_url("http://user@host/").has_value());
  EXPECT_FALSE(parse_url("http://host:0/").has_value());
  EXPECT_FALSE(parse_url("http://host:65536/").has_value());
  EXPECT_FALSE(parse_url("http://host:12a/").has_value());
  EXPECT_FALSE(parse_url("ftp://host/").has_value());
  EXPECT_FALSE(parse_url("host:80").has_value());
}

TEST(ParseQuery, DecodesOnceKeepingPlus) {
  auto params = parse_query("a=1%2B2&b=x+y&c&d=%2520");
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(*find_param(*params, "a"), "1+2");
  EXPECT_EQ(*find_param(*params, "b"), "x+y");
  EXPECT_EQ(*find_param(*params, "c"), "");
  EXPECT_EQ(*find_param(*params, "d"), "%20");
  EXPECT_EQ(find_param(*params, "missing"), nullptr);
  EXPECT_FALSE(parse_query("a=%zz").has_value());
}

TEST(ParseForm, TurnsPlusIntoSpace) {
  auto params = parse_form("user=a+b&x=%2B");
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(*find_param(*params, "user"), "a b");
  EXPECT_EQ(*find_param(*params, "x"), "+");
}

}  // namespace
}  // namespace satchel::http
