# Copyright (c) mmcorr contributors. All rights reserved.
"""The model-zoo metadata (OpenMMLab's model-index.yml and each method's
metafile.yaml): every config is listed once, every listed config and
README exists, every model's collection exists."""
import glob
import os.path as osp

import yaml

from paths import REPO


def load(path):
    with open(osp.join(REPO, path)) as f:
        return yaml.safe_load(f)


def metafiles():
    return load('model-index.yml')['Import']


def test_every_config_is_listed_once_and_exists():
    listed = []
    for metafile in metafiles():
        data = load(metafile)
        collections = {c['Name'] for c in data['Collections']}
        for collection in data['Collections']:
            assert osp.isfile(osp.join(REPO, collection['README'])), \
                f'{metafile}: README {collection["README"]} is missing'
            assert collection['Paper']['URL'].startswith('https://')
        for model in data['Models']:
            assert model['In Collection'] in collections, (metafile, model)
            assert osp.isfile(osp.join(REPO, model['Config'])), \
                f'{metafile} lists {model["Config"]}, which does not exist'
            assert model['Name'] == osp.splitext(
                osp.basename(model['Config']))[0]
            assert 'Weights' in model  # mmengine's metafile loader reads it
            for result in model.get('Results', []):
                assert result['Metrics'] and result['Task']
            listed.append(model['Config'])
    configs = sorted(
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
        if '_base_' not in p)
    assert len(listed) == len(set(listed)), 'a config is listed twice'
    assert sorted(listed) == configs, (
        f'not listed: {sorted(set(configs) - set(listed))}; listed but not '
        f'configs: {sorted(set(listed) - set(configs))}')


def test_every_metafile_is_imported():
    found = sorted(osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', '*', 'metafile.yaml')))
    assert sorted(metafiles()) == found
