// The communicator of a run that is one process: every collective is a copy of this rank's
// own bytes (the process is rank 0 of 1).
#include <cstdlib>
#include <memory>

#include "common/error.h"
#include "dist/comm.h"

namespace npulab::dist {
namespace {

class SingleComm final : public Comm {
 public:
  std::string_view name() const override { return "single"; }
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void barrier() override {}
  std::vector<Bytes> all_gather(const Bytes& mine) override { return {mine}; }
  std::vector<Bytes> gather(const Bytes& mine, int root) override {
    check_rank(root, "gather root");
    return {mine};
  }
  std::vector<Bytes> all_to_all(const std::vector<Bytes>& to) override {
    if (to.size() != 1) fail("internal: all_to_all with {} destinations on 1 rank", to.size());
    return to;
  }
  [[noreturn]] void abort(int code) override { std::exit(code); }

 private:
  static void check_rank(int r, const char* what) {
    if (r != 0) fail("internal: {} {} on a run of 1 rank", what, r);
  }
};

}  // namespace

std::unique_ptr<Comm> make_single_comm() { return std::make_unique<SingleComm>(); }

}  // namespace npulab::dist
