"""Kept for Beam's --setup_file, which runs `python setup.py sdist` to ship the project to remote
workers. All metadata lives in setup.cfg."""

from setuptools import setup

setup()
