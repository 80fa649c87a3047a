// Plain binary encoding for what ranks send each other: trivially copyable values as their
// bytes, strings and vectors with a length first. Both ends are the same binary on the same
// machine kind (mpirun launches one executable), so no byte-order or layout negotiation;
// the reader checks every length against what is left, so a short message is an error, not
// a read past the end.
#pragma once
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "dist/comm.h"

namespace npulab::dist {

class ByteWriter {
 public:
  template <class T>
    requires std::is_trivially_copyable_v<T>
  void put(const T& v) {
    append(&v, sizeof(T));
  }
  void put(const std::string& s) {
    put(uint64_t(s.size()));
    append(s.data(), s.size());
  }
  template <class T>
    requires std::is_trivially_copyable_v<T>
  void put(const std::vector<T>& v) {
    put(uint64_t(v.size()));
    append(v.data(), v.size() * sizeof(T));
  }
  Bytes take() { return std::move(out_); }

 private:
  // resize + memcpy rather than insert: GCC 12 warns (-Wstringop-overflow) on inserting
  // into a vector it proves empty.
  void append(const void* p, size_t n) {
    const size_t at = out_.size();
    out_.resize(at + n);
    if (n) std::memcpy(out_.data() + at, p, n);
  }
  Bytes out_;
};

class ByteReader {
 public:
  explicit ByteReader(const Bytes& in) : in_(in) {}
  template <class T>
    requires std::is_trivially_copyable_v<T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  std::string get_string() {
    const uint64_t n = get<uint64_t>();
    const auto* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  template <class T>
    requires std::is_trivially_copyable_v<T>
  std::vector<T> get_vector() {
    const uint64_t n = get<uint64_t>();
    if (n > (in_.size() - at_) / sizeof(T)) short_message(n * sizeof(T));
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));
    return v;
  }
  bool done() const { return at_ == in_.size(); }

 private:
  const uint8_t* take(uint64_t n) {
    if (n > in_.size() - at_) short_message(n);
    const uint8_t* p = in_.data() + at_;
    at_ += n;
    return p;
  }
  [[noreturn]] void short_message(uint64_t n) const {
    fail("internal: a message between ranks ends early: {} bytes wanted at {} of {}", n, at_, in_.size());
  }
  const Bytes& in_;
  size_t at_ = 0;
};

}  // namespace npulab::dist
