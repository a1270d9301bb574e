# Copyright (c) mmcorr contributors. All rights reserved.
"""Every repository path a Markdown page names (in backticks or as a link)
exists: no stale paths in the documentation."""
import glob
import os.path as osp
import re

import pytest

from paths import REPO

#: Top-level folders and files whose paths the pages name.
ROOTS = ('configs/', 'tools/', 'mmcorr/', 'tests/', 'demo/', 'benchmarks/',
         'docs/', 'requirements/', '.ci/')
#: Paths that installing mmcorr makes (setup.py's ``add_mim_extension``),
#: absent from a clone that was not installed.
MADE_BY_INSTALL = ('mmcorr/.mim', )
#: A path-like token: in backticks, or a Markdown link's target.
TOKEN = re.compile(r'`([^`\s]+)`|\]\(([^)\s]+)\)')


def markdown_pages():
    pages = glob.glob(osp.join(REPO, '*.md'))
    for folder in ('configs', 'docs', 'benchmarks', 'projects', 'tools',
                   'demo', 'tests'):
        pages += glob.glob(osp.join(REPO, folder, '**', '*.md'),
                           recursive=True)
    return sorted(pages)


def named_paths(text: str, page: str):
    """(path as written, path from the repo root) for each path token."""
    for match in TOKEN.finditer(text):
        token = (match.group(1) or match.group(2)).split('#')[0]
        token = token.split('::')[0].rstrip('.,;:)')  # pytest node ids
        if 'shared/parity' in token:  # moved into the repository
            yield token, 'tests/data/parity is where the fixtures are'
            continue
        if not token or '://' in token or any(c in token for c in '<>{}$'):
            continue
        if token.startswith(MADE_BY_INSTALL):
            continue
        if token.startswith(ROOTS):
            yield token, token
        elif match.group(2) and not token.startswith(('/', 'http')):
            yield token, osp.relpath(osp.join(osp.dirname(page), token),
                                     REPO)


def exists(path: str) -> bool:
    full = osp.join(REPO, path)
    if any(c in path for c in '*?['):
        return bool(glob.glob(full, recursive=True))
    return osp.exists(full)


@pytest.mark.parametrize('page', markdown_pages(),
                         ids=lambda p: osp.relpath(p, REPO))
def test_every_named_path_exists(page):
    with open(page, encoding='utf-8') as f:
        text = f.read()
    missing = sorted({written for written, path in named_paths(text, page)
                      if not exists(path)})
    assert not missing, f'{osp.relpath(page, REPO)} names paths that do ' \
        f'not exist: {missing}'
