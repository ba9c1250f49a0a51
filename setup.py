"""Kept for Beam's --setup_file, which runs `python setup.py sdist` to ship the project to remote
workers. All metadata lives in setup.cfg.

It also builds the C extensions: `curation._langid` (curation/_langid.c, fastText language-id
prediction) and the C tokenizer `curation._bpe` (curation/_bpe.c). Its `build_ext` first runs
curation/_gen_unicode.py to write the pre-tokenizer's Unicode tables (_bpe_unicode.h) into the
build directory, from unicodedata2 (a build requirement in pyproject.toml).
"""

import importlib.util
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildExtWithTables(build_ext):
    """build_ext that generates _bpe_unicode.h before compiling."""

    def build_extensions(self):
        gen_dir = os.path.join(self.build_temp, "curation_gen")
        spec = importlib.util.spec_from_file_location(
            "_gen_unicode", os.path.join(HERE, "curation", "_gen_unicode.py")
        )
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
        gen.main(os.path.join(gen_dir, "_bpe_unicode.h"))
        for ext in self.extensions:
            ext.include_dirs.append(gen_dir)
        super().build_extensions()


extra_compile_args = [] if sys.platform == "win32" else ["-O3", "-std=gnu11", "-pthread"]
extra_link_args = [] if sys.platform == "win32" else ["-pthread"]

setup(
    ext_modules=[
        Extension(
            "curation._bpe",
            sources=["curation/_bpe.c"],
            extra_compile_args=extra_compile_args,
            extra_link_args=extra_link_args,
        ),
        Extension(
            "curation._langid",
            sources=["curation/_langid.c"],
            # the same float operations as fastText's, one rounding each: no fused multiply-add
            extra_compile_args=extra_compile_args + ([] if sys.platform == "win32" else ["-ffp-contract=off"]),
            extra_link_args=extra_link_args,
            libraries=[] if sys.platform == "win32" else ["m"],
        ),
    ],
    cmdclass={"build_ext": BuildExtWithTables},
)
