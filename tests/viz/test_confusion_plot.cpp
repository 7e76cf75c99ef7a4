// The confusion matrix heat map of `descent eval --svg` (viz/confusion_plot.hpp): well-formed
// SVG, one cell per pair of classes with its count, names escaped, and sizes checked.
#include <gtest/gtest.h>

#include "descent/core/error.hpp"
#include "descent/viz/confusion_plot.hpp"
#include "viz/xml_check.hpp"

using namespace descent;

namespace {

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

}  // namespace

TEST(ConfusionPlot, DrawsEveryCellWithItsCount) {
  const std::vector<int64_t> counts = {50, 3,  0,   //
                                       7,  40, 1,   //
                                       0,  0,  0};  // a class without examples
  const viz::Rendered out = viz::plot_confusion_matrix(counts, {"T-shirt/top", "Trouser", "Ankle boot"}, "test");
  EXPECT_EQ(viz::xml::xml_problem(out.svg), "") << out.svg;
  EXPECT_TRUE(out.warnings.empty());
  EXPECT_EQ(occurrences(out.svg, "<title>"), 9u);
  EXPECT_NE(out.svg.find("true T-shirt/top, predicted Trouser: 3 (5.66% of T-shirt/top)"), std::string::npos);
  EXPECT_NE(out.svg.find(">Ankle boot</text>"), std::string::npos);
  EXPECT_NE(out.svg.find(">predicted class</text>"), std::string::npos);
  EXPECT_NE(out.svg.find(">true class</text>"), std::string::npos);
  EXPECT_NE(out.svg.find("rotate(-45"), std::string::npos);  // long names turn to fit the cells
  EXPECT_NE(out.svg.find(">40</text>"), std::string::npos);
}

TEST(ConfusionPlot, EscapesNamesAndRefusesSizesThatDisagree) {
  const viz::Rendered out = viz::plot_confusion_matrix({1, 0, 0, 1}, {"<a>", "b&c"}, "\"quoted\"");
  EXPECT_EQ(viz::xml::xml_problem(out.svg), "") << out.svg;
  EXPECT_NE(out.svg.find("&lt;a&gt;"), std::string::npos);
  EXPECT_THROW(viz::plot_confusion_matrix({1, 2, 3}, {"a", "b"}, ""), ValueError);
  EXPECT_THROW(viz::plot_confusion_matrix({}, {}, ""), ValueError);
}
