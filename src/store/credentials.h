// The embedded store's access keys: created once per data folder, kept in a
// JSON file only the owner can read.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "common/secret.h"
#include "store/key_policy.h"

namespace satchel::store {

struct AccessKey {
  std::string access_key_id;  // "SATC" and 16 more upper-case letters or digits
  Secret secret_access_key;   // 40 base64 characters
  KeyPolicy policy;           // what requests signed with this key may do
};

// The two key pairs of a store: the admin key for operators and tools, with
// full access, and the api key that the Satchel API signs its requests and
// presigned URLs with, limited to object operations in its bucket and key
// prefix.
// NOTE: no setting chooses the api key's prefix, because the API builds keys
// as {tenant}/{subject}/{name} with nothing before them. A prefix set by
// editing credentials.json must cover every key the API writes.
struct StoreCredentials {
  AccessKey admin;
  AccessKey api;

  // The key with this id, or nullptr.
  const AccessKey* find(std::string_view access_key_id) const;
};

// <data_dir>/store/credentials.json
std::filesystem::path credentials_path(const std::filesystem::path& data_dir);

// Reads the store's keys and their policies from
// <data_dir>/store/credentials.json, creating the folders (mode 0700) and
// the file with fresh random keys when it does not exist. A new file gives
// the admin key full access and the api key api_policy. A key without a
// "policy" member, from a file written before keys had policies, gets full
// access when it is the admin key and api_policy when it is the api key. The file is written under
// a temporary name opened with O_EXCL and mode 0600, synced, then linked into place, so it is never
// readable by others and two processes starting at once agree on one set of keys. Fails with a
// message naming the file when it cannot be created, is not valid, or is readable by group or
// others.
Expected<StoreCredentials, std::string> load_or_create_credentials(
    const std::filesystem::path& data_dir,
    const KeyPolicy& api_policy = KeyPolicy::objects_only(std::string(kDefaultBucketName), ""));

// Makes a random key pair in the format above, with a policy that denies
// everything.
AccessKey generate_access_key();

}  // namespace satchel::store
