// A small well-formedness check for the SVG the viz module writes: every tag closes in order,
// attribute values are quoted, and text holds no raw '<' or stray '&'. Enough to catch broken
// escaping or nesting without an XML library.
#pragma once
#include <string>
#include <vector>

namespace descent::viz::xml {

// Empty if well-formed, else a description of the first problem and its offset.
inline std::string xml_problem(const std::string& doc) {
  std::vector<std::string> stack;
  size_t i = 0;
  auto at = [&](size_t pos) { return " at offset " + std::to_string(pos); };
  auto check_entities = [&](size_t from, size_t to) -> std::string {
    for (size_t k = from; k < to; ++k)
      if (doc[k] == '&') {
        size_t end = doc.find(';', k);
        std::string name = end == std::string::npos ? "" : doc.substr(k + 1, end - k - 1);
        if (name != "amp" && name != "lt" && name != "gt" && name != "quot" && name != "apos")
          return "bad entity" + at(k);
      }
    return "";
  };
  while (i < doc.size()) {
    size_t open = doc.find('<', i);
    if (open == std::string::npos) open = doc.size();
    if (auto p = check_entities(i, open); !p.empty()) return p;
    if (open == doc.size()) break;
    size_t close = open + 1;
    char quote = 0;
    for (; close < doc.size(); ++close) {
      char c = doc[close];
      if (quote) {
        if (c == quote)
          quote = 0;
        else if (c == '<')
          return "'<' inside an attribute" + at(close);
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      } else if (c == '<') {
        return "'<' inside a tag" + at(close);
      }
    }
    if (close >= doc.size()) return "unterminated tag" + at(open);
    std::string tag = doc.substr(open + 1, close - open - 1);
    if (auto p = check_entities(open, close); !p.empty()) return p;
    if (tag.empty()) return "empty tag" + at(open);
    if (tag[0] == '/') {
      std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> does not close <" + (stack.empty() ? "" : stack.back()) + ">" + at(open);
      stack.pop_back();
    } else if (tag.back() != '/') {
      stack.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
    }
    i = close + 1;
  }
  if (!stack.empty()) return "<" + stack.back() + "> never closed";
  return "";
}

}  // namespace descent::viz::xml
