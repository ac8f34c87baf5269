#include "cli/keys_command.h"

#include <chrono>
#include <iostream>

#include "common/time_format.h"
#include "store/engine.h"
#include "store/master_keys.h"

namespace satchel::cli {
namespace {

// A running server rereads the key file at least this often with the
// default store.key_check_interval_seconds, and twice that leaves time for
// an upload that chose the old key just before.
constexpr std::chrono::minutes kMinCurrentKeyAge{2};

int fail(std::string_view command, const std::string& message) {
  std::cerr << "satchel keys " << command << ": " << message << "\n";
  return 1;
}

int rotate(const KeysOptions& options) {
  auto path = store::master_key_path(options.data_dir);
  SystemClock clock;
  auto id = store::rotate_key_file(path, clock);
  if (!id) return fail("rotate", id.error());
  std::cout << "added master key " << *id << " to " << path.string()
            << " and made it current.\nA running server rewraps every data key under it within "
               "store.key_check_interval_seconds, or at its next start.\nOnce `satchel keys "
               "status` counts no data file under an old key, `satchel keys retire` removes it.\n";
  return 0;
}

int status(const KeysOptions& options) {
  auto path = store::master_key_path(options.data_dir);
  auto file = store::read_key_file(path);
  if (!file) return fail("status", file.error());
  auto counts = store::data_files_by_key(options.data_dir / "store");
  for (const auto& key : file->keys) {
    std::cout << key.id << (key.id == file->current ? " (current)" : "") << " created "
              << format_iso8601(key.created) << ": " << counts[key.id] << " data files\n";
    counts.erase(key.id);
  }
  for (const auto& [id, count] : counts) {
    if (id.empty()) {
      std::cout << "unencrypted (written before encryption): " << count << " data files\n";
    } else {
      std::cout << id << " (not in the key file): " << count << " data files\n";
    }
  }
  return 0;
}

int retire(const KeysOptions& options) {
  auto path = store::master_key_path(options.data_dir);
  auto file = store::read_key_file(path);
  if (!file) return fail("retire", file.error());
  if (!file->find(options.key_id)) {
    return fail("retire", "no key '" + options.key_id + "' in " + path.string());
  }
  auto age = SystemClock().now() - file->find(file->current)->created;
  if (age < kMinCurrentKeyAge) {
    return fail("retire",
                "the current key is less than 2 minutes old, and a running server may "
                "still write under older keys until it rereads the key file; retry "
                "later");
  }
  auto counts = store::data_files_by_key(options.data_dir / "store");
  if (size_t used = counts[options.key_id]; used > 0) {
    return fail("retire", std::to_string(used) + " data files still need key '" + options.key_id +
                              "'; wait for the running server to rewrap them, or start it once");
  }
  auto removed = store::remove_key_from_file(path, options.key_id);
  if (!removed) return fail("retire", removed.error());
  std::cout << "removed master key " << options.key_id << " from " << path.string() << "\n";
  return 0;
}

}  // namespace

CLI::App* add_keys_command(CLI::App& app, KeysOptions& options) {
  auto* keys = app.add_subcommand("keys", "Master keys of the embedded store's encryption");
  keys->require_subcommand(1);
  auto* rotate_command = keys->add_subcommand(
      "rotate",
      "Add a new master key and make it current; a running server rewraps every data "
      "key under it in the background");
  auto* status_command =
      keys->add_subcommand("status", "List the master keys and the data files each one wraps");
  auto* retire_command =
      keys->add_subcommand("retire", "Remove a master key that no data file needs any more");
  for (auto* command : {rotate_command, status_command, retire_command}) {
    command->add_option("--data-dir", options.data_dir, "Data folder of the server")
        ->capture_default_str();
  }
  retire_command->add_option("--key-id", options.key_id, "Id of the key to remove")->required();
  return keys;
}

int run_keys(const CLI::App& keys_command, const KeysOptions& options) {
  if (keys_command.get_subcommand("rotate")->parsed()) return rotate(options);
  if (keys_command.get_subcommand("status")->parsed()) return status(options);
  if (keys_command.get_subcommand("retire")->parsed()) return retire(options);
  return 2;
}

}  // namespace satchel::cli
