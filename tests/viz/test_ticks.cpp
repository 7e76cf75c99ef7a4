// Tick values and labels.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/viz/ticks.hpp"

using namespace descent;
using namespace descent::viz;

TEST(Ticks, NiceStepIsOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_DOUBLE_EQ(nice_step(0, 10, 5), 2);
  EXPECT_DOUBLE_EQ(nice_step(0, 1, 5), 0.2);
  EXPECT_DOUBLE_EQ(nice_step(0, 100, 4), 20);
  EXPECT_DOUBLE_EQ(nice_step(0, 7, 7), 1);
  EXPECT_DOUBLE_EQ(nice_step(0, 0.003, 6), 0.0005);
  EXPECT_DOUBLE_EQ(nice_step(-2, 2, 4), 1);
}

TEST(Ticks, LinearTicksAreMultiplesOfTheStepInsideTheRange) {
  std::vector<double> ticks = linear_ticks(0.13, 0.97, 5);
  ASSERT_EQ(ticks.size(), 4u);
  EXPECT_NEAR(ticks[0], 0.2, 1e-12);
  EXPECT_NEAR(ticks[3], 0.8, 1e-12);
  EXPECT_EQ(linear_ticks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
}

TEST(Ticks, LinearTicksHaveAnExactZero) {
  for (double v : linear_ticks(-0.3, 0.3, 6)) EXPECT_FALSE(std::signbit(v) && v == 0) << v;
  std::vector<double> ticks = linear_ticks(-0.3, 0.3, 6);
  EXPECT_NE(std::find(ticks.begin(), ticks.end(), 0.0), ticks.end());
}

TEST(Ticks, DegenerateAndInvalidRanges) {
  EXPECT_EQ(linear_ticks(3, 3), (std::vector<double>{3}));
  EXPECT_THROW(linear_ticks(2, 1), ValueError);
  EXPECT_THROW(linear_ticks(0, INFINITY), ValueError);
  EXPECT_THROW(log_ticks(0, 10), ValueError);
}

TEST(Ticks, LogTicksArePowersOfTen) {
  EXPECT_EQ(log_ticks(0.05, 2000, 8), (std::vector<double>{0.1, 1, 10, 100, 1000}));
}

TEST(Ticks, LogTicksSkipDecadesWhenThereAreMany) {
  std::vector<double> ticks = log_ticks(1e-12, 1, 6);
  EXPECT_LE(ticks.size(), 7u);
  EXPECT_DOUBLE_EQ(ticks.front(), 1e-12);
  for (size_t i = 1; i < ticks.size(); ++i)
    EXPECT_NEAR(std::log10(ticks[i] / ticks[i - 1]), 3, 1e-9);  // 13 decades, at most 6 ticks
}

TEST(Ticks, NarrowLogRangesUseOneTwoFive) {
  EXPECT_EQ(log_ticks(0.09, 2.2, 6), (std::vector<double>{0.1, 0.2, 0.5, 1, 2}));
  EXPECT_EQ(log_ticks(0.15, 0.9, 6), (std::vector<double>{0.2, 0.5}));
  std::vector<double> ticks = log_ticks(0.3, 0.45, 6);  // no 1-2-5 value inside: linear ticks
  ASSERT_GE(ticks.size(), 2u);
  for (double v : ticks) EXPECT_TRUE(v >= 0.3 && v <= 0.45) << v;
}

TEST(Ticks, LabelsHaveTheDecimalsTheStepNeeds) {
  EXPECT_EQ(format_tick(0.2, 0.2), "0.2");
  EXPECT_EQ(format_tick(0.30000000000000004, 0.1), "0.3");
  EXPECT_EQ(format_tick(0.25, 0.25), "0.25");
  EXPECT_EQ(format_tick(2.5, 2.5), "2.5");
  EXPECT_EQ(format_tick(40, 20), "40");
  EXPECT_EQ(format_tick(-0.0, 0.5), "0");
  EXPECT_EQ(format_tick(2e-4, 1e-4), "2e-4");
  EXPECT_EQ(format_tick(3e6, 1e6), "3e6");
}

TEST(Ticks, ShortNumbers) {
  EXPECT_EQ(short_number(0.001), "0.001");
  EXPECT_EQ(short_number(1e-5), "1e-5");
  EXPECT_EQ(short_number(2000), "2000");
  EXPECT_EQ(short_number(3e6), "3e6");
  EXPECT_EQ(short_number(12.5), "12.5");
  EXPECT_EQ(short_number(1.23456, 4), "1.235");
  EXPECT_EQ(short_number(NAN), "nan");
}
