# Copyright (c) mmcorr contributors. All rights reserved.
"""Draw the flow of a model's finest alignment module on one image.

    python tools/analysis_tools/visualize_flow.py CONFIG CHECKPOINT IMAGE \
        [--out-dir DIR]

Writes ``<name>_flow_color.png`` (colour wheel), ``<name>_flow_arrows.png``
(arrows on the image, flow in image pixels) and prints the flow magnitude.
The flow is the first two channels of the finest FAM (for SFNet-Lite's dual
flow: the one that samples the coarse feature), converted to image pixels
('pixel' and 'sfnet_legacy' grid conventions).
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmcorr.utils import replace_sync_bn
from mmcorr.engine import load_model_checkpoint
from mmcorr.fileio import read_image
from mmcorr.ops.coordinates import flow_to_pixels
from mmcorr.registry import MODELS
from mmcorr.visualization import (capture_alignment_flows, draw_flow_arrows,
                                  flow_to_color)


def finest_flow(model, image_bgr: np.ndarray) -> np.ndarray:
    """``(H, W, 2)`` flow of the finest FAM, resized to the image, pixels."""
    inputs = torch.from_numpy(image_bgr).permute(2, 0, 1)[None]
    data = model.data_preprocessor(dict(inputs=[inputs[0]]), False)
    with torch.no_grad(), capture_alignment_flows(model) as flows:
        model(data['inputs'], mode='tensor')
    if not flows:
        raise RuntimeError('the model has no flow alignment module')
    module, flow, high_size = max(flows, key=lambda mf: mf[1].shape[-1])
    flow = flow[:1, :2]  # [1, 2, h, w], the module's convention
    h, w = flow.shape[-2:]
    flow = flow_to_pixels(flow, high_size, module.grid_convention,
                          module.align_corners)[0]  # [2, h, w], pixels
    height, width = image_bgr.shape[:2]
    scale = np.array([width / w, height / h])
    flow = flow.permute(1, 2, 0).cpu().numpy() * scale
    return cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--out-dir', default='.')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmcorr'))
    replace_sync_bn(cfg.model)
    model = MODELS.build(cfg.model).eval()
    load_model_checkpoint(model, args.checkpoint)
    image = read_image(args.image)  # names a missing or corrupt file
    flow = finest_flow(model, image)
    name = osp.splitext(osp.basename(args.image))[0]
    os.makedirs(args.out_dir, exist_ok=True)
    color = osp.join(args.out_dir, f'{name}_flow_color.png')
    arrows = osp.join(args.out_dir, f'{name}_flow_arrows.png')
    cv2.imwrite(color, cv2.cvtColor(flow_to_color(flow), cv2.COLOR_RGB2BGR))
    big = cv2.resize(image, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
    big_flow = cv2.resize(flow, None, fx=4, fy=4) * 4
    cv2.imwrite(arrows, draw_flow_arrows(big, big_flow, step=16))
    magnitude = np.linalg.norm(flow, axis=-1)
    print(f'flow written to {color} and {arrows}; magnitude mean '
          f'{magnitude.mean():.2f} px, max {magnitude.max():.2f} px')


if __name__ == '__main__':
    main()
