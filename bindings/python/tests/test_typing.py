"""The type hints, checked with mypy: the package itself; typical use
(tests/typecheck/usage.py) under `--strict`, with sigv4rs found as an
installed package, which mypy reads only when it has a py.typed marker; and
misuse (tests/typecheck/misuse.py), each marked line with its error."""

import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_DIR = os.path.dirname(HERE)


def mypy(*args, cwd=PKG_DIR, python=sys.executable):
    # --cache-dir=/dev/null: no cache left in the tree.
    cmd = [sys.executable, "-m", "mypy", "--cache-dir=/dev/null", "--no-error-summary", "--show-error-codes",
           "--python-executable", python, *args]
    out = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    return out.returncode, out.stdout


def site_python(root, package):
    """An interpreter (a venv under `root`) whose site-packages has `package` as sigv4rs."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    py = str(root / "bin" / "python")
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
    os.symlink(str(package), os.path.join(site, "sigv4rs"))
    return py


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return site_python(tmp_path_factory.mktemp("site"), os.path.join(PKG_DIR, "sigv4rs"))


def test_package_hints_are_consistent():
    # urllib3's private helper has no stubs.
    code, out = mypy("--ignore-missing-imports", "sigv4rs")
    assert code == 0 and out == "", out


def test_typical_use_passes_strict(installed):
    code, out = mypy("--strict", os.path.join("typecheck", "usage.py"), cwd=HERE, python=installed)
    assert code == 0 and out == "", out


def test_installed_package_needs_py_typed(tmp_path):
    # The package without its marker is refused: so the test above read
    # the package's hints through py.typed.
    src = os.path.join(PKG_DIR, "sigv4rs")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    for name in os.listdir(src):
        if name.endswith(".py"):
            os.symlink(os.path.join(src, name), str(pkg / name))
    py = site_python(tmp_path / "site", pkg)
    code, out = mypy("--strict", os.path.join("typecheck", "usage.py"), cwd=HERE, python=py)
    assert code != 0 and "missing library stubs or py.typed marker" in out, out


def test_misuse_is_caught(installed):
    path = os.path.join(HERE, "typecheck", "misuse.py")
    with open(path, encoding="utf-8") as f:
        want = {(i, m.group(1)) for i, line in enumerate(f, 1) for m in [re.search(r"# error: ([\w-]+)$", line)]
                if m}
    code, out = mypy("--strict", path, cwd=HERE, python=installed)
    got = {(int(m.group(1)), m.group(2)) for m in re.finditer(r"^.*?misuse\.py:(\d+): error: .*\[([\w-]+)\]$",
                                                               out, re.M)}
    assert len(want) == 15 and got == want, out
