// Chips are found on a search path (arch/chip_search.h), not in a compiled-in directory:
// explicit directories, first match wins, the NPULAB_HW_PATH list, and an error that lists
// every directory searched.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "arch/chip.h"
#include "arch/chip_search.h"
#include "common/error.h"

namespace fs = std::filesystem;
using npulab::arch::ChipSearchPath;

namespace {

std::string trn2_text() {
  std::ifstream f(std::string(NPULAB_SOURCE_DIR) + "/hw/trn2.toml");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A fresh directory holding <name>.toml = trn2.toml with chip.name and description changed.
struct TempHw {
  fs::path dir;
  explicit TempHw(const std::string& tag) {
    dir = fs::temp_directory_path() / ("npulab_chip_search_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempHw() { fs::remove_all(dir); }
  void add(const std::string& name, const std::string& description) const {
    std::string t = trn2_text();
    const auto replace = [&](const std::string& a, const std::string& b) {
      const size_t at = t.find(a);
      ASSERT_NE(at, std::string::npos) << a;
      t.replace(at, a.size(), b);
    };
    replace("name = \"trn2\"", "name = \"" + name + "\"");
    replace("description = \"AWS Trainium2: 8 NeuronCore-v3, 96 GiB HBM\"", "description = \"" + description + "\"");
    std::ofstream(dir / (name + ".toml")) << t;
  }
};

TEST(ChipSearch, ListSplitsOnColonsAndSkipsEmptyEntries) {
  const ChipSearchPath p = ChipSearchPath::from_list("a::b/c:", "test");
  ASSERT_EQ(p.dirs.size(), 2u);
  EXPECT_EQ(p.dirs[0].path, "a");
  EXPECT_EQ(p.dirs[1].path, "b/c");
  EXPECT_EQ(p.dirs[1].origin, "test");
  EXPECT_TRUE(ChipSearchPath::from_list("", "test").dirs.empty());
}

TEST(ChipSearch, ExplicitDirectoryFirstMatchWins) {
  TempHw a("a"), b("b");
  a.add("mychip", "from a");
  b.add("mychip", "from b");
  b.add("other", "only in b");
  ChipSearchPath p;
  p.dirs = {{a.dir, "first"}, {b.dir, "second"}};
  EXPECT_EQ(npulab::arch::load_chip_by_name("mychip", p).description, "from a");
  EXPECT_EQ(npulab::arch::load_chip_by_name("other", p).description, "only in b");
  EXPECT_EQ(npulab::arch::chip_names(p), (std::vector<std::string>{"mychip", "other"}));
  EXPECT_EQ(npulab::arch::find_chip_file("mychip", p), a.dir / "mychip.toml");
}

TEST(ChipSearch, UnknownChipListsTheDirectoriesSearched) {
  TempHw a("err");
  a.add("mychip", "x");
  ChipSearchPath p;
  p.dirs = {{a.dir, "first"}, {"/nonexistent/npulab-hw", "second"}};
  try {
    npulab::arch::load_chip_by_name("trn99", p);
    FAIL() << "no error";
  } catch (const npulab::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("unknown chip 'trn99'"), std::string::npos) << m;
    EXPECT_NE(m.find("available: mychip"), std::string::npos) << m;
    EXPECT_NE(m.find(a.dir.string() + " (first)"), std::string::npos) << m;
    EXPECT_NE(m.find("/nonexistent/npulab-hw (second)"), std::string::npos) << m;
    EXPECT_NE(m.find("NPULAB_HW_PATH"), std::string::npos) << m;
  }
  ChipSearchPath none;
  EXPECT_THROW(npulab::arch::load_chip_by_name("trn2", none), npulab::Error);
}

TEST(ChipSearch, StandardPathPutsNpulabHwPathFirstThenTheExecutable) {
  TempHw a("env");
  a.add("trn2", "shadowed trn2");
  ASSERT_EQ(::setenv("NPULAB_HW_PATH", a.dir.c_str(), 1), 0);
  const ChipSearchPath p = ChipSearchPath::standard();
  const std::string shadowed = npulab::arch::load_chip_by_name("trn2").description;
  ::unsetenv("NPULAB_HW_PATH");
  ASSERT_GE(p.dirs.size(), 3u);
  EXPECT_EQ(p.dirs[0].path, a.dir);
  EXPECT_EQ(p.dirs[0].origin, "NPULAB_HW_PATH");
  EXPECT_EQ(p.dirs[1].path.filename(), "hw");
  EXPECT_TRUE(p.dirs[2].path.string().ends_with("/share/npulab/hw")) << p.dirs[2].path;
  EXPECT_EQ(shadowed, "shadowed trn2");
  // Without the variable, the build's hw/ (next to this test binary) has the real one.
  EXPECT_EQ(npulab::arch::load_chip_by_name("trn2").description, "AWS Trainium2: 8 NeuronCore-v3, 96 GiB HBM");
}

TEST(ChipSearch, PathsAreLoadedAsGiven) {
  TempHw a("path");
  a.add("mychip", "by path");
  ChipSearchPath none;
  EXPECT_EQ(npulab::arch::load_chip_by_name((a.dir / "mychip.toml").string(), none).description, "by path");
}

}  // namespace
