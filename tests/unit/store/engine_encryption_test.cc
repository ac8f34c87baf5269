// Encryption at rest in the engine: round trips, ranges, multipart, what the
// disk holds, and files that were altered, moved, cut or keyed wrongly.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "common/crypto.h"
#include "common/encoding.h"
#include "engine_fixture.h"
#include "store/encryption.h"

namespace satchel::store {
namespace {

constexpr uint64_t kSegment = kSegmentPlaintextBytes;
constexpr uint64_t kSealedSegment = kSegment + kSegmentTagBytes;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class EngineEncryptionTest : public EngineTest {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(from_unix_seconds(1700000000));
    engine_ = open_engine(32ULL << 20);
    ASSERT_TRUE(engine_->create_bucket(std::string(kBucket), Versioning::kEnabled));
  }

  std::filesystem::path key_file() const { return dir_.path() / "store" / "master-keys.json"; }

  std::filesystem::path data_file(const std::string& key) {
    auto version = engine_->head(std::string(kBucket), key, std::nullopt);
    EXPECT_TRUE(version);
    return engine_->object_path(version ? version->file_id : "");
  }

  ObjectVersion stored(const std::string& key, std::string_view body) {
    auto version = put(key, body);
    EXPECT_TRUE(version);
    return version ? *version : ObjectVersion{};
  }

  // Reads [first, first + length) through the engine's reader, or
  // "<refused>" when the reader fails.
  std::string read_range(const std::string& key, uint64_t first, uint64_t length) {
    auto opened = engine_->open_object(std::string(kBucket), key, std::nullopt);
    if (!opened) return "<refused>";
    std::string bytes;
    while (bytes.size() < length) {
      auto piece = opened->reader().read_at(first + bytes.size(), length - bytes.size());
      if (!piece || piece->empty()) return "<refused>";
      bytes += *piece;
    }
    return bytes;
  }

  std::string refused() { return "<error InternalError>"; }

  std::unique_ptr<Engine> open_with_key(const std::string& base64_key) {
    auto keys = MasterKeyRing::from_base64(Secret(base64_key));
    EXPECT_TRUE(keys);
    EngineOptions options;
    options.root = dir_.path() / "store";
    options.max_object_bytes = 32ULL << 20;
    options.clock = clock_;
    options.master_keys = *keys;
    auto engine = Engine::open(options);
    EXPECT_TRUE(engine);
    return std::move(*engine);
  }
};

TEST_F(EngineEncryptionTest, RoundTripsSizesAroundBorders) {
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, kSegment - 1, kSegment, kSegment + 1,
                        3 * kSegment, uint64_t{5 << 20} + 7}) {
    std::string body = random_bytes(size);
    std::string key = "size-" + std::to_string(size);
    ASSERT_TRUE(put(key, body)) << size;
    EXPECT_EQ(read(key), body) << size;
  }
}

TEST_F(EngineEncryptionTest, FileLengthFollowsLayout) {
  std::string body = random_bytes(kSegment + 1);
  stored("a", body);
  SegmentLayout layout{body.size(), kSegmentPlaintextBytes};
  EXPECT_EQ(std::filesystem::file_size(data_file("a")), layout.file_bytes());
}

TEST_F(EngineEncryptionTest, EtagAndChecksumArePlaintexts) {
  std::string body = random_bytes(kSegment + 5);
  PutRequest request;
  request.checksum_algorithm = ChecksumAlgorithm::kSha256;
  auto version = put("a", body, request);
  ASSERT_TRUE(version);
  EXPECT_EQ(version->etag, hex_encode(md5(body)));
  EXPECT_EQ(version->checksum->value, base64_encode(sha256(body)));
}

TEST_F(EngineEncryptionTest, RangesAcrossBordersRead) {
  std::string body = random_bytes(3 * kSegment + 100);
  stored("a", body);
  struct Range {
    uint64_t first;
    uint64_t length;
  };
  for (Range range : {Range{0, 1}, Range{kSegment - 3, 6}, Range{kSegment, kSegment},
                      Range{kSegment - 1, kSegment + 2}, Range{2 * kSegment + 10, kSegment + 90},
                      Range{body.size() - 1, 1}}) {
    EXPECT_EQ(read_range("a", range.first, range.length), body.substr(range.first, range.length))
        << range.first << "+" << range.length;
  }
}

TEST_F(EngineEncryptionTest, MultipartObjectRoundTrips) {
  auto upload = engine_->create_upload(std::string(kBucket), "big", {});
  ASSERT_TRUE(upload);
  std::string first = random_bytes(kMinPartBytes);
  std::string second = random_bytes(kSegment + 3);
  std::vector<CompletedPart> parts;
  int number = 1;
  for (const std::string* body : {&first, &second}) {
    auto pending = engine_->begin_part(std::string(kBucket), "big", upload->upload_id, number, {});
    ASSERT_TRUE(pending);
    ASSERT_TRUE(pending->append(*body));
    auto part = engine_->commit_part(std::move(*pending));
    ASSERT_TRUE(part);
    parts.push_back(CompletedPart{number++, part->etag, std::nullopt});
  }
  CompleteRequest complete;
  complete.parts = parts;
  ASSERT_TRUE(engine_->complete_upload(std::string(kBucket), "big", upload->upload_id, complete));
  EXPECT_EQ(read("big"), first + second);
  EXPECT_EQ(read_range("big", kMinPartBytes - 2, 4), (first + second).substr(kMinPartBytes - 2, 4));
}

TEST_F(EngineEncryptionTest, CopyRoundTrips) {
  std::string body = random_bytes(2 * kSegment + 9);
  auto source = stored("a", body);
  ASSERT_TRUE(engine_->copy_version(source, std::string(kBucket), "b", {}));
  EXPECT_EQ(read("b"), body);
}

TEST_F(EngineEncryptionTest, DataFolderHasNoPlaintext) {
  std::string pattern = random_bytes(64);
  std::string large = random_bytes(kSegment - 10) + pattern + random_bytes(kSegment);
  stored("small", pattern);
  stored("large", large);
  auto upload = engine_->create_upload(std::string(kBucket), "parts", {});
  ASSERT_TRUE(upload);
  auto pending = engine_->begin_part(std::string(kBucket), "parts", upload->upload_id, 1, {});
  ASSERT_TRUE(pending);
  ASSERT_TRUE(pending->append(pattern));
  ASSERT_TRUE(engine_->commit_part(std::move(*pending)));

  size_t scanned = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!entry.is_regular_file()) continue;
    ++scanned;
    EXPECT_EQ(read_file(entry.path()).find(pattern), std::string::npos) << entry.path();
  }
  EXPECT_GE(scanned, 4u);
}

TEST_F(EngineEncryptionTest, FlippedCiphertextByteIsRefused) {
  std::string body = random_bytes(2 * kSegment);
  stored("a", body);
  auto path = data_file("a");
  std::string bytes = read_file(path);
  bytes[kEncryptionHeaderBytes + kSealedSegment + 100] ^= 0x01;
  write_file(path, bytes);

  EXPECT_EQ(read("a"), refused());
  EXPECT_EQ(read_range("a", kSegment + 1, 10), "<refused>");
}

TEST_F(EngineEncryptionTest, UntouchedSegmentStillReads) {
  std::string body = random_bytes(2 * kSegment);
  stored("a", body);
  auto path = data_file("a");
  std::string bytes = read_file(path);
  bytes[kEncryptionHeaderBytes + kSealedSegment + 100] ^= 0x01;
  write_file(path, bytes);

  EXPECT_EQ(read_range("a", 0, kSegment), body.substr(0, kSegment));
}

TEST_F(EngineEncryptionTest, FlippedTagByteIsRefused) {
  stored("a", random_bytes(10));
  auto path = data_file("a");
  std::string bytes = read_file(path);
  bytes.back() ^= 0x80;
  write_file(path, bytes);
  EXPECT_EQ(read("a"), refused());
}

TEST_F(EngineEncryptionTest, AlteredEmptyObjectIsRefused) {
  stored("empty", "");
  auto path = data_file("empty");
  std::string bytes = read_file(path);
  bytes.back() ^= 0x01;
  write_file(path, bytes);
  EXPECT_EQ(read("empty"), refused());
}

TEST_F(EngineEncryptionTest, SwappedSegmentsAreRefused) {
  stored("a", random_bytes(3 * kSegment));
  auto path = data_file("a");
  std::string bytes = read_file(path);
  std::string first = bytes.substr(kEncryptionHeaderBytes, kSealedSegment);
  std::string second = bytes.substr(kEncryptionHeaderBytes + kSealedSegment, kSealedSegment);
  bytes.replace(kEncryptionHeaderBytes, kSealedSegment, second);
  bytes.replace(kEncryptionHeaderBytes + kSealedSegment, kSealedSegment, first);
  write_file(path, bytes);

  EXPECT_EQ(read_range("a", 0, 1), "<refused>");
  EXPECT_EQ(read_range("a", kSegment, 1), "<refused>");
}

TEST_F(EngineEncryptionTest, TruncatedLastSegmentIsRefused) {
  stored("a", random_bytes(2 * kSegment + 50));
  auto path = data_file("a");
  std::string bytes = read_file(path);
  // Cut exactly at the border before the last segment, the cut an attacker
  // would choose to hide the truncation.
  write_file(path, bytes.substr(0, kEncryptionHeaderBytes + 2 * kSealedSegment));
  EXPECT_EQ(read("a"), refused());
}

TEST_F(EngineEncryptionTest, NonLastSegmentCannotEndObject) {
  // Both objects hold a first segment of the same plaintext length; a's
  // first segment was sealed as not last. Dropping the rest of a's file and
  // its size in the index would still need a segment sealed as last.
  std::string body = random_bytes(2 * kSegment);
  auto version = stored("a", body);
  auto path = data_file("a");
  std::string bytes = read_file(path);
  SegmentLayout one_segment{kSegment, kSegmentPlaintextBytes};
  write_file(path, bytes.substr(0, one_segment.file_bytes()));
  version.size = kSegment;
  auto opened = engine_->open_version(version);
  ASSERT_TRUE(opened);
  EXPECT_FALSE(opened->reader().read_at(0, kSegment));
}

TEST_F(EngineEncryptionTest, SwappedDataFilesAreRefused) {
  stored("a", random_bytes(kSegment + 1));
  stored("b", random_bytes(kSegment + 1));
  auto path_a = data_file("a");
  auto path_b = data_file("b");
  std::string bytes_a = read_file(path_a);
  std::string bytes_b = read_file(path_b);
  write_file(path_a, bytes_b);
  write_file(path_b, bytes_a);

  EXPECT_EQ(read("a"), refused());
  EXPECT_EQ(read("b"), refused());
}

TEST_F(EngineEncryptionTest, UnknownMasterKeyIsRefused) {
  std::string body = random_bytes(100);
  auto version = stored("a", body);
  engine_.reset();
  engine_ = open_with_key(base64_encode(random_bytes(kMasterKeyBytes)));

  EXPECT_EQ(read("a"), refused());
  int fd = ::open(engine_->object_path(version.file_id).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto keys = MasterKeyRing::from_base64(Secret(base64_encode(random_bytes(kMasterKeyBytes))));
  auto reader = ObjectReader::open(fd, version.file_id, version.size, **keys);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error(), EncryptionError::kUnknownMasterKey);
}

TEST_F(EngineEncryptionTest, SameIdOtherKeyIsWrongKey) {
  auto version = stored("a", random_bytes(100));
  auto file = read_key_file(key_file());
  ASSERT_TRUE(file);
  file->keys.front().key = Secret(random_bytes(kMasterKeyBytes));
  ASSERT_TRUE(write_key_file(key_file(), *file));
  engine_.reset();
  engine_ = open_engine(32ULL << 20);

  EXPECT_EQ(read("a"), refused());
  auto keys = MasterKeyRing::from_file(key_file(), *clock_);
  ASSERT_TRUE(keys);
  int fd = ::open(engine_->object_path(version.file_id).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto reader = ObjectReader::open(fd, version.file_id, version.size, **keys);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error(), EncryptionError::kWrongMasterKey);
}

TEST_F(EngineEncryptionTest, LegacyPlainFileStillReads) {
  std::string body = "written before encryption existed";
  stored("old", body);
  write_file(data_file("old"), body);

  EXPECT_EQ(read("old"), body);
  EXPECT_EQ(read_range("old", 8, 6), body.substr(8, 6));
  auto opened = engine_->open_object(std::string(kBucket), "old", std::nullopt);
  ASSERT_TRUE(opened);
  EXPECT_FALSE(opened->reader().encrypted());
}

TEST_F(EngineEncryptionTest, KeyFileIsCreatedPrivate) {
  struct stat info {};
  ASSERT_EQ(::stat(key_file().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(EngineEncryptionTest, ReadableKeyFileStopsEngine) {
  engine_.reset();
  ASSERT_EQ(::chmod(key_file().c_str(), 0640), 0);
  EngineOptions options;
  options.root = dir_.path() / "store";
  options.clock = clock_;
  auto engine = Engine::open(options);
  ASSERT_FALSE(engine);
  EXPECT_NE(engine.error().find("chmod 600"), std::string::npos) << engine.error();
}

TEST_F(EngineEncryptionTest, MissingKeyFileStopsEngine) {
  stored("a", "bytes");
  engine_.reset();
  std::filesystem::remove(key_file());
  EngineOptions options;
  options.root = dir_.path() / "store";
  options.clock = clock_;
  auto engine = Engine::open(options);
  ASSERT_FALSE(engine);
  EXPECT_NE(engine.error().find("is missing but 1 data files are encrypted"), std::string::npos)
      << engine.error();
  EXPECT_FALSE(std::filesystem::exists(key_file()));
}

TEST_F(EngineEncryptionTest, MasterKeyFormatsAsRedacted) {
  auto keys = MasterKeyRing::from_file(key_file(), *clock_);
  ASSERT_TRUE(keys);
  EXPECT_EQ(fmt::format("{}", (*keys)->current().key), "[redacted]");
}

TEST_F(EngineEncryptionTest, ConfiguredKeyMustBe32Bytes) {
  EXPECT_FALSE(MasterKeyRing::from_base64(Secret(base64_encode(random_bytes(16)))));
  EXPECT_FALSE(MasterKeyRing::from_base64(Secret("not base64!")));
}

TEST_F(EngineEncryptionTest, ConfiguredKeyGetsAStableId) {
  std::string key = base64_encode(random_bytes(kMasterKeyBytes));
  auto first = MasterKeyRing::from_base64(Secret(key));
  auto second = MasterKeyRing::from_base64(Secret(key));
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ((*first)->current().id, (*second)->current().id);
}

TEST_F(EngineEncryptionTest, ConfiguredKeySurvivesRestart) {
  std::string key = base64_encode(random_bytes(kMasterKeyBytes));
  engine_.reset();
  engine_ = open_with_key(key);
  std::string body = random_bytes(kSegment + 2);
  stored("a", body);
  engine_.reset();
  engine_ = open_with_key(key);
  EXPECT_EQ(read("a"), body);
}

class EngineKeyRotationTest : public EngineEncryptionTest {};

TEST_F(EngineKeyRotationTest, OldAndNewObjectsReadAfterRotate) {
  std::string old_body = random_bytes(kSegment + 3);
  stored("old", old_body);
  auto rotated = rotate_key_file(key_file(), *clock_);
  ASSERT_TRUE(rotated);
  ASSERT_TRUE(engine_->master_keys().reload());
  std::string new_body = random_bytes(7);
  stored("new", new_body);

  EXPECT_EQ(read("old"), old_body);
  EXPECT_EQ(read("new"), new_body);
  auto counts = data_files_by_key(dir_.path() / "store");
  EXPECT_EQ(counts[*rotated], 1u);
}

TEST_F(EngineKeyRotationTest, RewrapMovesFilesToCurrentKey) {
  stored("a", random_bytes(kSegment * 2));
  stored("b", "");
  auto upload = engine_->create_upload(std::string(kBucket), "c", {});
  ASSERT_TRUE(upload);
  auto pending = engine_->begin_part(std::string(kBucket), "c", upload->upload_id, 1, {});
  ASSERT_TRUE(pending);
  ASSERT_TRUE(pending->append("part"));
  ASSERT_TRUE(engine_->commit_part(std::move(*pending)));
  auto rotated = rotate_key_file(key_file(), *clock_);
  ASSERT_TRUE(rotated);
  ASSERT_TRUE(engine_->master_keys().reload());

  auto report = engine_->rewrap_data_keys();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->rewrapped, 3u);
  EXPECT_EQ(report->failed, 0u);
  auto counts = data_files_by_key(dir_.path() / "store");
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[*rotated], 3u);
}

TEST_F(EngineKeyRotationTest, OldKeyRemovableAfterRewrap) {
  std::string body = random_bytes(kSegment + 3);
  stored("a", body);
  std::string old_id = engine_->master_keys().current().id;
  ASSERT_TRUE(rotate_key_file(key_file(), *clock_));
  ASSERT_TRUE(engine_->master_keys().reload());
  ASSERT_TRUE(engine_->rewrap_data_keys());
  ASSERT_TRUE(remove_key_from_file(key_file(), old_id));
  engine_.reset();
  engine_ = open_engine(32ULL << 20);

  EXPECT_EQ(read("a"), body);
}

TEST_F(EngineKeyRotationTest, OpenReaderSurvivesRewrap) {
  std::string body = random_bytes(3 * kSegment);
  stored("a", body);
  auto opened = engine_->open_object(std::string(kBucket), "a", std::nullopt);
  ASSERT_TRUE(opened);
  ASSERT_TRUE(rotate_key_file(key_file(), *clock_));
  ASSERT_TRUE(engine_->master_keys().reload());
  ASSERT_TRUE(engine_->rewrap_data_keys());

  auto piece = opened->reader().read_at(2 * kSegment, kSegment);
  ASSERT_TRUE(piece);
  EXPECT_EQ(*piece, body.substr(2 * kSegment));
}

TEST_F(EngineKeyRotationTest, UnknownKeyIdRereadsKeyFile) {
  std::string body = random_bytes(10);
  // A second engine on the same folder stands for the running server, which
  // has not reread the key file since `satchel keys rotate` ran.
  ASSERT_TRUE(rotate_key_file(key_file(), *clock_));
  auto writer = open_engine(32ULL << 20);
  ASSERT_TRUE(writer->put(std::string(kBucket), "a", body));

  EXPECT_EQ(read("a"), body);
}

TEST_F(EngineKeyRotationTest, RewrapRemovesFileOfRacedDelete) {
  auto version = stored("a", "bytes");
  auto path = engine_->object_path(version.file_id);
  std::string bytes = read_file(path);
  ASSERT_TRUE(engine_->delete_object(std::string(kBucket), "a", version.version_id));
  // The state a delete that committed during the copy leaves behind: the
  // rename brought the unlinked name back.
  write_file(path, bytes);
  ASSERT_TRUE(rotate_key_file(key_file(), *clock_));
  ASSERT_TRUE(engine_->master_keys().reload());

  auto report = engine_->rewrap_data_keys();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->rewrapped, 0u);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(EngineKeyRotationTest, CurrentKeyCannotBeRemoved) {
  std::string current = engine_->master_keys().current().id;
  EXPECT_FALSE(remove_key_from_file(key_file(), current));
}

TEST_F(EngineKeyRotationTest, RemovedKeyMakesFilesUnreadable) {
  stored("a", "bytes");
  std::string old_id = engine_->master_keys().current().id;
  ASSERT_TRUE(rotate_key_file(key_file(), *clock_));
  ASSERT_TRUE(remove_key_from_file(key_file(), old_id));
  engine_.reset();
  engine_ = open_engine(32ULL << 20);
  EXPECT_EQ(read("a"), refused());
}

TEST(EncryptionHeader, RoundTrips) {
  EncryptionHeader header;
  header.nonce_prefix = random_bytes(kNoncePrefixBytes);
  header.key_id = "0123456789abcdef";
  header.wrapped_key = random_bytes(kWrappedKeyBytes);
  std::string encoded = encode_header(header);
  ASSERT_EQ(encoded.size(), kEncryptionHeaderBytes);
  auto decoded = decode_header(encoded);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->key_id, header.key_id);
  EXPECT_EQ(decoded->nonce_prefix, header.nonce_prefix);
  EXPECT_EQ(decoded->wrapped_key, header.wrapped_key);
  EXPECT_EQ(decoded->segment_bytes, kSegmentPlaintextBytes);
}

TEST(EncryptionHeader, UnknownVersionIsMalformed) {
  EncryptionHeader header;
  header.nonce_prefix = random_bytes(kNoncePrefixBytes);
  header.key_id = "k";
  header.wrapped_key = random_bytes(kWrappedKeyBytes);
  std::string encoded = encode_header(header);
  encoded[8] = 2;
  auto decoded = decode_header(encoded);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error(), EncryptionError::kMalformedHeader);
}

TEST(KeyWrap, UnwrapsWithTheSameKeyOnly) {
  Secret master(random_bytes(kMasterKeyBytes));
  Secret data(random_bytes(kDataKeyBytes));
  std::string wrapped = wrap_key(master, data);
  EXPECT_EQ(wrapped.size(), kWrappedKeyBytes);
  auto unwrapped = unwrap_key(master, wrapped);
  ASSERT_TRUE(unwrapped);
  EXPECT_EQ(unwrapped->reveal(), data.reveal());
  auto wrong = unwrap_key(Secret(random_bytes(kMasterKeyBytes)), wrapped);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), EncryptionError::kWrongMasterKey);
}

}  // namespace
}  // namespace satchel::store
