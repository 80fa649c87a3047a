// The validation summary bench quotes: the committed file gives each family's metrics with
// their case counts, a family without cases gives none, and a malformed file is an error
// naming it.
#include "validate/expected_error.h"

#include <gtest/gtest.h>

#include <fstream>

#include "../error_of.h"

namespace npulab::validate {
namespace {

TEST(ExpectedError, CommittedSummaryHasBothFamilies) {
  const auto path = arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test");
  for (const char* family : {"npu", "gpu"}) {
    const std::vector<serve::FigureError> e = expected_errors_for(family, path);
    ASSERT_FALSE(e.empty()) << family;
    for (const serve::FigureError& f : e) {
      EXPECT_GE(f.median_abs_pct, 0) << family << " " << f.metric;
      EXPECT_GE(f.cases, 1) << family << " " << f.metric;
    }
  }
  EXPECT_TRUE(expected_errors_for("tpu", path).empty());
}

TEST(ExpectedError, MalformedSummaryNamesTheFile) {
  const std::string file = testing::TempDir() + "bad_expected_error.json";
  std::ofstream(file) << R"({"errors": {"npu": {"ttft": {"cases": 2}}}})";
  const std::string e = test_support::error_of([&] { expected_errors_in(file, "npu"); });
  EXPECT_NE(e.find(file), std::string::npos) << e;
  EXPECT_NE(e.find("npulab validate --write-errors"), std::string::npos) << e;
}

}  // namespace
}  // namespace npulab::validate
