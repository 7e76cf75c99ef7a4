// Renders an SVG file with headless Chromium and checks the screenshot is a picture (enough ink,
// many colours), as tests/viz/test_render.cpp does for the plotting module; shared by the compare
// and landscape tests. The PNG stays beside the SVG for a person to look at.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/skip.hpp"
#include "viz/png.hpp"
#include "viz/xml_check.hpp"

namespace descent::test {

inline constexpr const char* kChromium = "/usr/bin/chromium";

// Call as ASSERT_NO_FATAL_FAILURE(expect_renders(...)); skips the test without Chromium.
inline void expect_renders(const std::filesystem::path& svg, int width, int height) {
  std::ifstream in(svg, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_EQ(viz::xml::xml_problem(text.str()), "") << svg;
  if (!std::filesystem::exists(kChromium)) DESCENT_SKIP() << "no " << kChromium << " to render " << svg;
  std::filesystem::path png = svg;
  png.replace_extension(".png");
  std::filesystem::remove(png);
  const std::filesystem::path profile = svg.parent_path() / ("chromium-profile-" + svg.stem().string());
  const std::string command = std::string(kChromium) +
                              " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                              " --disable-background-networking --disable-component-update --disable-sync"
                              " --hide-scrollbars --user-data-dir=" +
                              profile.string() + " --screenshot=" + png.string() +
                              " --window-size=" + std::to_string(width) + "," + std::to_string(height) + " file://" +
                              svg.string() + " > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  std::filesystem::remove_all(profile);
  ASSERT_EQ(status, 0) << command;
  ASSERT_TRUE(std::filesystem::exists(png)) << command;
  const viz::png::Image image = viz::png::read(png.string());
  std::size_t ink = 0;
  std::set<uint32_t> colours;
  for (std::size_t p = 0; p < image.rgb.size() / 3; ++p) {
    const uint8_t r = image.rgb[3 * p], g = image.rgb[3 * p + 1], b = image.rgb[3 * p + 2];
    if (r < 235 || g < 235 || b < 235) ++ink;
    colours.insert((uint32_t{r} << 16) | (uint32_t{g} << 8) | b);
  }
  EXPECT_GT(static_cast<double>(ink) / static_cast<double>(image.rgb.size() / 3), 0.01) << svg << ": nearly blank";
  EXPECT_GT(colours.size(), 20u) << svg << ": too few colours for a plot";
}

}  // namespace descent::test
