// SvgWriter: builds an SVG document as text, escaping every attribute value and text node, so
// names that come from users (run folders, optimizer specs) cannot break the markup.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace descent::viz {

// XML-escapes &, <, >, " and ' (the five predefined entities), and drops control characters
// that XML 1.0 does not allow, so any byte string becomes valid text or attribute content.
std::string escape_xml(std::string_view text);

// Formats a coordinate with at most two decimals and no trailing zeros ("12.5", "-3", "0.07");
// enough for a pixel grid, and it keeps files small.
std::string fmt(double value);

using Attributes = std::vector<std::pair<std::string, std::string>>;

class SvgWriter {
 public:
  // Starts <svg> with the given pixel size and a viewBox of the same size.
  SvgWriter(double width, double height);

  void open(std::string_view tag, const Attributes& attributes = {});  // <tag ...>
  void close();                                                        // </tag> of the last open
  void element(std::string_view tag, const Attributes& attributes);    // <tag .../>
  // <tag ...>text</tag>, the text escaped.
  void text_element(std::string_view tag, const Attributes& attributes, std::string_view text);
  // Inserts markup that the caller built with this module (e.g. a <text> with <tspan>s).
  void raw(std::string_view markup);

  // Closes every open element, including <svg>, and returns the document.
  std::string finish();

 private:
  void write_open(std::string_view tag, const Attributes& attributes);
  std::string out_;
  std::vector<std::string> open_;
  int depth_ = 0;
};

}  // namespace descent::viz
