# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST's pretext task on held-out frame pairs of a video: how well the
model reconstructs a dropped Lab colour channel of a frame from an earlier
frame, against copying that frame's channel at the same pixel.

Usage::

    python tools/analysis_tools/eval_reconstruction.py CONFIG CHECKPOINT \
        (--frames-dir DIR | --video FILE) [--frame-range 80 120] \
        [--gaps 2 5] [--out metrics.json]

Every pair ``(t, t + g)`` with both frames inside ``--frame-range`` and
``g`` in ``--gaps`` is scored twice, dropping a and then b (the model sees
the other channels of both frames and the dropped channel of frame ``t``,
exactly as in training). Errors are mean absolute differences over pixels
in Lab units (a and b span about -127..127), averaged over pairs and both
channels; the copy baseline predicts frame ``t``'s channel unchanged.
"""
import argparse
import json
import sys

import numpy as np
import torch

from mmcorr.apis import init_model
from mmcorr.fileio import read_frames, read_video
from mmcorr.structures import MultiViewDataSample, ViewDataSample

LAB_SCALE = 127.0  # the std of a and b in MAST's normalisation


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="checkpoint, or 'none'")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--frames-dir')
    source.add_argument('--video')
    parser.add_argument('--frame-range', type=int, nargs=2,
                        metavar=('START', 'STOP'))
    parser.add_argument('--gaps', type=int, nargs='+', default=(2, 5))
    parser.add_argument('--out')
    return parser.parse_args(argv)


def lab_frames(model, frames):
    """BGR uint8 frames -> the model's normalised Lab, ``[1, N, 3, H, W]``."""
    inputs = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2)
    sample = MultiViewDataSample(
        views=[ViewDataSample() for _ in frames])
    data = model.data_preprocessor(
        dict(inputs=[inputs], data_samples=[sample]), False)
    return data['inputs']


@torch.no_grad()
def evaluate(model, frames, frame_range, gaps):
    lab = lab_frames(model, frames)
    start, stop = frame_range or (0, len(frames))
    model_err, copy_err, pairs = [], [], 0
    for gap in gaps:
        for t in range(start, stop - gap):
            clip = lab[:, [t, t + gap]]
            sample = MultiViewDataSample(metainfo=dict(frame_ids=[t, t + gap]))
            pairs += 1
            for channel in (1, 2):
                pred, truth = model.reconstruct(
                    clip, torch.tensor([channel]), [sample])
                model_err.append((pred - truth).abs().mean().item())
                copy_err.append((clip[:, 0, channel:channel + 1] -
                                 truth).abs().mean().item())
    if not pairs:
        raise ValueError(f'no pair with gaps {list(gaps)} in frames '
                         f'{start}..{stop - 1}')
    return dict(pairs=pairs, gaps=list(gaps), frame_range=[start, stop],
                model_mae_lab=LAB_SCALE * float(np.mean(model_err)),
                copy_mae_lab=LAB_SCALE * float(np.mean(copy_err)))


def main(argv=None) -> int:
    args = parse_args(argv)
    checkpoint = None if args.checkpoint == 'none' else args.checkpoint
    try:
        frames = read_video(args.video) if args.video else \
            read_frames(args.frames_dir)
        model = init_model(args.config, checkpoint)
        result = evaluate(model, frames, args.frame_range, args.gaps)
    except (FileNotFoundError, ValueError) as error:
        print(f'eval_reconstruction.py: error: {error}', file=sys.stderr)
        return 2
    print(f'{result["pairs"]} held-out pairs (gaps {result["gaps"]}, frames '
          f'{result["frame_range"][0]}..{result["frame_range"][1] - 1}), '
          'mean absolute error of the dropped channel (Lab units):')
    print(f'  model:                     {result["model_mae_lab"]:.2f}')
    print(f'  copy the reference frame:  {result["copy_mae_lab"]:.2f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
