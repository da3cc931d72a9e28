#include "report/html_page.h"

namespace evoaug {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string HtmlTable::render() const {
  std::string out = "<table>\n<thead><tr>";
  for (const auto& h : header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row) out += "<td>" + html_escape(cell) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

HtmlPage& HtmlPage::heading(const std::string& text) {
  body_ += "<h2>" + html_escape(text) + "</h2>\n";
  return *this;
}
HtmlPage& HtmlPage::paragraph(const std::string& text) {
  body_ += "<p>" + html_escape(text) + "</p>\n";
  return *this;
}
HtmlPage& HtmlPage::table(const HtmlTable& table) {
  body_ += table.render();
  return *this;
}
HtmlPage& HtmlPage::preformatted(const std::string& text) {
  body_ += "<pre>" + html_escape(text) + "</pre>\n";
  return *this;
}
HtmlPage& HtmlPage::raw(const std::string& html) {
  body_ += html + "\n";
  return *this;
}

std::string HtmlPage::render() const {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
         "<title>" + html_escape(title_) + "</title>\n"
         "<style>\n"
         "body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}\n"
         "table{border-collapse:collapse;margin:0.5em 0}\n"
         "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}\n"
         "th{background:#f3f3f3}\n"
         "pre{background:#f7f7f7;padding:0.8em;overflow:auto;font-size:12px}\n"
         "svg.plot{margin:0.5em 1em 0.5em 0;font-family:sans-serif}\n"
         "</style>\n</head>\n<body>\n<h1>" + html_escape(title_) + "</h1>\n" + body_ + "</body>\n</html>\n";
}

}  // namespace evoaug
