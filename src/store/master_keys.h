// Master keys of the embedded store: they wrap the per-file data keys (see
// encryption.h). They come from the key file <data_dir>/store/master-keys.json
// (mode 0600, created at first start) or from one key given in the
// configuration (store.master_key, base64 of 32 bytes).
//
// Key file, JSON:
//   {"format": 1, "current": "<id>",
//    "keys": [{"id": "<id>", "key": "<base64 of 32 bytes>", "created": "<ISO 8601>"}]}
// New data keys are wrapped by the current key; the others only unwrap.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "common/secret.h"

namespace satchel::store {

struct MasterKey {
  std::string id;
  Secret key;  // kMasterKeyBytes raw bytes
  SystemTime created{};
};

struct KeyFile {
  std::string current;
  std::vector<MasterKey> keys;

  const MasterKey* find(std::string_view id) const;
};

std::filesystem::path master_key_path(const std::filesystem::path& data_dir);

// Reads and checks a key file. Fails when the file can be read by its group
// or by others, because then the keys are no longer secret.
Expected<KeyFile, std::string> read_key_file(const std::filesystem::path& path);
// Replaces the file atomically (a synced temporary file renamed over it),
// mode 0600.
Expected<void, std::string> write_key_file(const std::filesystem::path& path, const KeyFile& file);

// Adds a fresh random key and makes it current. Holds an exclusive lock on
// <path>.lock meanwhile, so two rotations never lose a key. Returns the new
// key's id.
Expected<std::string, std::string> rotate_key_file(const std::filesystem::path& path,
                                                   const Clock& clock);
// Removes a key that is not current. The caller checks that no data file
// still needs it.
Expected<void, std::string> remove_key_from_file(const std::filesystem::path& path,
                                                 const std::string& id);

// The keys an engine wraps and unwraps with. Thread-safe.
class MasterKeyRing {
 public:
  // Loads the key file at path, creating it with one new key when missing.
  static Expected<std::shared_ptr<MasterKeyRing>, std::string> from_file(
      const std::filesystem::path& path, const Clock& clock);
  // One fixed key, base64 of kMasterKeyBytes bytes. Its id is derived from
  // the key, so the same key always gets the same id.
  static Expected<std::shared_ptr<MasterKeyRing>, std::string> from_base64(const Secret& encoded);

  MasterKey current() const;
  std::optional<Secret> find(std::string_view id) const;
  // Rereads the key file, for keys added by `satchel keys rotate` while the
  // store runs. Does nothing for a fixed key. Returns whether the current
  // key changed.
  Expected<bool, std::string> reload();

 private:
  MasterKeyRing(std::filesystem::path path, KeyFile keys)
      : path_(std::move(path)), keys_(std::move(keys)) {}

  const std::filesystem::path path_;  // empty for a fixed key
  mutable std::mutex mutex_;
  KeyFile keys_;  // guarded by mutex_
};

}  // namespace satchel::store
