#include "kernels/host_io.h"

#include "common/error.h"

namespace npulab::kernels {

const isa::TensorDecl& find_tensor(const isa::Executable& exe, const std::string& name) {
  for (auto& t : exe.tensors)
    if (t.name == name) return t;
  fail("executable '{}' has no tensor '{}'", exe.name, name);
}

static uint64_t elems_of(const isa::TensorDecl& t) {
  uint64_t n = 1;
  for (auto d : t.shape) n *= d;
  return n;
}

void write_tensor(sim::Hbm& hbm, const isa::TensorDecl& t, const std::vector<float>& values) {
  const uint64_t n = elems_of(t);
  if (values.size() != n) fail("tensor '{}': {} values given, it has {} elements", t.name, values.size(), n);
  std::vector<uint8_t> bytes(n * dtype_size(t.dtype));
  convert_from_f32(t.dtype, values.data(), bytes.data(), n);
  hbm.write(t.hbm_offset, bytes.data(), bytes.size());
}

std::vector<float> read_tensor(const sim::Hbm& hbm, const isa::TensorDecl& t) {
  const uint64_t n = elems_of(t);
  std::vector<uint8_t> bytes(n * dtype_size(t.dtype));
  hbm.read(t.hbm_offset, bytes.data(), bytes.size());
  std::vector<float> out(n);
  convert_to_f32(t.dtype, bytes.data(), out.data(), n);
  return out;
}

std::vector<float> rounded(DType t, std::vector<float> v) {
  for (auto& x : v) x = round_to(t, x);
  return v;
}

std::vector<float> random_values(uint64_t n, uint64_t seed, float lo, float hi) {
  std::vector<float> v(n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  for (auto& x : v) {
    s += 0x9E3779B97F4A7C15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    x = lo + (hi - lo) * float(double(z >> 40) / double(1ull << 24));
  }
  return v;
}

}  // namespace npulab::kernels
