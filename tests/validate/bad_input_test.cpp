// The case loader refuses bad input with messages naming the file, the case and the field.
#include <gtest/gtest.h>

#include "../error_of.h"
#include "validate/case.h"

namespace npulab::validate {
namespace {

using test_support::error_of;

// A valid nccl case with `extra` appended to the case table and `setup`/`measured` bodies.
std::string nccl_case(const std::string& extra = "", const std::string& setup = "system = \"8xh100\"\nbytes = 1024\n",
                      const std::string& measured = "\"busbw_gbps\" = 300\n") {
  return "[[case]]\nid = \"c1\"\nsource = \"NCCL-212\"\ntrust = \"D\"\nkind = \"nccl\"\ntests = \"t\"\n" + extra +
         "[case.setup]\n" + setup + "[case.measured]\n" + measured;
}

std::string load_error(const std::string& text) {
  return error_of([&] { load_case_text(text, "x.toml"); });
}

TEST(ValidationLoader, AcceptsTheBaseCase) {
  const auto cases = load_case_text(nccl_case(), "x.toml");
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].id, "c1");
  EXPECT_TRUE(cases[0].run);
  EXPECT_EQ(cases[0].measured[0].metric, "busbw_gbps");
}

TEST(ValidationLoader, MissingFieldNamesIt) {
  const std::string e = load_error(nccl_case("", "system = \"8xh100\"\n"));
  EXPECT_NE(e.find("x.toml: case 'c1': setup.bytes: missing"), std::string::npos) << e;
  const std::string t = load_error("[[case]]\nid = \"c1\"\nsource = \"S\"\ntrust = \"M\"\nkind = \"nccl\"\n"
                                   "[case.setup]\nsystem = \"8xh100\"\nbytes = 1\n[case.measured]\n\"time_us\" = 1\n");
  EXPECT_NE(t.find("case 'c1': tests: missing"), std::string::npos) << t;
}

TEST(ValidationLoader, UnknownKeyIsRefused) {
  const std::string e = load_error(nccl_case("", "system = \"8xh100\"\nbytes = 1024\nbyets = 3\n"));
  EXPECT_NE(e.find("x.toml: case 'c1': setup.byets: unknown key"), std::string::npos) << e;
  const std::string top = load_error(nccl_case("colour = \"red\"\n"));
  EXPECT_NE(top.find("case 'c1': colour: unknown key"), std::string::npos) << top;
}

TEST(ValidationLoader, WrongTypeNamesExpectation) {
  const std::string e = load_error(nccl_case("", "system = \"8xh100\"\nbytes = \"1K\"\n"));
  EXPECT_NE(e.find("setup.bytes: expected an integer, got a string"), std::string::npos) << e;
  const std::string m = load_error(nccl_case("", "system = \"8xh100\"\nbytes = 1024\n", "\"busbw_gbps\" = \"fast\"\n"));
  EXPECT_NE(m.find("measured.busbw_gbps: expected a number, got a string"), std::string::npos) << m;
}

TEST(ValidationLoader, UnknownKindListsTheKinds) {
  std::string text = nccl_case();
  text.replace(text.find("kind = \"nccl\""), 13, "kind = \"vibes\"");
  const std::string e = load_error(text);
  EXPECT_NE(e.find("case 'c1': kind: unknown kind 'vibes' (known: serving, kernel, collective, nccl)"), std::string::npos)
      << e;
}

TEST(ValidationLoader, MetricMustBelongToTheKind) {
  const std::string e = load_error(nccl_case("", "system = \"8xh100\"\nbytes = 1024\n", "\"ttft_ms.p50\" = 5\n"));
  EXPECT_NE(e.find("measured.ttft_ms.p50: not a metric of kind 'nccl'"), std::string::npos) << e;
}

TEST(ValidationLoader, TrustExpressibilityAndIds) {
  std::string t = nccl_case();
  t.replace(t.find("trust = \"D\""), 11, "trust = \"X\"");
  EXPECT_NE(load_error(t).find("trust: expected one of M, M-3p, D, T, got 'X'"), std::string::npos) << load_error(t);
  EXPECT_NE(load_error(nccl_case("expressible = false\n")).find("reason: missing"), std::string::npos);
  EXPECT_NE(load_error(nccl_case("reason = \"x\"\n")).find("reason: given for an expressible case"), std::string::npos);
  EXPECT_NE(load_error(nccl_case() + nccl_case().substr(0)).find("case 'c1': id used twice"), std::string::npos);
  EXPECT_NE(load_error(nccl_case("fitted = [\"time_us\"]\nfitted_by = \"p\"\n")).find("fitted: 'time_us' is not one of"),
            std::string::npos);
  EXPECT_NE(load_error(nccl_case("fitted = [\"busbw_gbps\"]\n")).find("fitted and fitted_by go together"),
            std::string::npos);
  // A case not expressible yet keeps its typed setup but names nothing that must exist.
  const auto later = load_case_text(nccl_case("expressible = false\nreason = \"later\"\n",
                                              "system = \"16xh900\"\nbytes = 1024\n"),
                                    "x.toml");
  EXPECT_FALSE(later[0].run);
}

TEST(ValidationLoader, ServingSetupIsChecked) {
  const std::string head = "[[case]]\nid = \"s\"\nsource = \"S\"\ntrust = \"M\"\nkind = \"serving\"\ntests = \"t\"\n";
  const std::string base = "system = \"h100\"\nmodel = \"llama-3.1-8b\"\ndtype = \"fp8\"\nisl = \"128\"\nosl = \"16\"\n"
                           "requests = 4\n";
  const std::string meas = "[case.measured]\n\"output_tok_s\" = 1000\n";
  const std::string bad_load = load_error(head + "[case.setup]\n" + base + "load = \"sometimes\"\n" + meas);
  EXPECT_NE(bad_load.find("setup.load: expected one of offline, concurrency, rate, got 'sometimes'"), std::string::npos)
      << bad_load;
  const std::string no_conc = load_error(head + "[case.setup]\n" + base + "load = \"concurrency\"\n" + meas);
  EXPECT_NE(no_conc.find("setup.concurrency: missing"), std::string::npos) << no_conc;
  const std::string model = load_error(head + "[case.setup]\n" +
                                       std::string(base).replace(base.find("llama-3.1-8b"), 12, "llama-9") +
                                       "load = \"offline\"\n" + meas);
  EXPECT_NE(model.find("setup.model: 'llama-9' is not a built-in config"), std::string::npos) << model;
  const std::string isl = load_error(head + "[case.setup]\n" +
                                     std::string(base).replace(base.find("\"128\""), 5, "\"normal:5\"") +
                                     "load = \"offline\"\n" + meas);
  EXPECT_NE(isl.find("case 's': setup.isl"), std::string::npos) << isl;
}

TEST(ValidationLoader, SyntaxErrorsNameTheLine) {
  const std::string e = load_error("[[case]]\nid = \n");
  EXPECT_NE(e.find("x.toml:2:"), std::string::npos) << e;
  EXPECT_NE(load_error("[thing]\n").find("unknown top-level key 'thing'"), std::string::npos);
}

}  // namespace
}  // namespace npulab::validate
