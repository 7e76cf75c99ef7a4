// The SVG writer: escaping of user text, number formatting, nesting.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/viz/svg.hpp"
#include "viz/xml_check.hpp"

using namespace descent;
using namespace descent::viz;

TEST(Svg, EscapesTheFiveXmlCharacters) {
  EXPECT_EQ(escape_xml(R"(a<b & "c" > 'd')"), "a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;");
}

TEST(Svg, DropsControlCharactersXmlForbids) {
  EXPECT_EQ(escape_xml(std::string("a\x01"
                                   "b\tc\x1f")),
            "ab\tc");
}

TEST(Svg, KeepsUtf8) { EXPECT_EQ(escape_xml("lr η=0.1 → β"), "lr η=0.1 → β"); }

TEST(Svg, FormatsCoordinatesCompactly) {
  EXPECT_EQ(fmt(12.5), "12.5");
  EXPECT_EQ(fmt(3.0), "3");
  EXPECT_EQ(fmt(0.071), "0.07");
  EXPECT_EQ(fmt(-0.001), "0");
  EXPECT_EQ(fmt(-7.256), "-7.26");
  EXPECT_THROW(fmt(std::nan("")), ValueError);
}

TEST(Svg, WriterEscapesAttributesAndTextAndNests) {
  SvgWriter svg(100, 50);
  svg.open("g", {{"id", "a\"b"}});
  svg.text_element("text", {{"x", "1"}}, "<run & co>");
  svg.element("rect", {{"width", "5"}});
  std::string doc = svg.finish();
  EXPECT_NE(doc.find("id=\"a&quot;b\""), std::string::npos);
  EXPECT_NE(doc.find("&lt;run &amp; co&gt;"), std::string::npos);
  EXPECT_NE(doc.find("viewBox=\"0 0 100 50\""), std::string::npos);
  EXPECT_EQ(xml::xml_problem(doc), "");
}

TEST(Svg, CloseWithoutOpenThrows) {
  SvgWriter svg(10, 10);
  svg.close();  // closes <svg>
  EXPECT_THROW(svg.close(), ValueError);
}

TEST(Svg, XmlCheckCatchesBrokenMarkup) {
  EXPECT_NE(xml::xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml::xml_problem("<svg><text>a & b</text></svg>"), "");
  EXPECT_EQ(xml::xml_problem("<svg><g a=\"1\"/></svg>"), "");
}
