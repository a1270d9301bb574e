# Copyright (c) mmcorr contributors. All rights reserved.
"""The one table of a demo or benchmark run: printed, and written as
Markdown and JSON."""
import json
import os
import os.path as osp
from typing import List, Optional, Tuple

from prettytable import PrettyTable

from .runner import Row, RunResult

COLUMNS = ('method', 'dataset', 'metric', 'score', 'baseline',
           'baseline score', 'train time')
#: Metrics reported as fractions (3 decimals); the rest are percentages.
FRACTIONS = ('Smeasure', 'maxFm', 'maxEm', 'MAE', 'J&F-Mean', 'J-Mean',
             'F-Mean')
NOTES = (
    'score and baseline score: the metric in percent on the same data '
    '(mBIoU: mean Boundary IoU; PCK@a: keypoints within a x max(H, W); '
    'Smeasure, maxFm, maxEm, MAE: co-saliency through PySODMetrics at the '
    'ground truth resolution, as fractions, MAE lower is better; '
    'J&F-Mean, J-Mean, F-Mean: the DAVIS-2017 protocol, as fractions; '
    'ab error: mean absolute error of the dropped Lab channel of held-out '
    'frame pairs, Lab units, lower is better); '
    'train time: wall-clock time of tools/train.py (start-up and the '
    "schedule's validations included); '—' as baseline: the row is a "
    'baseline itself.')


def fmt_score(value: Optional[float], metric: str = '') -> str:
    """Percentages with 2 decimals; fractions with 3."""
    if value is None:
        return '—'
    return f'{value:.3f}' if metric in FRACTIONS else f'{value:.2f}'


def fmt_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return '—'
    minutes, seconds = divmod(round(seconds), 60)
    return f'{minutes} min {seconds:02d} s' if minutes else f'{seconds} s'


def table_cells(row: Row) -> List[str]:
    score = 'failed' if row.note.startswith('failed') else \
        fmt_score(row.score, row.metric)
    base_score = 'failed' if 'baseline failed' in row.note else \
        fmt_score(row.baseline_score, row.metric)
    return [row.method, row.dataset, row.metric, score, row.baseline or '—',
            base_score if row.baseline else '—', fmt_time(row.train_s)]


def write_summary(rows: List[Row], path_stem: str, title: str,
                  failures: List[str],
                  runs: List[RunResult] = ()) -> Tuple[str, str]:
    """``path_stem.md`` and ``path_stem.json``."""
    os.makedirs(osp.dirname(osp.abspath(path_stem)), exist_ok=True)
    lines = [f'# {title}', '', '| ' + ' | '.join(COLUMNS) + ' |',
             '|' + '---|' * len(COLUMNS)]
    lines += ['| ' + ' | '.join(table_cells(r)) + ' |' for r in rows]
    lines += ['', NOTES]
    if failures:
        lines += ['', 'Failures:', ''] + [f'- {f}' for f in failures]
    with open(path_stem + '.md', 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(path_stem + '.json', 'w') as f:
        json.dump(dict(title=title, rows=[vars(r) for r in rows],
                       failures=failures,
                       runs=[r if isinstance(r, dict) else vars(r)
                             for r in runs]),
                  f, indent=2)
    return path_stem + '.md', path_stem + '.json'


def print_table(rows: List[Row], title: str, failures: List[str]) -> None:
    table = PrettyTable(list(COLUMNS))
    table.align = 'l'
    for row in rows:
        table.add_row(table_cells(row))
    print(f'\n{title}')
    print(table)
    print(NOTES)
    for failure in failures:
        print(f'FAILED: {failure}')
