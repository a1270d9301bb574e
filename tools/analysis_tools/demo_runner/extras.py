# Copyright (c) mmcorr contributors. All rights reserved.
"""Steps after an entry's test: ``(runner, entry, result, **params) ->
(files, extra rows)``. Their parameters come from the entry's
``benchmark.yaml`` (``{type: name, param: value}``)."""
import glob
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

from .entries import DATASETS, DemoEntry
from .runner import (REPO, DemoRunner, Row, RunResult, read_json,
                     repo_path, run, tool)

COMPONENTS = 'connected components of the thing pixels'
STAGE1_SUFFIX = ', stage 1, random points'
IDENTITY = 'identity mapping'


def demo_script(name: str) -> str:
    return osp.join(REPO, 'demo', name)


def overlays(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """The prediction overlays ``tools/test.py --show-dir`` drew (the
    runner asks for them when an entry lists this extra)."""
    return sorted(glob.glob(osp.join(result.work_dir, 'overlays', '**',
                                     '*.png'), recursive=True)), []


def flow(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """The finest flow alignment module's flow on the first val image."""
    image = sorted(glob.glob(
        osp.join(result.data_root, 'img_dir', 'val', '*.png')))[0]
    out_dir = osp.join(result.work_dir, 'flow')
    run([sys.executable, tool('analysis_tools', 'visualize_flow.py'),
         repo_path(entry.config), result.checkpoint, image, '--out-dir',
         out_dir])
    return sorted(glob.glob(osp.join(out_dir, '*.png'))), []


def _pair_rows(name: str, label: str, report: dict,
               train_s: Optional[float]) -> List[Row]:
    return [Row(name, label, key, value, IDENTITY,
                report['identity'].get(key), train_s)
            for key, value in report['model'].items()
            if key.startswith('PCK')]


def middlebury(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """PCK on the Middlebury stereo pair, next to the identity mapping."""
    out = osp.join(result.work_dir, 'middlebury.json')
    run([sys.executable, tool('analysis_tools', 'eval_middlebury_pair.py'),
         repo_path(entry.config), '--checkpoint', result.checkpoint, '--out',
         out])
    report = read_json(out)
    height, width = report['image_size']
    return [out], _pair_rows(entry.name,
                             f'Middlebury motorcycle {width}x{height}',
                             report, result.train_s)


def homography_pair(runner: DemoRunner, entry: DemoEntry, result: RunResult,
                    pair_dir: str, label: str):
    """PCK on a real pair with its exact homography (``pair_dir``, e.g.
    Graffiti 1->3 from Debian's opencv-doc), next to the identity mapping,
    for the entry and its untrained baselines (their config's initial
    weights, e.g. training-free matching)."""
    if runner.smoke:
        return [], []  # not part of the smoke data
    rows, files = [], []
    runs = [(entry.name, entry.config, result.checkpoint)]
    runs += [(b.name, b.config, None) for b in entry.baselines
             if b.untrained and b.name != IDENTITY]
    for name, config, checkpoint in runs:
        out = osp.join(result.work_dir, f'pair_{len(files)}.json')
        run([sys.executable, tool('analysis_tools', 'eval_homography_pair.py'),
             repo_path(config), '--pair-dir', repo_path(pair_dir), '--out',
             out] + (['--checkpoint', checkpoint] if checkpoint else []))
        report = read_json(out)
        height, width = report['image_size']
        rows += _pair_rows(name, f'{label} {width}x{height} (real)', report,
                           result.train_s if checkpoint else None)
        files.append(out)
    return files, rows


def match_pictures(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """Matches, warped source and warped mask of the first held-out pair."""
    pairs = osp.join(result.data_root, 'pairs')
    out_dir = osp.join(result.work_dir, 'pictures')
    run([sys.executable, demo_script('correspondence_demo.py'),
         repo_path(entry.config), result.checkpoint,
         osp.join(pairs, '00000_src.png'), osp.join(pairs, '00000_tgt.png'),
         '--src-mask', osp.join(pairs, '00000_src_mask.png'), '--out-dir',
         out_dir])
    return sorted(glob.glob(osp.join(out_dir, '*.png'))), []


def _rows_against_baselines(runner: DemoRunner, entry: DemoEntry, name: str,
                            scores: Dict, train_s: Optional[float]
                            ) -> List[Row]:
    """One row per baseline of the entry and metric."""
    label = DATASETS[entry.dataset].label
    return [Row(name, label, key, scores.get(key), baseline.name,
                runner.baseline_scores(baseline).get(key), train_s)
            for baseline in entry.baselines for key in entry.metrics]


def other_test_config(runner: DemoRunner, entry: DemoEntry,
                      result: RunResult, config: str, label: str):
    """The trained weights tested with another test config (e.g. another
    input size)."""
    work_dir = osp.join(result.work_dir, osp.splitext(
        osp.basename(config))[0])
    metrics = runner.test(config, result.checkpoint, work_dir,
                          runner.options(config, result.data_root))
    return [osp.join(work_dir, 'metrics.json')], _rows_against_baselines(
        runner, entry, f'{entry.name}, {label}', metrics, result.train_s)


def seed_mean(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """The mean over the trained runs of this entry's config (its seeds)."""
    runs = [r for (config, untrained, _), r in runner.runs.items()
            if config == entry.config and not untrained and not r.error]
    if len(runs) < 2:
        raise RuntimeError(f'{len(runs)} successful seed(s) of '
                           f'{entry.config}: no mean to take')
    name = f'{entry.name.rsplit(" seed", 1)[0]}, mean of {len(runs)} seeds'
    train_s = sum(r.train_s for r in runs) / len(runs)
    scores = {key: sum(r.metrics[key] for r in runs) / len(runs)
              for key in entry.metrics}
    return [], _rows_against_baselines(runner, entry, name, scores, train_s)


def vos_pictures(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """The first held-out clip propagated: overlay strip and GIF."""
    clips = sorted(glob.glob(osp.join(result.data_root, 'JPEGImages',
                                      '480p', '*')))
    first = osp.join(clips[0].replace('JPEGImages', 'Annotations'),
                     '00000.png')
    out_dir = osp.join(result.work_dir, 'pictures')
    run([sys.executable, demo_script('video_propagation_demo.py'),
         repo_path(entry.config), result.checkpoint, '--frames-dir',
         clips[0], '--first-mask', first, '--out-dir', out_dir, '--gif',
         '--every', '4'])
    return [osp.join(out_dir, 'strip.jpg'),
            osp.join(out_dir, 'propagation.gif')], []


def cosal_pictures(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """Co-saliency maps and overlays of the first held-out group."""
    groups = sorted(glob.glob(osp.join(result.data_root, 'test', 'img', '*')))
    out_dir = osp.join(result.work_dir, 'pictures')
    run([sys.executable, demo_script('cosaliency_demo.py'),
         repo_path(entry.config), result.checkpoint, '--img-dir', groups[0],
         '--sism-dir', groups[0].replace(osp.join('test', 'img'),
                                         osp.join('test', 'SISMs')),
         '--out-dir', out_dir])
    return sorted(glob.glob(osp.join(out_dir, '*'))), []


def _reconstruction_error(config: str, checkpoint: str, frames: str,
                          frame_range: Sequence[int], gaps: Sequence[int],
                          out: str) -> dict:
    run([sys.executable, tool('analysis_tools', 'eval_reconstruction.py'),
         repo_path(config), checkpoint, '--frames-dir', repo_path(frames),
         '--frame-range', *map(str, frame_range), '--gaps', *map(str, gaps),
         '--out', out])
    return read_json(out)


def reconstruction(runner: DemoRunner, entry: DemoEntry, result: RunResult,
                   frames: str, frame_range: Sequence[int],
                   gaps: Sequence[int], label: str):
    """Real footage: the dropped Lab channel of held-out frame pairs
    reconstructed by the entry's model (no fine-tuning), against copying
    the reference frame."""
    if runner.smoke:
        return [], []  # real footage is not part of the smoke data
    out = osp.join(result.work_dir, 'reconstruction.json')
    scores = _reconstruction_error(entry.config, result.checkpoint, frames,
                                   frame_range, gaps, out)
    return [out], [Row(entry.name, label, 'ab error (Lab)',
                       scores['model_mae_lab'], 'copy the reference frame',
                       scores['copy_mae_lab'], result.train_s)]


def real_footage(runner: DemoRunner, entry: DemoEntry, result: RunResult,
                 finetune_config: str, frames: str,
                 frame_range: Sequence[int], gaps: Sequence[int], label: str,
                 first_mask_rect: Sequence[int]):
    """Real footage: reconstruction of held-out frame pairs by the entry's
    model and by it fine-tuned on the frames before ``frame_range``,
    against copying the reference frame; a GrabCut mask in the first frame
    (``first_mask_rect``: x, y, w, h) propagated by the fine-tuned model."""
    if runner.smoke:
        return [], []  # real footage is not part of the smoke data
    work_dir = osp.join(result.work_dir, 'real_footage')
    tuned = runner.train(finetune_config, work_dir,
                         [f'load_from={result.checkpoint}',
                          *runner.cfg_options])
    rows, files = [], []
    first = frame_range[0]
    for name, checkpoint in (
            (f'{entry.name} (embedded-data weights)', result.checkpoint),
            (f'{entry.name}, fine-tuned on frames 0-{first - 1}', tuned)):
        out = osp.join(work_dir, f'reconstruction_{len(rows)}.json')
        scores = _reconstruction_error(finetune_config, checkpoint, frames,
                                       frame_range, gaps, out)
        rows.append(Row(name, label, 'ab error (Lab)',
                        scores['model_mae_lab'], 'copy the reference frame',
                        scores['copy_mae_lab']))
        files.append(out)
    first_frame = sorted(glob.glob(osp.join(repo_path(frames), '*.jpg')))[0]
    mask = osp.join(work_dir, 'first_mask.png')
    run([sys.executable, tool('misc', 'make_first_mask.py'), first_frame,
         mask, '--rect', *map(str, first_mask_rect)])
    pictures = osp.join(work_dir, 'propagation')
    run([sys.executable, demo_script('video_propagation_demo.py'),
         repo_path(finetune_config), tuned, '--frames-dir',
         repo_path(frames), '--first-mask', mask, '--out-dir', pictures,
         '--gif', '--every', '12'])
    files += [osp.join(pictures, 'strip.jpg'),
              osp.join(pictures, 'propagation.gif')]
    return files, rows


def proposal_stage(runner: DemoRunner, entry: DemoEntry, result: RunResult,
                   config: str):
    """AdaptIS' second stage (``config``) from the entry's weights
    (proposal head only), then the held-out images with proposals, with
    random points and with the connected-components baseline (all from the
    same weights)."""
    work_dir = osp.join(result.work_dir, 'proposals')
    options = runner.options(config, result.data_root, entry.options)
    start = time.perf_counter()
    checkpoint = runner.train(config, work_dir,
                              [f'load_from={result.checkpoint}', *options])
    both_s = result.train_s + time.perf_counter() - start
    scores = {
        sampler: runner.test(
            config, checkpoint,
            osp.join(result.work_dir, f'proposals_test_{sampler}'),
            [f'model.test_cfg.sampler={sampler}', *options])
        for sampler in ('proposals', 'random', 'components')}
    result.extra_metrics.update(scores)
    result.both_stages_s = both_s
    label = DATASETS[entry.dataset].label
    rows = []
    for sampler, text in (('proposals', 'proposals'),
                          ('random', 'random points')):
        rows += [Row(f'{entry.name}, {text}', label, key,
                     scores[sampler].get(key), COMPONENTS,
                     scores['components'].get(key), both_s)
                 for key in entry.metrics]
    return [osp.join(work_dir, osp.basename(checkpoint))], rows


def panoptic_seed_mean(runner: DemoRunner, entry: DemoEntry,
                       result: RunResult):
    """AdaptIS' two stages, mean over the seeds, against the mean
    connected-components baseline."""
    runs = [r for (config, untrained, _), r in runner.runs.items()
            if config == entry.config and not r.error and
            'proposals' in r.extra_metrics]
    if len(runs) < 2:
        raise RuntimeError(f'{len(runs)} complete AdaptIS seed(s): no mean')

    def mean(sampler, key):
        return sum(r.extra_metrics[sampler][key] for r in runs) / len(runs)

    train_s = sum(r.both_stages_s for r in runs) / len(runs)
    name = entry.name.rsplit(' seed', 1)[0]
    label = DATASETS[entry.dataset].label
    rows = []
    for sampler, text in (('proposals', 'proposals'),
                          ('random', 'random points')):
        rows += [Row(f'{name}, {text}, mean of {len(runs)} seeds', label,
                     key, mean(sampler, key), COMPONENTS,
                     mean('components', key), train_s)
                 for key in entry.metrics]
    return [], rows


EXTRAS = {
    'overlays': overlays,
    'flow': flow,
    'middlebury': middlebury,
    'homography_pair': homography_pair,
    'match_pictures': match_pictures,
    'other_test_config': other_test_config,
    'seed_mean': seed_mean,
    'cosal_pictures': cosal_pictures,
    'vos_pictures': vos_pictures,
    'reconstruction': reconstruction,
    'real_footage': real_footage,
    'proposal_stage': proposal_stage,
    'panoptic_seed_mean': panoptic_seed_mean,
}
