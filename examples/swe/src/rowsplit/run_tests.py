"""A tiny test runner: calls every test_* function in the given files (default: tests/test_*.py)
and prints one line per test, `TEST <module>.<function> ... PASS|FAIL|ERROR`. Exits 1 when a test
did not pass."""

import importlib.util
import pathlib
import sys
import traceback


def load(path):
    spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(paths):
    sys.path.insert(0, str(pathlib.Path.cwd()))
    paths = paths or sorted(str(p) for p in pathlib.Path("tests").glob("test_*.py"))
    bad = 0
    for path in paths:
        name = pathlib.Path(path).stem
        try:
            module = load(path)
        except Exception:
            traceback.print_exc()
            print("TEST %s ... ERROR" % name)
            bad += 1
            continue
        for attr in sorted(vars(module)):
            test = getattr(module, attr)
            if not attr.startswith("test_") or not callable(test):
                continue
            try:
                test()
                status = "PASS"
            except AssertionError:
                traceback.print_exc()
                status = "FAIL"
            except Exception:
                traceback.print_exc()
                status = "ERROR"
            bad += status != "PASS"
            print("TEST %s.%s ... %s" % (name, attr, status))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
