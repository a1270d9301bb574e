# Copyright (c) mmcorr contributors. All rights reserved.
"""The demo/benchmark entries read from configs/*/benchmark.yaml: every
entry is well formed, seeds expand as documented, and a bad file is
refused with a message naming it. (``make demo-smoke``, run by CI, runs
every entry end to end on tiny data.)"""
import os
import os.path as osp
import shutil
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))

from demo_runner.entries import EntryError, load_entries, tasks_of  # noqa
from demo_runner.extras import EXTRAS  # noqa


@pytest.fixture(scope='module')
def entries():
    return load_entries(REPO, EXTRAS)


def test_every_task_has_demo_and_benchmark_entries(entries):
    assert tasks_of(entries) == ['seg', 'corr', 'cosal', 'vos', 'panoptic']
    for task in tasks_of(entries):
        suites = {s for e in entries if e.task == task for s in e.suites}
        assert suites == {'demo', 'benchmark'}, task


def test_entries_point_at_real_configs_and_known_extras(entries):
    for entry in entries:
        assert osp.isfile(osp.join(REPO, entry.config)), entry.name
        for baseline in entry.baselines:
            assert osp.isfile(osp.join(REPO, baseline.config))
        for extra in entry.extras:
            assert extra['type'] in EXTRAS
            for key in ('config', 'finetune_config'):
                if key in extra:
                    assert osp.isfile(osp.join(REPO, extra[key]))


def test_seeds_expand_first_in_its_suites_then_benchmark_with_a_mean(
        entries):
    by_name = {e.name: e for e in entries}
    first = by_name['SFNet correspondence (frozen ImageNet Lite0) seed 0']
    second = by_name['SFNet correspondence (frozen ImageNet Lite0) seed 1']
    assert first.suites == ('demo', 'benchmark')
    assert second.suites == ('benchmark', )
    assert first.options == ('randomness.seed=0', )
    assert second.options == ('randomness.seed=1', )
    assert [e['type'] for e in first.extras] == [
        'middlebury', 'homography_pair', 'match_pictures']
    assert [e['type'] for e in second.extras] == ['seed_mean']
    adaptis = by_name['AdaptIS (ImageNet Lite0) seed 1']
    assert [e['type'] for e in adaptis.extras] == [
        'proposal_stage', 'panoptic_seed_mean']


def _repo_with(tmp_path, text):
    os.makedirs(tmp_path / 'configs' / 'm')
    shutil.copy(osp.join(REPO, 'configs/fpn/'
                         'fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py'),
                tmp_path / 'configs' / 'm' / 'c.py')
    (tmp_path / 'configs' / 'm' / 'benchmark.yaml').write_text(text)
    return str(tmp_path)


ENTRY = ('entries:\n  - {name: M, task: seg, dataset: ShapeScenes, '
         'config: configs/m/c.py, metrics: [mIoU]')


@pytest.mark.parametrize('tail,words', [
    (', baselines: [nobody]}', "baseline 'nobody' is defined in no"),
    (', colour: red}', "unknown keys \\['colour'\\]"),
    (', extras: [paint]}', "extra 'paint' is not one of"),
    (', suites: [nightly]}', "suite 'nightly' is not one of"),
    ('}\n  - {name: N, task: seg, dataset: Nowhere, config: configs/m/c.py,'
     ' metrics: [mIoU]}', "dataset 'Nowhere' is not one of"),
])
def test_bad_files_are_refused_naming_the_file(tmp_path, tail, words):
    repo = _repo_with(tmp_path, ENTRY + tail + '\n')
    with pytest.raises(EntryError, match=words) as error:
        load_entries(repo, EXTRAS)
    assert 'configs/m/benchmark.yaml' in str(error.value)


def test_a_missing_config_is_named(tmp_path):
    repo = _repo_with(tmp_path, ENTRY.replace('c.py', 'gone.py') + '}\n')
    with pytest.raises(EntryError, match='configs/m/gone.py does not exist'):
        load_entries(repo, EXTRAS)


class _InstantWorker:
    """Stands in for a task's ``run_demo.py`` process: it is done at the
    first poll; records the tasks started and how many ran at once."""
    started: list = []
    running = 0
    most_at_once = 0

    def __init__(self, cmd, env):
        self.task = cmd[cmd.index('--task') + 1]
        _InstantWorker.started.append(self.task)
        _InstantWorker.running += 1
        _InstantWorker.most_at_once = max(_InstantWorker.most_at_once,
                                          _InstantWorker.running)
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            self.returncode = 0
            _InstantWorker.running -= 1
        return self.returncode


@pytest.mark.parametrize('suite', ['demo', 'benchmark'])
def test_workers_start_in_the_suites_order_jobs_at_a_time(
        tmp_path, monkeypatch, suite):
    from demo_runner import runner
    monkeypatch.setattr(runner.subprocess, 'Popen', _InstantWorker)
    monkeypatch.setattr(runner.time, 'sleep', lambda s: None)
    _InstantWorker.started, _InstantWorker.most_at_once = [], 0
    tasks = ['seg', 'corr', 'cosal', 'vos', 'panoptic', 'newtask']
    rows, failures, runs = runner.run_in_workers(
        tasks, suite, str(tmp_path), 2, [])
    assert _InstantWorker.started == \
        list(runner.TASK_ORDER[suite]) + ['newtask']
    assert _InstantWorker.most_at_once == 2
    # no worker wrote a table here: each task is reported, none dropped
    assert rows == [] and len(failures) == len(tasks)
