// SMIL animations for trajectories (SVG 1.1, section 19.2): a dash offset that reveals the
// path and a motion that carries a dot along it, both with one key time per optimizer step, so
// a step takes the same time however long it is.
#include <cstdio>

#include "descent/viz/render.hpp"

namespace descent::viz {
namespace {

std::string key_time(double t) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", t);
  std::string s = buffer;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// keyTimes must start at 0 and end at 1; the values before the first and after the last key
// time hold still.
struct Keys {
  std::vector<std::string> values, times;
  void add(double time, std::string value) {
    if (times.empty() && time > 0) {
      times.push_back("0");
      values.push_back(value);
    }
    times.push_back(key_time(time));
    values.push_back(std::move(value));
  }
  std::string finish(const std::string& head, double seconds) {
    if (times.back() != "1") {
      times.push_back("1");
      values.push_back(values.back());
    }
    std::string v, t;
    for (std::size_t i = 0; i < values.size(); ++i) {
      v += (i ? ";" : "") + values[i];
      t += (i ? ";" : "") + times[i];
    }
    return head + " values=\"" + v + "\" keyTimes=\"" + t + "\" dur=\"" + key_time(seconds) +
           "s\" calcMode=\"linear\" repeatCount=\"indefinite\"/>";
  }
};

}  // namespace

std::string reveal_animation(const std::vector<double>& cumulative, const std::vector<double>& times, double seconds) {
  Keys keys;
  double total = cumulative.back();
  for (std::size_t i = 0; i < times.size(); ++i) keys.add(times[i], fmt(total - cumulative[i]));
  return keys.finish("<animate attributeName=\"stroke-dashoffset\"", seconds);
}

std::string motion_animation(const Polyline& points, const std::vector<double>& times, double seconds) {
  Keys keys;
  for (std::size_t i = 0; i < times.size(); ++i) keys.add(times[i], fmt(points[i].x) + "," + fmt(points[i].y));
  return keys.finish("<animateMotion", seconds);
}

}  // namespace descent::viz
