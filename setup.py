# Copyright (c) mmcorr contributors. All rights reserved.
"""Install mmcorr.

The OpenMMLab stack is not listed in ``install_requires`` (as in mmseg): mmcv must
be compiled against the local torch, see ``requirements/mminstall.txt`` and the
README. ``pip install -v -e .`` installs mmcorr and its pinned runtime needs.
"""
import os
import os.path as osp
import shutil
import sys
import warnings

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    namespace = {}
    with open(osp.join(HERE, 'mmcorr', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


def parse_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt`` without comments."""
    lines = []
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                lines.append(line)
    return lines


def add_mim_extension() -> None:
    """Ship ``configs/``, ``tools/`` and ``model-index.yml`` inside the
    package as ``mmcorr/.mim``.

    This is what lets another project write ``_base_ = 'mmcorr::...'``. Editable
    installs get symlinks, regular installs get copies.
    """
    mim_root = osp.join(HERE, 'mmcorr', '.mim')
    editable = any(arg in ('develop', 'editable_wheel') for arg in sys.argv)
    os.makedirs(mim_root, exist_ok=True)
    for name in ('configs', 'tools', 'model-index.yml'):
        src = osp.join(HERE, name)
        dst = osp.join(mim_root, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if editable:
            try:
                os.symlink(osp.relpath(src, mim_root), dst, osp.isdir(src))
                continue
            except OSError:
                warnings.warn(f'could not symlink {dst}; copying instead')
        if osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmcorr',
        version=read_version(),
        description='OpenMMLab toolbox for dense correlation and feature '
        'alignment',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        keywords='computer vision, correlation, semantic flow, segmentation',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'demo',
                                        'benchmarks', 'projects')),
        include_package_data=True,
        package_data={'mmcorr': ['.mim/configs/**/*', '.mim/tools/**/*',
                                  '.mim/model-index.yml',
                                  'apis/web_demo.html']},
        python_requires='>=3.9',
        license='Apache License 2.0',
        install_requires=parse_requirements('runtime'),
        extras_require={
            'tests': parse_requirements('tests'),
            'optional': parse_requirements('optional'),
            'mim': parse_requirements('mminstall'),
        },
        zip_safe=False)
