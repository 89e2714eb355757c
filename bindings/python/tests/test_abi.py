"""The binding's ABI facts come from the generated table (sigv4rs/_abi.py,
written by `make header` from the Rust sources): struct layouts, statuses,
version. These tests check the binding against the table, the table
against the library and Cargo.toml, and that a status added to the table
needs no edit in the binding."""

import os
import re
import shutil
import subprocess
import sys

import pytest

import sigv4rs
from sigv4rs import _abi, _ffi

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_DIR = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(PKG_DIR))


def read(*path):
    with open(os.path.join(*path), encoding="utf-8") as f:
        return f.read()


def test_struct_layouts_match_the_abi():
    assert _ffi.layout_errors() == []
    assert set(_ffi.STRUCTS) <= set(_abi.LAYOUTS)


@pytest.mark.parametrize("change", ["size", "offset", "new field"])
def test_layout_check_finds_a_difference(change):
    layouts = {name: (size, dict(fields)) for name, (size, fields) in _abi.LAYOUTS.items()}
    size, fields = layouts["sigv4rs_request"]
    if change == "size":
        layouts["sigv4rs_request"] = (size + 8, fields)
    elif change == "offset":
        fields["payload"] += 8
    else:
        fields["trailer"] = size
    errors = _ffi.layout_errors(layouts)
    assert len(errors) == 1 and errors[0].startswith("sigv4rs_request: "), errors


def test_version_comes_from_cargo_toml():
    cargo = re.search(r'^version = "([^"]+)"', read(ROOT, "Cargo.toml"), re.M).group(1)
    assert sigv4rs.__version__ == cargo
    assert sigv4rs.version() == cargo  # the library loaded


def test_no_version_typed_in_the_binding():
    pyproject = read(PKG_DIR, "pyproject.toml")
    assert re.search(r'^dynamic = \["version"\]$', pyproject, re.M)
    assert re.search(r'^version = \{ ?attr = "sigv4rs._abi.VERSION" ?\}$', pyproject, re.M)
    assert not re.search(r"^version = \"", pyproject, re.M)
    pkg = os.path.join(PKG_DIR, "sigv4rs")
    for name in os.listdir(pkg):
        if name.endswith(".py") and name != "_abi.py":
            assert _abi.VERSION not in read(pkg, name), name


def test_loader_refuses_another_abi(monkeypatch):
    monkeypatch.setattr(_abi, "ABI_VERSION", (0, 99))
    with pytest.raises(OSError) as e:
        _ffi._load()
    msg = str(e.value)
    assert sigv4rs.library_path() in msg and "version %s" % sigv4rs.version() in msg and "ABI 0.99" in msg


# Run against a copy of the package whose table has two more statuses.
NEW_STATUS_CHECK = """
import sigv4rs
from sigv4rs import errors
for code, name, cls_name, is_input in ((5, "WIDGET_BUSY", "WidgetBusyError", False),
                                       (160, "INVALID_WIDGET", "InvalidWidgetError", True)):
    cls = getattr(sigv4rs, cls_name)
    assert (cls.code, cls.status, cls.__name__) == (code, name, cls_name)
    assert issubclass(cls, sigv4rs.Error) and issubclass(cls, sigv4rs.InvalidInputError) == is_input
    assert issubclass(cls, ValueError) == is_input
    assert cls_name in sigv4rs.__all__ and cls_name in errors.__all__
    err = errors.from_status(code, "sign")
    assert type(err) is cls and str(err) == "sign: %s [%s=%d]" % (name.lower().replace("_", " "), name, code)
print("ok")
"""


def test_a_new_status_needs_no_binding_edit(tmp_path):
    assert not hasattr(sigv4rs, "InvalidWidgetError")
    shutil.copytree(os.path.join(PKG_DIR, "sigv4rs"), str(tmp_path / "sigv4rs"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    table = tmp_path / "sigv4rs" / "_abi.py"
    statuses = sorted(_abi.STATUSES + ((5, "WIDGET_BUSY", "WidgetBusy", "widget busy"),
                                       (160, "INVALID_WIDGET", "InvalidWidget", "invalid widget")))
    block = "STATUSES = (\n" + "".join("    %r,\n" % (st,) for st in statuses) + ")\n"
    text, n = re.subn(r"^STATUSES = \(\n.*?^\)\n", lambda m: block, table.read_text(), flags=re.M | re.S)
    assert n == 1
    table.write_text(text)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, "-c", NEW_STATUS_CHECK], env=env, cwd=str(tmp_path),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert out.returncode == 0 and out.stdout == "ok\n", out.stdout
