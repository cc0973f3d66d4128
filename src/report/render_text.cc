// Text and Markdown renderings of a ReportDocument. Charts exist only in HTML; text names the
// HTML command instead.
#include <algorithm>
#include <sstream>

#include "report/render.h"

namespace inferbench::report {
namespace {

// Display columns of UTF-8 text: one per code point (no wide characters are used).
size_t Columns(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string Pad(const std::string& text, size_t width, bool right) {
  const size_t cols = Columns(text);
  if (cols >= width) return text;
  const std::string fill(width - cols, ' ');
  return right ? fill + text : text + fill;
}

// Words of `text` wrapped to `width` columns; the first line starts with `first`, later lines
// with `rest` (a hanging indent).
std::string Wrap(const std::string& text, size_t width, const std::string& first,
                 const std::string& rest) {
  std::string out;
  std::string line = first;
  bool line_has_word = false;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    if (line_has_word && Columns(line) + 1 + Columns(word) > width) {
      out += line + "\n";
      line = rest;
      line_has_word = false;
    }
    if (line_has_word) line += ' ';
    line += word;
    line_has_word = true;
  }
  out += line + "\n";
  return out;
}

std::vector<size_t> ColumnWidths(const TextTable& t) {
  std::vector<size_t> widths(t.header.size(), 0);
  for (size_t i = 0; i < t.header.size(); ++i) widths[i] = Columns(t.header[i]);
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Columns(row[i]));
    }
  }
  return widths;
}

bool Right(const TextTable& t, size_t i) { return i < t.right_aligned.size() && t.right_aligned[i]; }

std::string TextTableString(const TextTable& t) {
  const std::vector<size_t> widths = ColumnWidths(t);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = " ";
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      out += ' ';
      out += Pad(cell, widths[i], Right(t, i));
      if (i + 1 < widths.size()) out += ' ';
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(t.header);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  out += line(rule);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string MarkdownCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string RenderText(const ReportDocument& d, int width) {
  const size_t w = static_cast<size_t>(std::max(width, 40));
  std::string out = d.title + "\n" + std::string(Columns(d.title), '=') + "\n";
  out += Wrap(d.subtitle, w, "", "");
  bool charts_mentioned = false;
  for (const Section& s : d.sections) {
    out += "\n" + s.heading + "\n" + std::string(Columns(s.heading), '-') + "\n";
    for (const Block& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::kParagraph:
          out += Wrap(b.text, w, "", "");
          break;
        case Block::Kind::kBullets:
          for (const std::string& item : b.items) out += Wrap(item, w, "  - ", "    ");
          break;
        case Block::Kind::kTable:
          out += TextTableString(b.table);
          if (!b.caption.empty()) out += Wrap(b.caption, w, "  ", "  ");
          break;
        case Block::Kind::kCode: {
          std::istringstream lines(b.text);
          std::string line;
          while (std::getline(lines, line)) out += "    $ " + line + "\n";
          break;
        }
        case Block::Kind::kChart:
          if (!charts_mentioned) {
            out += "  (charts: `inferbench report RUN --format html -o report.html`)\n";
            charts_mentioned = true;
          }
          break;
      }
    }
  }
  return out;
}

std::string RenderMarkdown(const ReportDocument& d) {
  std::string out = "# " + d.title + "\n\n_" + d.subtitle + "_\n";
  for (const Section& s : d.sections) {
    out += "\n## " + s.heading + "\n";
    for (const Block& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::kParagraph:
          out += "\n" + b.text + "\n";
          break;
        case Block::Kind::kBullets:
          out += "\n";
          for (const std::string& item : b.items) out += "- " + item + "\n";
          break;
        case Block::Kind::kTable: {
          const TextTable& t = b.table;
          out += "\n|";
          for (const std::string& h : t.header) out += " " + MarkdownCell(h) + " |";
          out += "\n|";
          for (size_t i = 0; i < t.header.size(); ++i) out += Right(t, i) ? " ---: |" : " --- |";
          out += "\n";
          for (const auto& row : t.rows) {
            out += "|";
            for (const std::string& cell : row) out += " " + MarkdownCell(cell) + " |";
            out += "\n";
          }
          if (!b.caption.empty()) out += "\n_" + b.caption + "_\n";
          break;
        }
        case Block::Kind::kCode:
          out += "\n```sh\n" + b.text + "\n```\n";
          break;
        case Block::Kind::kChart:
          break;
      }
    }
  }
  return out;
}

}  // namespace inferbench::report
