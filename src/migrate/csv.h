// CSV as RFC 4180 describes it: comma-separated fields, double quotes
// around fields that contain a comma, quote or line break, and a doubled
// quote for a quote inside a quoted field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace satchel::migrate {

using CsvRow = std::vector<std::string>;

// Splits text into rows of fields. Line ends may be CRLF or LF, and a final
// line end is optional. Blank lines are skipped. Fails with a message naming
// the line for a quote inside an unquoted field, text after a closing quote
// or an unclosed quote.
Expected<std::vector<CsvRow>, std::string> parse_csv(std::string_view text);

// The field as it is written in a row: quoted when it contains a comma, a
// quote, CR or LF, and unchanged otherwise.
std::string csv_field(std::string_view value);

}  // namespace satchel::migrate
