// Checked and saturating integer arithmetic for numbers that come from untrusted input
// (tensor shapes, operand offsets and strides, register values, sizes in model files,
// simulated time). One place, built on the compiler's overflow builtins (exact for mixed
// signed/unsigned operands), so a product of sizes either fits its type or raises an
// npulab::Error naming what was computed; it never wraps silently.
//
//  - mul_exact / add_exact / sub_exact: the exact result, or nullopt when it does not fit R;
//  - checked_mul / checked_add / checked_sub / checked_product: the same, throwing
//    "<what>: a * b = ... does not fit <type>";
//  - sat_add / sat_mul and saturating_cast: clamp at the type's ends, for quantities where
//    "later than anything" is the meaning (simulated time, which a budget then stops).
#pragma once
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"

namespace npulab {

// 128-bit intermediates, so products and sums of 64-bit sizes, strides and register values
// (offset + reg * scale, range ends) are exact and checked once at the end.
__extension__ using i128 = __int128;

namespace checked_detail {
template <class T>
std::string type_text() {
  return std::string(std::is_signed_v<T> ? "a signed " : "an unsigned ") +
         std::to_string(8 * sizeof(T)) + "-bit integer";
}
}  // namespace checked_detail

template <std::integral R, std::integral A, std::integral B>
constexpr std::optional<R> mul_exact(A a, B b) {
  R r{};
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}
template <std::integral R, std::integral A, std::integral B>
constexpr std::optional<R> add_exact(A a, B b) {
  R r{};
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
template <std::integral R, std::integral A, std::integral B>
constexpr std::optional<R> sub_exact(A a, B b) {
  R r{};
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}

template <std::integral R, std::integral A, std::integral B>
R checked_mul(A a, B b, std::string_view what) {
  if (auto r = mul_exact<R>(a, b)) return *r;
  fail("{}: {} * {} does not fit {}", what, a, b, checked_detail::type_text<R>());
}
template <std::integral R, std::integral A, std::integral B>
R checked_add(A a, B b, std::string_view what) {
  if (auto r = add_exact<R>(a, b)) return *r;
  fail("{}: {} + {} does not fit {}", what, a, b, checked_detail::type_text<R>());
}
template <std::integral R, std::integral A, std::integral B>
R checked_sub(A a, B b, std::string_view what) {
  if (auto r = sub_exact<R>(a, b)) return *r;
  fail("{}: {} - {} does not fit {}", what, a, b, checked_detail::type_text<R>());
}

// unit * dims[0] * dims[1] * ... (e.g. element size times a tensor shape), or nullopt.
template <std::integral D>
constexpr std::optional<uint64_t> product_exact(std::span<const D> dims, uint64_t unit = 1) {
  uint64_t n = unit;
  for (const D d : dims)
    if (__builtin_mul_overflow(n, d, &n)) return std::nullopt;
  return n;
}
// The same, throwing "<what>: [d0, d1, ...] x unit does not fit an unsigned 64-bit integer".
template <std::integral D>
uint64_t checked_product(std::span<const D> dims, uint64_t unit, std::string_view what) {
  if (auto r = product_exact(dims, unit)) return *r;
  std::string shape;
  for (const D d : dims) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  fail("{}: [{}] x {} does not fit {}", what, shape, unit, checked_detail::type_text<uint64_t>());
}

// Saturating arithmetic: the exact result clamped to [min, max] of T.
template <std::integral T>
constexpr T sat_add(T a, T b) {
  T r{};
  if (!__builtin_add_overflow(a, b, &r)) return r;
  if constexpr (std::is_signed_v<T>) return b < 0 ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
  return std::numeric_limits<T>::max();
}
template <std::integral T>
constexpr T sat_mul(T a, T b) {
  T r{};
  if (!__builtin_mul_overflow(a, b, &r)) return r;
  if constexpr (std::is_signed_v<T>)
    return (a < 0) != (b < 0) ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
  return std::numeric_limits<T>::max();
}

// x rounded to nearest (ties away from zero, as llround) and clamped to T's range; NaN
// gives T's max ("never"), so a NaN duration cannot turn into a short one. Converting a
// double beyond the target's range is undefined behaviour in C++; this never does it.
template <std::integral T>
T saturating_round(double x) {
  constexpr double kMax = double(std::numeric_limits<T>::max());  // rounds up to 2^bits
  constexpr double kMin = double(std::numeric_limits<T>::min());
  if (std::isnan(x)) return std::numeric_limits<T>::max();
  const double r = std::round(x);
  if (r >= kMax) return std::numeric_limits<T>::max();
  if (r <= kMin) return std::numeric_limits<T>::min();
  return T(r);
}

}  // namespace npulab
