# Copyright (c) mmcorr contributors. All rights reserved.
"""The package metadata carries ranges, the lock file the tested versions:
every requirement setup.py publishes is a range (no exact pin), every one
has a locked version inside its range, and the lock is what is installed."""
import os.path as osp
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from paths import REPO

METADATA_FILES = ('runtime', 'mminstall', 'tests', 'optional')


def requirements(name):
    with open(osp.join(REPO, 'requirements', f'{name}.txt')) as f:
        lines = [line.split('#', 1)[0].strip() for line in f]
    return [Requirement(line) for line in lines if line]


def lock():
    return {canonicalize_name(r.name): r for r in requirements('constraints')}


@pytest.mark.parametrize('name', METADATA_FILES)
def test_metadata_requirements_are_ranges_inside_the_lock(name):
    locked = lock()
    for requirement in requirements(name):
        specs = list(requirement.specifier)
        assert specs, f'{name}.txt: {requirement} has no range'
        assert not any(s.operator in ('==', '===') for s in specs), \
            f'{name}.txt: {requirement} is an exact pin (put it in ' \
            'constraints.txt)'
        key = canonicalize_name(requirement.name)
        assert key in locked, f'{requirement.name} is not in constraints.txt'
        version = next(iter(locked[key].specifier)).version
        assert requirement.specifier.contains(version, prereleases=True), \
            f'the locked {requirement.name}=={version} is outside {name}.txt' \
            f"'s range {requirement.specifier}"


def test_the_lock_is_exact_and_installed():
    for key, requirement in lock().items():
        (spec, ) = requirement.specifier
        assert spec.operator == '==', f'constraints.txt: {requirement}'
        try:
            installed = Version(metadata.version(requirement.name))
        except metadata.PackageNotFoundError:
            pytest.fail(f'{requirement.name} is locked but not installed')
        assert installed.public == Version(spec.version).public, \
            f'{requirement.name}: {installed} installed, {spec.version} locked'


def test_setup_publishes_the_ranges():
    import runpy
    import sys
    sys.path.insert(0, REPO)
    try:
        parse = runpy.run_path(osp.join(REPO, 'setup.py'),
                               run_name='not_main')['parse_requirements']
    finally:
        sys.path.remove(REPO)
    published = [str(Requirement(line)) for line in parse('runtime')]
    assert published == [str(r) for r in requirements('runtime')]
