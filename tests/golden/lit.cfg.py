# lit configuration of npulab's golden-text tests (docs/TESTING.md): every *.test and *.s
# file below runs its RUN: lines and checks the output with FileCheck, as LLVM and MLIR
# test their compilers. ctest runs this suite (tests/CMakeLists.txt); by hand:
#   python3 <lit.py> -sv tests/golden --param npulab=build/npulab \
#       --param llvm_bin=/usr/lib/llvm-14/bin --param exec_root=build/golden
import os

import lit.formats

config.name = "npulab-golden"
config.test_format = lit.formats.ShTest(execute_external=False)  # lit's own portable shell
config.suffixes = [".test", ".s"]
config.excludes = ["lit.cfg.py"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))


def param(name):
    value = lit_config.params.get(name)
    if not value:
        lit_config.fatal(f"missing --param {name}=... (ctest passes npulab, llvm_bin and exec_root)")
    return value


config.test_exec_root = os.path.abspath(param("exec_root"))  # %t files go here, not into the sources
repo = os.path.dirname(os.path.dirname(config.test_source_root))
config.substitutions.append(("%npulab", os.path.abspath(param("npulab"))))
config.substitutions.append(("%fixtures", os.path.join(repo, "tests", "llm", "fixtures")))
config.substitutions.append(("%models", os.path.join(repo, "models")))
# FileCheck and not come from LLVM's tools directory (Debian: llvm-14-tools).
config.environment["PATH"] = os.pathsep.join([os.path.abspath(param("llvm_bin")), os.environ.get("PATH", "")])
# Shown with every run, so a failing GOLDEN: check points at the way to accept an intended change.
lit_config.note("GOLDEN: lines are generated; after an intended compiler change run "
                "`python3 scripts/update_golden.py`, review `git diff tests/golden` (docs/TESTING.md)")
