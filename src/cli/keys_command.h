// `satchel keys`: master keys of the embedded store (store/master_keys.h).
// `rotate` adds a new master key to the key file and makes it current.
// `status` lists the master keys and how many data files each one wraps.
// `retire` removes a key that no data file needs any more.
// The commands change the key file and read data file headers only, so they
// are safe beside a running server. The server rereads the key file every
// store.key_check_interval_seconds and then rewraps the data keys itself.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

namespace satchel::cli {

struct KeysOptions {
  std::filesystem::path data_dir = "satchel-data";
  std::string key_id;  // retire only
};

// Adds "keys" with its subcommands to app and returns the "keys" command.
CLI::App* add_keys_command(CLI::App& app, KeysOptions& options);

// Runs the subcommand of keys_command that was parsed. Returns 0 on
// success, 1 when the key file or the data files stop the command.
int run_keys(const CLI::App& keys_command, const KeysOptions& options);

}  // namespace satchel::cli
