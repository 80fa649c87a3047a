// The message of the npulab::Error a callable throws ("" if it throws none), for tests that
// check what an error names. Shared by the test suites (header only: each suite is its own
// binary).
#pragma once
#include <functional>
#include <string>

#include "common/error.h"

namespace npulab::test_support {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace npulab::test_support
