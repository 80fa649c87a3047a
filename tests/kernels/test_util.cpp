#include "test_util.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "kernels/host_io.h"

namespace npulab::kernels::test {

const arch::ChipConfig& trn2() {
  static const arch::ChipConfig c = arch::load_chip_by_name("trn2");
  return c;
}

RunOut run(const isa::Executable& exe, const std::map<std::string, std::vector<float>>& inputs,
           const arch::ChipConfig& chip) {
  sim::Chip sim(chip, sim::Mode::Functional);
  for (auto& [name, v] : inputs) write_tensor(sim.hbm(), find_tensor(exe, name), v);
  RunOut out;
  sim::SimOptions o;
  o.check_races = true;
  out.result = sim.run(exe, o);
  for (auto& t : exe.tensors)
    if (t.kind == isa::TensorDecl::Kind::Output) out.outputs[t.name] = read_tensor(sim.hbm(), t);
  return out;
}

sim::SimResult run_timing(const isa::Executable& exe, const arch::ChipConfig& chip) {
  sim::Chip sim(chip, sim::Mode::TimingOnly);
  sim::SimOptions o;
  o.check_races = false;
  return sim.run(exe, o);
}

std::vector<float> load_fixture(const std::string& name, std::vector<uint64_t>* shape) {
  const std::string path = std::string(NPULAB_SOURCE_DIR) + "/tests/kernels/fixtures/" + name;
  std::ifstream f(path);
  if (!f) throw std::runtime_error("missing fixture " + path + " (run tests/kernels/fixtures/gen.py)");
  std::string line;
  std::getline(f, line);
  std::istringstream hs(line);
  std::string word;
  hs >> word;
  std::vector<uint64_t> sh;
  uint64_t d;
  while (hs >> d) sh.push_back(d);
  if (shape) *shape = sh;
  std::vector<float> v;
  std::string tok;
  while (f >> tok) v.push_back(std::strtof(tok.c_str(), nullptr));
  return v;
}

::testing::AssertionResult all_close(const std::vector<float>& got, const std::vector<float>& want, double atol,
                                     double rtol) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " != " << want.size();
  size_t worst = 0;
  double worst_excess = -1;
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(double(got[i]) - double(want[i]));
    const double tol = atol + rtol * std::fabs(double(want[i]));
    if (!(err <= tol)) {  // NaN counts as bad
      ++bad;
      const double ex = std::isnan(err) ? 1e300 : err - tol;
      if (ex > worst_excess) worst_excess = ex, worst = i;
    }
  }
  if (!bad) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " elements out of tolerance; worst [" << worst
                                       << "] got " << got[worst] << " want " << want[worst];
}

}  // namespace npulab::kernels::test
