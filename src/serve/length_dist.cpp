#include "serve/length_dist.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "common/error.h"

namespace npulab::serve {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

double number(const std::string& s, const std::string& option, const std::string& spec) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
    fail("{} '{}': '{}' is not a number (expected N, fixed:N, uniform:LO:HI, normal:MEAN:STD or "
         "lognormal:MEDIAN:SIGMA)",
         option, spec, s);
  return v;
}

}  // namespace

LengthDist LengthDist::parse(const std::string& spec, const std::string& option) {
  const std::vector<std::string> f = split(spec, ':');
  auto need = [&](size_t n) {
    if (f.size() != n)
      fail("{} '{}': '{}' takes {} number{}", option, spec, f[0], n - 1, n == 2 ? "" : "s");
  };
  LengthDist d;
  if (f.size() == 1) {
    d = {Kind::Fixed, number(f[0], option, spec), 0};
  } else if (f[0] == "fixed") {
    need(2);
    d = {Kind::Fixed, number(f[1], option, spec), 0};
  } else if (f[0] == "uniform") {
    need(3);
    d = {Kind::Uniform, number(f[1], option, spec), number(f[2], option, spec)};
    if (d.b < d.a) fail("{} '{}': uniform LO {} is above HI {}", option, spec, d.a, d.b);
  } else if (f[0] == "normal") {
    need(3);
    d = {Kind::Normal, number(f[1], option, spec), number(f[2], option, spec)};
    if (d.b < 0) fail("{} '{}': the standard deviation must be >= 0", option, spec);
  } else if (f[0] == "lognormal") {
    need(3);
    d = {Kind::LogNormal, number(f[1], option, spec), number(f[2], option, spec)};
    if (d.b < 0) fail("{} '{}': sigma must be >= 0", option, spec);
  } else {
    fail("{} '{}': unknown distribution '{}' (expected fixed, uniform, normal or lognormal)", option, spec, f[0]);
  }
  if (d.a < 1 || d.a > 1e7 || (d.kind == Kind::Uniform && d.b > 1e7))
    fail("{} '{}': lengths must be between 1 and 10,000,000 tokens", option, spec);
  if (d.kind != Kind::Normal && d.kind != Kind::LogNormal && (d.a != std::floor(d.a) || d.b != std::floor(d.b)))
    fail("{} '{}': lengths are whole numbers of tokens", option, spec);
  return d;
}

int64_t LengthDist::max() const {
  switch (kind) {
    case Kind::Fixed: return int64_t(a);
    case Kind::Uniform: return int64_t(b);
    case Kind::Normal: return int64_t(std::ceil(a + 6 * b));
    case Kind::LogNormal: return int64_t(std::ceil(a * std::exp(6 * b)));
  }
  return int64_t(a);
}

int64_t LengthDist::sample(Rng& rng) const {
  double v = a;
  switch (kind) {
    case Kind::Fixed: return int64_t(a);
    case Kind::Uniform: return rng.uniform_int(int64_t(a), int64_t(b));
    case Kind::Normal: v = a + b * rng.normal(); break;
    case Kind::LogNormal: v = a * std::exp(b * rng.normal()); break;
  }
  return std::clamp<int64_t>(int64_t(std::llround(v)), 1, max());
}

std::string LengthDist::describe() const {
  switch (kind) {
    case Kind::Fixed: return fmt::format("{}", int64_t(a));
    case Kind::Uniform: return fmt::format("uniform {}..{}", int64_t(a), int64_t(b));
    case Kind::Normal: return fmt::format("normal {} +- {}", a, b);
    case Kind::LogNormal: return fmt::format("lognormal median {} sigma {}", a, b);
  }
  return "?";
}

}  // namespace npulab::serve
