// The checks every object passes before `satchel migrate` writes it: its
// bytes are of its declared type, text is UTF-8, JSON parses, and
// preferences match their schema.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "app/preferences_schema.h"

namespace satchel::migrate {

// The media type that a file name's extension implies, such as
// "application/json" for "prefs.json", compared without regard to case.
// Unknown extensions give "application/octet-stream".
std::string content_type_for_name(std::string_view name);

// The type to import an object as: the declared one (an S3 source's
// Content-Type), unless it is empty or generic (application/octet-stream,
// binary/octet-stream), in which case the extension's type.
std::string choose_content_type(std::string_view declared, std::string_view name);

// Checks an object that will be stored as target_name with content_type.
// Returns the reason it fails, or nullopt when it passes:
//   - image/*, application/pdf, application/json: libmagic must agree
//     (media::check_declared_type),
//   - text/* and JSON types: the bytes must be UTF-8,
//   - JSON types: the bytes must parse as JSON,
//   - a target named preferences.json: the document must match schema.
// Calls libmagic, so it belongs on a worker thread.
std::optional<std::string> check_object_content(std::string_view target_name,
                                                std::string_view content_type,
                                                std::string_view bytes,
                                                const app::PreferencesSchema& schema);

}  // namespace satchel::migrate
