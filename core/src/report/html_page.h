// A self-contained HTML page: inline style, no scripts, no external resources, every
// text escaped. What the run and sweep reports are written with.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace evoaug {

/// Text made safe for HTML content and attribute values (& < > " ').
std::string html_escape(const std::string& text);

/// A table: a header row and body rows of plain text cells (escaped when rendered).
struct HtmlTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string render() const;
};

class HtmlPage {
 public:
  explicit HtmlPage(std::string title) : title_(std::move(title)) {}
  HtmlPage& heading(const std::string& text);             ///< an <h2>
  HtmlPage& paragraph(const std::string& text);           ///< escaped text
  HtmlPage& table(const HtmlTable& table);
  HtmlPage& preformatted(const std::string& text);        ///< escaped, in <pre>
  HtmlPage& raw(const std::string& html);                 ///< already HTML (an <svg>)
  std::string render() const;

 private:
  std::string title_;
  std::string body_;
};

}  // namespace evoaug
