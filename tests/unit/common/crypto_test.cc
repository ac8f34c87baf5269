#include "common/crypto.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace satchel {
namespace {

TEST(Crypto, Sha256MatchesFips180Vector) {
  EXPECT_EQ(hex_encode(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, StreamedDigestEqualsOneShot) {
  Digest digest = Digest::md5();
  digest.update("hello ");
  digest.update("world");
  EXPECT_EQ(digest.finish(), md5("hello world"));
  EXPECT_EQ(hex_encode(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(Crypto, ConstantTimeEqualComparesLengthAndBytes) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(Crypto, RandomTokensDiffer) {
  EXPECT_EQ(random_bytes(32).size(), 32u);
  EXPECT_NE(random_token(16), random_token(16));
}

}  // namespace
}  // namespace satchel
