// SvgWriter and the escaping and number formatting it relies on.
#include "descent/viz/svg.hpp"

#include <cmath>
#include <cstdio>

#include "descent/core/error.hpp"

namespace descent::viz {

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows only tab, newline and carriage return below 0x20.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out += c;
    }
  }
  return out;
}

std::string fmt(double value) {
  if (!std::isfinite(value)) throw ValueError("svg: non-finite coordinate " + std::to_string(value));
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  std::string s = buffer;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

SvgWriter::SvgWriter(double width, double height) {
  out_ = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt(width) + "\" height=\"" + fmt(height) +
         "\" viewBox=\"0 0 " + fmt(width) + " " + fmt(height) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  open_.push_back("svg");
  depth_ = 1;
}

void SvgWriter::write_open(std::string_view tag, const Attributes& attributes) {
  out_.append(static_cast<size_t>(depth_) * 2, ' ');
  out_ += '<';
  out_ += tag;
  for (const auto& [name, value] : attributes) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    out_ += escape_xml(value);
    out_ += '"';
  }
}

void SvgWriter::open(std::string_view tag, const Attributes& attributes) {
  write_open(tag, attributes);
  out_ += ">\n";
  open_.emplace_back(tag);
  ++depth_;
}

void SvgWriter::close() {
  if (open_.empty()) throw ValueError("svg: close() with no open element");
  --depth_;
  out_.append(static_cast<size_t>(depth_) * 2, ' ');
  out_ += "</" + open_.back() + ">\n";
  open_.pop_back();
}

void SvgWriter::element(std::string_view tag, const Attributes& attributes) {
  write_open(tag, attributes);
  out_ += "/>\n";
}

void SvgWriter::text_element(std::string_view tag, const Attributes& attributes, std::string_view text) {
  write_open(tag, attributes);
  out_ += '>';
  out_ += escape_xml(text);
  out_ += "</";
  out_ += tag;
  out_ += ">\n";
}

void SvgWriter::raw(std::string_view markup) {
  out_.append(static_cast<size_t>(depth_) * 2, ' ');
  out_ += markup;
  out_ += '\n';
}

std::string SvgWriter::finish() {
  while (!open_.empty()) close();
  return std::move(out_);
}

}  // namespace descent::viz
