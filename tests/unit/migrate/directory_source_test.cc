#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <optional>

#include "migrate/source.h"

namespace satchel::migrate {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

void write_file(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << bytes;
}

class DirectorySourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("satchel-directory-source-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "tree";
    outside_ = base_ / "outside";
    write_file(outside_ / "secret.txt", "bytes outside the source tree");
    source_ = make_directory_source(root_, workers_);
  }
  void TearDown() override {
    workers_.join();
    fs::remove_all(base_);
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    // use_future needs a default-constructible result, which Expected is not.
    auto wrapped = [](asio::awaitable<T> inner) -> asio::awaitable<std::optional<T>> {
      co_return co_await std::move(inner);
    };
    asio::io_context io;
    auto result = asio::co_spawn(io, wrapped(std::move(task)), asio::use_future);
    io.run();
    return *result.get();
  }

  std::vector<SourceObject> list() {
    auto objects = run(source_->list());
    EXPECT_TRUE(objects.has_value()) << objects.error();
    return objects.has_value() ? *objects : std::vector<SourceObject>{};
  }

  Expected<FetchedObject, std::string> fetch(const SourceObject& object,
                                             uint64_t max_bytes = 1024) {
    return run(source_->fetch(object, max_bytes));
  }

  fs::path base_;
  fs::path root_;
  fs::path outside_;
  asio::thread_pool workers_{1};
  std::unique_ptr<Source> source_;
};

TEST_F(DirectorySourceTest, ReadsListedFiles) {
  write_file(root_ / "legacy/alice/notes.txt", "hello");
  auto objects = list();
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].key, "legacy/alice/notes.txt");
  auto fetched = fetch(objects[0]);
  ASSERT_TRUE(fetched.has_value()) << fetched.error();
  EXPECT_EQ(fetched->bytes, "hello");
}

TEST_F(DirectorySourceTest, RefusesFileReplacedByLinkAfterListing) {
  write_file(root_ / "legacy/alice/notes.txt", "hello");
  auto objects = list();
  ASSERT_EQ(objects.size(), 1u);
  fs::remove(root_ / "legacy/alice/notes.txt");
  fs::create_symlink(outside_ / "secret.txt", root_ / "legacy/alice/notes.txt");
  auto fetched = fetch(objects[0]);
  ASSERT_FALSE(fetched.has_value()) << "read through a link: " << fetched->bytes;
  EXPECT_NE(fetched.error().find("legacy/alice/notes.txt"), std::string::npos) << fetched.error();
}

TEST_F(DirectorySourceTest, RefusesFolderReplacedByLinkAfterListing) {
  write_file(root_ / "legacy/alice/secret.txt", "inside");
  auto objects = list();
  ASSERT_EQ(objects.size(), 1u);
  fs::remove_all(root_ / "legacy/alice");
  fs::create_directory_symlink(outside_, root_ / "legacy/alice");
  auto fetched = fetch(objects[0]);
  ASSERT_FALSE(fetched.has_value()) << "read through a link: " << fetched->bytes;
}

TEST_F(DirectorySourceTest, RefusesFileThatGrewPastTheLimit) {
  write_file(root_ / "legacy/alice/log.txt", "short");
  auto objects = list();
  ASSERT_EQ(objects.size(), 1u);
  write_file(root_ / "legacy/alice/log.txt", std::string(4096, 'x'));
  auto fetched = fetch(objects[0], 1024);
  ASSERT_FALSE(fetched.has_value()) << "read " << fetched->bytes.size() << " bytes";
  EXPECT_NE(fetched.error().find("1024"), std::string::npos) << fetched.error();
}

TEST_F(DirectorySourceTest, SkipsLinksWhenListing) {
  write_file(root_ / "legacy/alice/notes.txt", "hello");
  fs::create_symlink(outside_ / "secret.txt", root_ / "legacy/alice/link.txt");
  fs::create_directory_symlink(outside_, root_ / "legacy/bob");
  auto objects = list();
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].key, "legacy/alice/notes.txt");
}

}  // namespace
}  // namespace satchel::migrate
