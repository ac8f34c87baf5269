#include "migrate/checkpoint.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace satchel::migrate {
namespace {

Expected<CheckpointEntry, std::string> parse_entry(const nlohmann::json& line) {
  if (!line.is_object()) return Unexpected(std::string("not a JSON object"));
  auto text = [&](const char* name) -> const nlohmann::json* {
    auto found = line.find(name);
    return found != line.end() && found->is_string() ? &*found : nullptr;
  };
  const nlohmann::json* source = text("source");
  const nlohmann::json* target_key = text("target_key");
  const nlohmann::json* version_id = text("version_id");
  auto size = line.find("size_bytes");
  if (source == nullptr || target_key == nullptr || version_id == nullptr || size == line.end() ||
      !size->is_number_unsigned()) {
    return Unexpected(
        std::string("expected the fields source, target_key, version_id and size_bytes"));
  }
  return CheckpointEntry{source->get<std::string>(), target_key->get<std::string>(),
                         version_id->get<std::string>(), size->get<uint64_t>()};
}

}  // namespace

std::string format_checkpoint_header(std::string_view plan_id) {
  return nlohmann::json{{"format", kCheckpointFormat}, {"plan", plan_id}}.dump() + "\n";
}

std::string format_checkpoint_entry(const CheckpointEntry& entry) {
  nlohmann::json line = {{"source", entry.source},
                         {"target_key", entry.target_key},
                         {"version_id", entry.version_id},
                         {"size_bytes", entry.size_bytes}};
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Expected<CheckpointState, std::string> parse_checkpoint(std::string_view text) {
  CheckpointState state;
  size_t line_number = 0;
  size_t position = 0;
  while (position < text.size()) {
    size_t end = text.find('\n', position);
    if (end == std::string_view::npos) break;  // a torn last line
    std::string_view line = text.substr(position, end - position);
    position = end + 1;
    ++line_number;
    std::string where = "line " + std::to_string(line_number) + ": ";
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded()) return Unexpected(where + "invalid JSON");
    if (line_number == 1) {
      auto format = parsed.is_object() ? parsed.find("format") : parsed.end();
      auto plan = parsed.is_object() ? parsed.find("plan") : parsed.end();
      if (format == parsed.end() || *format != kCheckpointFormat || plan == parsed.end() ||
          !plan->is_string()) {
        return Unexpected(where + "not a " + std::string(kCheckpointFormat) + " header");
      }
      state.plan_id = plan->get<std::string>();
      continue;
    }
    auto entry = parse_entry(parsed);
    if (!entry) return Unexpected(where + entry.error());
    state.done[entry->source] = std::move(*entry);
  }
  return state;
}

Expected<std::unique_ptr<CheckpointFile>, std::string> CheckpointFile::open(
    const std::filesystem::path& path, std::string_view plan_id) {
  CheckpointState state;
  std::string existing;
  if (std::ifstream input(path, std::ios::binary); input) {
    std::ostringstream text;
    text << input.rdbuf();
    existing = text.str();
  }
  bool fresh = existing.find('\n') == std::string::npos;
  if (!fresh) {
    auto parsed = parse_checkpoint(existing);
    if (!parsed) return Unexpected("checkpoint " + path.string() + ": " + parsed.error());
    if (parsed->plan_id != plan_id) {
      return Unexpected("checkpoint " + path.string() +
                        " was written for another source or other mappings; give a new "
                        "--checkpoint file or run again with the same options");
    }
    state = std::move(*parsed);
  }
  // A torn last line is cut off, so that the next entry starts a line.
  if (!fresh && !existing.ends_with('\n')) {
    std::filesystem::resize_file(path, existing.rfind('\n') + 1);
  }
  if (fresh) state.plan_id = std::string(plan_id);
  std::FILE* file = std::fopen(path.c_str(), fresh ? "wb" : "ab");
  if (file == nullptr) return Unexpected("cannot open the checkpoint file " + path.string());
  std::unique_ptr<CheckpointFile> checkpoint(new CheckpointFile(path, std::move(state), file));
  if (fresh) {
    std::string header = format_checkpoint_header(plan_id);
    if (std::fwrite(header.data(), 1, header.size(), file) != header.size() ||
        std::fflush(file) != 0) {
      return Unexpected("cannot write the checkpoint file " + path.string());
    }
  }
  return checkpoint;
}

CheckpointFile::CheckpointFile(std::filesystem::path path, CheckpointState loaded, std::FILE* file)
    : path_(std::move(path)), loaded_(std::move(loaded)), file_(file) {}

CheckpointFile::~CheckpointFile() {
  if (file_ != nullptr) std::fclose(file_);
}

void CheckpointFile::append(const CheckpointEntry& entry) {
  std::string line = format_checkpoint_entry(entry);
  std::lock_guard lock(mutex_);
  if (file_ == nullptr) return;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    failed_ = true;
  }
}

Expected<void, std::string> CheckpointFile::close() {
  std::lock_guard lock(mutex_);
  if (file_ == nullptr) return {};
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  if (failed_) return Unexpected("writing the checkpoint file " + path_.string() + " failed");
  return {};
}

}  // namespace satchel::migrate
