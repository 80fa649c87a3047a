// The committed validation cases: every file loads strictly, every source tag is documented,
// and the expected-error summary names only cases that exist.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "validate/case.h"
#include "validate/kinds.h"

namespace npulab::validate {
namespace {

const std::string kDir = std::string(NPULAB_SOURCE_DIR) + "/data/validation";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ValidationCases, EveryCommittedFileLoads) {
  const std::vector<Case> cases = load_cases(kDir);
  size_t runnable = 0, waiting = 0;
  std::set<std::string> kinds;
  for (const Case& c : cases) {
    EXPECT_FALSE(c.measured.empty()) << c.id;
    EXPECT_EQ(bool(c.run), c.expressible) << c.id;
    EXPECT_EQ(c.reason.empty(), c.expressible) << c.id;
    (c.expressible ? runnable : waiting)++;
    if (c.expressible) kinds.insert(c.kind);
  }
  EXPECT_GE(runnable, 85u);  // with the inf2.48xlarge TP24 rows (heads padded, llm/compile/tp_padding.h)
  EXPECT_GE(waiting, 30u);   // rows with what npulab does not model (int8 weights, kernel versions, ...)
  for (const CaseKind& k : case_kinds()) EXPECT_TRUE(kinds.count(k.name)) << "no runnable case of kind " << k.name;
}

TEST(ValidationCases, SourcesAreDocumentedReferences) {
  const std::string refs = slurp(std::string(NPULAB_SOURCE_DIR) + "/docs/REFERENCES.md");
  for (const Case& c : load_cases(kDir))
    EXPECT_NE(refs.find("[" + c.source + "]"), std::string::npos)
        << c.id << ": source [" << c.source << "] is not in docs/REFERENCES.md";
}

TEST(ValidationCases, ExpectedErrorsNameExistingCases) {
  std::set<std::string> ids;
  for (const Case& c : load_cases(kDir))
    if (c.expressible) ids.insert(c.id);
  const nlohmann::json j = nlohmann::json::parse(slurp(kDir + "/expected_error.json"));
  size_t groups = 0;
  for (const auto& [system_kind, fams] : j.at("errors").items()) {
    EXPECT_TRUE(system_kind == "npu" || system_kind == "gpu") << system_kind;
    for (const auto& [fam, e] : fams.items()) {
      ++groups;
      EXPECT_TRUE(fam == "ttft" || fam == "tpot" || fam == "throughput") << fam;
      const auto listed = e.at("case_ids").get<std::vector<std::string>>();
      EXPECT_EQ(listed.size(), e.at("cases").get<size_t>());
      for (const std::string& id : listed) EXPECT_TRUE(ids.count(id)) << system_kind << "." << fam << ": " << id;
      EXPECT_GE(e.at("median_abs_error_pct").get<double>(), 0);
    }
  }
  EXPECT_GE(groups, 4u);
}

}  // namespace
}  // namespace npulab::validate
