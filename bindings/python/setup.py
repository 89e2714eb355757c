"""Builds libsigv4rs.so with cargo (setuptools-rust) and ships it inside
the package: sigv4rs/libsigv4rs.so, loaded with ctypes.

The crate is at ../../ in the repository. The sdist carries a copy of its
sources under crate/ (setuptools cannot list files outside the project),
so `pip install sigv4rs-X.tar.gz` builds anywhere with Rust installed.
"""

import os
import shutil

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustExtension, Strip
from setuptools_rust.build import build_rust

HERE = os.path.dirname(os.path.abspath(__file__))
# What cargo needs to build the library (include/: the header, for C users
# of the sdist; benches/: cargo refuses the manifest without its [[bench]]).
CRATE_FILES = ["Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "src", "include", "benches"]
VENDORED = "crate"


def crate_dir():
    # In an unpacked sdist the copy; in the repository the crate itself.
    if os.path.exists(os.path.join(HERE, VENDORED, "Cargo.toml")):
        return VENDORED
    return os.path.join("..", "..")


if crate_dir() != VENDORED:
    # In the repository, not target/release: the tests and the other
    # bindings load that library, and a cdylib-only build would replace it.
    os.environ.setdefault("CARGO_TARGET_DIR", os.path.join(HERE, "..", "..", "target", "python"))


class sdist_with_crate(sdist):
    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        src = os.path.join(HERE, crate_dir())
        for name in CRATE_FILES:
            s, d = os.path.join(src, name), os.path.join(base_dir, VENDORED, name)
            if os.path.isdir(s):
                shutil.copytree(s, d, ignore=shutil.ignore_patterns("target", "*.orig", "*.rej"))
            else:
                os.makedirs(os.path.dirname(d), exist_ok=True)
                shutil.copy2(s, d)


class build_rust_plain_name(build_rust):
    # ctypes loads it by its own name: libsigv4rs.so, not
    # libsigv4rs.cpython-311-x86_64-linux-gnu.so (it is no extension module).
    def get_dylib_ext_path(self, ext, target_fname):
        path = super().get_dylib_ext_path(ext, target_fname)
        return os.path.join(os.path.dirname(path), "libsigv4rs.so")


class bdist_wheel_any_python(bdist_wheel):
    # The library does not link to Python: any Python 3, this platform.
    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(
    rust_extensions=[
        RustExtension(
            "sigv4rs.libsigv4rs",
            path=os.path.join(HERE, crate_dir(), "Cargo.toml"),
            binding=Binding.NoBinding,
            # The committed lock file: the versions the tests ran with.
            cargo_manifest_args=["--locked"],
            # Local symbols only; the exported sigv4rs_* stay.
            strip=Strip.All,
        )
    ],
    cmdclass={
        "sdist": sdist_with_crate,
        "build_rust": build_rust_plain_name,
        "bdist_wheel": bdist_wheel_any_python,
    },
)
