#include "http/router.h"

#include <gtest/gtest.h>

namespace satchel::http {
namespace {

RouteHandler unused_handler() {
  return [](Request&, const PathParams&) -> asio::awaitable<bhttp::message_generator> {
    throw std::logic_error("not called in these tests");
  };
}

Router make_router() {
  Router router;
  router.add(Verb::post, "/v1/uploads", unused_handler());
  router.add(Verb::post, "/v1/uploads/{id}/complete", unused_handler());
  router.add(Verb::get, "/v1/objects/{name...}", unused_handler());
  return router;
}

TEST(Router, MatchesSegmentCapture) {
  auto match = make_router().match(Verb::post, "/v1/uploads/abc/complete");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.pattern, "/v1/uploads/{id}/complete");
  EXPECT_EQ(match.params.at("id"), "abc");
}

TEST(Router, RestCaptureKeepsSlashesAndDecodesOnce) {
  auto match = make_router().match(Verb::get, "/v1/objects/a%20b/c%2Bd/%2525");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.params.at("name"), "a b/c+d/%25");
}

TEST(Router, ReportsKnownPathWithOtherMethod) {
  auto match = make_router().match(Verb::get, "/v1/uploads");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_TRUE(match.path_known);
  EXPECT_EQ(match.allowed_methods, std::vector<Verb>{Verb::post});
}

TEST(Router, HeadUsesGetRoute) {
  auto match = make_router().match(Verb::head, "/v1/objects/a.txt");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.pattern, "/v1/objects/{name...}");
  EXPECT_EQ(match.params.at("name"), "a.txt");
}

TEST(Router, HeadOfPostOnlyPathIsNotAllowed) {
  auto match = make_router().match(Verb::head, "/v1/uploads");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_TRUE(match.path_known);
  EXPECT_EQ(match.allowed_methods, std::vector<Verb>{Verb::post});
}

TEST(Router, AllowedMethodsListHeadWithGet) {
  auto match = make_router().match(Verb::delete_, "/v1/objects/a.txt");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allowed_methods, (std::vector<Verb>{Verb::get, Verb::head}));
}

TEST(Router, UnknownPathMatchesNothing) {
  auto router = make_router();
  EXPECT_FALSE(router.match(Verb::get, "/v1/nothing").path_known);
  EXPECT_FALSE(router.match(Verb::post, "/v1/uploads/a/b/complete").path_known);
  EXPECT_FALSE(router.match(Verb::get, "/v1/objects").path_known);
  EXPECT_FALSE(router.match(Verb::get, "/v1/objects/%zz").path_known);
}

}  // namespace
}  // namespace satchel::http
