// Read-only memory map of a whole file (RAII). Checkpoints are mapped, never read into RAM.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace npulab::llm {

class MappedFile {
 public:
  // Throws npulab::Error naming `path` if it cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace npulab::llm
