#include "migrate/csv.h"

namespace satchel::migrate {

Expected<std::vector<CsvRow>, std::string> parse_csv(std::string_view text) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  bool row_has_content = false;
  auto end_row = [&] {
    if (row_has_content) {
      row.push_back(std::move(field));
      rows.push_back(std::move(row));
    }
    row = {};
    field = {};
    row_has_content = false;
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      if (!field.empty()) {
        return Unexpected("line " + std::to_string(line) + ": quote inside an unquoted field");
      }
      size_t start_line = line;
      ++i;
      while (true) {
        if (i >= text.size()) {
          return Unexpected("line " + std::to_string(start_line) + ": unclosed quote");
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      row_has_content = true;
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return Unexpected("line " + std::to_string(line) + ": text after a closing quote");
      }
      continue;
    }
    if (c == ',') {
      row.push_back(std::move(field));
      field = {};
      row_has_content = true;
      ++i;
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    if (c == '\n' || c == '\r') {
      end_row();
      ++line;
      ++i;
      continue;
    }
    field += c;
    row_has_content = true;
    ++i;
  }
  end_row();
  return rows;
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace satchel::migrate
