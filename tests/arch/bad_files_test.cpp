// Bad hardware descriptions (fixtures in tests/arch/bad/, each hw/trn2.toml with one
// defect) must give an npulab::Error naming the file, the table.key and what was expected.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "arch/chip.h"
#include "common/error.h"

namespace {

struct BadCase {
  const char* fixture;                  // tests/arch/bad/<fixture>.toml
  std::vector<std::string> must_contain;  // besides the file name
};

std::string fixture_path(const std::string& name) {
  return std::string(NPULAB_SOURCE_DIR) + "/tests/arch/bad/" + name + ".toml";
}

class BadFile : public testing::TestWithParam<BadCase> {};

TEST_P(BadFile, ErrorNamesFileKeyAndExpectation) {
  const BadCase& c = GetParam();
  const std::string path = fixture_path(c.fixture);
  try {
    npulab::arch::load_chip(path);
    FAIL() << path << " loaded without error";
  } catch (const npulab::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(std::string(c.fixture) + ".toml"), std::string::npos) << msg;
    for (const auto& s : c.must_contain) EXPECT_NE(msg.find(s), std::string::npos) << s << " in: " << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, BadFile,
    testing::Values(
        BadCase{"unknown_key", {"tensor.rowz", "unknown key", "rows"}},
        BadCase{"missing_key", {"scalar.lanes", "missing"}},
        BadCase{"misspelt_key", {"tensor.rowz", "unknown key", "did you mean 'rows'"}},
        BadCase{"zero_size", {"sbuf.bytes_per_partition", "an integer in [64, 16777216]", "got 0"}},
        BadCase{"zero_clock", {"vector.clock_ghz", "a number in [0.01, 100]", "got 0"}},
        BadCase{"negative_int", {"dma.engines_per_core", "an integer in [1, 256]", "-16"}},
        BadCase{"negative_float", {"hbm.bandwidth_gbps", "a number in [0.001, 1000000]", "-2900"}},
        BadCase{"wrong_type_string", {"chip.cores_per_chip", "integer", "string \"8\""}},
        BadCase{"wrong_type_float", {"tensor.rows", "integer", "float 128.5"}},
        BadCase{"wrong_type_name", {"chip.name", "expected a string", "integer 2"}},
        BadCase{"missing_table", {"missing table [link]"}},
        BadCase{"unknown_table", {"cache", "unknown table"}},
        BadCase{"sbuf_banks", {"sbuf.banks", "unknown key"}},
        BadCase{"too_big_u32", {"psum.banks", "an integer in [1, 1024]", "8589934592"}},
        // Line 23 of the fixture is the broken `rows = = 128`.
        BadCase{"syntax_error", {"syntax_error.toml:25:", "TOML syntax error"}}),
    [](const testing::TestParamInfo<BadCase>& i) { return std::string(i.param.fixture); });

TEST(BadFile, MissingFileIsAnError) {
  try {
    npulab::arch::load_chip("/nonexistent/dir/chip.toml");
    FAIL();
  } catch (const npulab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/chip.toml"), std::string::npos);
  }
}

TEST(BadFile, UnknownChipNameListsBuiltins) {
  try {
    npulab::arch::load_chip_by_name("trn9");
    FAIL();
  } catch (const npulab::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown chip 'trn9'"), std::string::npos) << msg;
    for (const char* n : {"inf2", "trn1", "trn2", "trn3"}) EXPECT_NE(msg.find(n), std::string::npos) << msg;
  }
}

// Guard against the fixtures silently drifting into valid files: the unmodified source
// they are made from must load.
TEST(BadFile, FixtureBaseIsValid) {
  EXPECT_NO_THROW(npulab::arch::load_chip(std::string(NPULAB_SOURCE_DIR) + "/hw/trn2.toml"));
}

}  // namespace
