// Minimal reader of the protobuf wire format (enough for sentencepiece's ModelProto):
// varints, fixed32/64 and length-delimited fields; every length is checked against the
// bytes that remain, so truncated or corrupt files give an error, never a read past the end.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace npulab::llm::pb {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

class Reader {
 public:
  Reader(std::string_view data, std::string context) : d_(data), ctx_(std::move(context)) {}
  bool done() const { return pos_ >= d_.size(); }
  size_t offset() const { return pos_; }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= d_.size()) fail("{}: truncated varint at byte {}", ctx_, pos_);
      const auto b = static_cast<uint8_t>(d_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("{}: varint longer than 10 bytes at byte {}", ctx_, pos_);
  }
  // Reads a field key; returns false at the end of the message.
  bool next(uint32_t& field, WireType& type) {
    if (done()) return false;
    const uint64_t key = varint();
    field = static_cast<uint32_t>(key >> 3);
    type = static_cast<WireType>(key & 7);
    if (field == 0) fail("{}: invalid field number 0 at byte {}", ctx_, pos_);
    return true;
  }
  std::string_view bytes() {
    const uint64_t n = varint();
    if (n > d_.size() - pos_)
      fail("{}: field length {} at byte {} runs past the end ({} bytes left)", ctx_, n, pos_, d_.size() - pos_);
    const auto s = d_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  uint32_t fixed32() {
    if (d_.size() - pos_ < 4) fail("{}: truncated fixed32 at byte {}", ctx_, pos_);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(d_[pos_ + i])) << (8 * i);
    pos_ += 4;
    return v;
  }
  void skip(WireType type) {
    switch (type) {
      case kVarint: varint(); return;
      case kFixed64:
        if (d_.size() - pos_ < 8) fail("{}: truncated fixed64 at byte {}", ctx_, pos_);
        pos_ += 8;
        return;
      case kLen: bytes(); return;
      case kFixed32: fixed32(); return;
    }
    fail("{}: unsupported wire type {} at byte {}", ctx_, static_cast<uint32_t>(type), pos_);
  }
  // Checks the wire type of a known field.
  void expect(WireType got, WireType want, std::string_view field_name) const {
    if (got != want)
      fail("{}: field '{}' has wire type {}, expected {}", ctx_, field_name, static_cast<uint32_t>(got),
           static_cast<uint32_t>(want));
  }
  const std::string& context() const { return ctx_; }

 private:
  std::string_view d_;
  size_t pos_ = 0;
  std::string ctx_;
};

}  // namespace npulab::llm::pb
