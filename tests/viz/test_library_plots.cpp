// The one-call plots over optim::trajectory and schedule_series.
#include <gtest/gtest.h>

#include "descent/core/error.hpp"
#include "descent/viz/library_plots.hpp"
#include "viz/xml_check.hpp"

using namespace descent;
using namespace descent::viz;

TEST(OptimizerPaths, EachSpecIsAPathOnTheFunctionsDomain) {
  const optim::TestFunction& rosenbrock = optim::test_function("rosenbrock");
  Rendered out = plot_optimizer_paths(rosenbrock, {"sgd:lr=1e-3,momentum=0.9", "adam:lr=0.02"}, {-1.2, 1}, 200);
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  EXPECT_TRUE(out.warnings.empty());
  EXPECT_NE(out.svg.find(">sgd:lr=1e-3,momentum=0.9<"), std::string::npos);
  EXPECT_NE(out.svg.find(">adam:lr=0.02<"), std::string::npos);
  EXPECT_NE(out.svg.find(">rosenbrock: 200 steps from (-1.2, 1)<"), std::string::npos);
  EXPECT_NE(out.svg.find(">minimum (1, 1)<"), std::string::npos);
}

TEST(OptimizerPaths, DivergingOptimizerIsCutAndReported) {
  const optim::TestFunction& rosenbrock = optim::test_function("rosenbrock");
  Rendered out = plot_optimizer_paths(rosenbrock, {"sgd:lr=0.1"}, {-1.2, 1}, 50);
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].find("path 'sgd:lr=0.1'"), std::string::npos) << out.warnings[0];
  EXPECT_NE(out.svg.find("diverged at step"), std::string::npos);
  EXPECT_EQ(xml::xml_problem(out.svg), "");
}

TEST(OptimizerPaths, StartOutsideTheDomainIsAnError) {
  const optim::TestFunction& rosenbrock = optim::test_function("rosenbrock");
  try {
    plot_optimizer_paths(rosenbrock, {"adam:lr=0.02"}, {10, 10}, 5);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("start (10, 10) is outside rosenbrock's plotted domain"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(plot_optimizer_paths(rosenbrock, {}, {0, 0}, 5), ValueError);
}

TEST(SchedulePlot, MomentumGetsItsOwnPanel) {
  optim::ScheduleSeries series =
      optim::schedule_series("onecycle:total_steps=100", 0.1, 100, "sgd:lr=0.1,momentum=0.9");
  Rendered out = plot_schedule(series, "onecycle");
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  EXPECT_NE(out.svg.find(">Learning rate<"), std::string::npos);
  EXPECT_NE(out.svg.find(">Momentum<"), std::string::npos);
  optim::ScheduleSeries plain = optim::schedule_series("exponential:gamma=0.9", 0.1, 50);
  Rendered log = plot_schedule(plain, "exponential", Scale::log);
  EXPECT_EQ(log.svg.find(">Momentum<"), std::string::npos);
  EXPECT_TRUE(log.warnings.empty());
}
