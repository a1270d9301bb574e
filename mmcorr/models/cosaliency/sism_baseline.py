# Copyright (c) mmcorr contributors. All rights reserved.
"""The single-image saliency maps used directly as co-saliency maps."""
from typing import Dict, List, Optional

import torch
from torch import Tensor

from mmcorr.registry import MODELS
from ..multi_view_model import MultiViewModel


@MODELS.register_module()
class SISMBaseline(MultiViewModel):
    """Predicts each image's SISM as its co-saliency map.

    Evaluated by the same pipeline and ``CoSODMetric`` as a co-saliency
    model, it is the baseline a co-saliency model must beat: everything a
    single-image salient-object model finds, common to the group or not.
    No parameters (``tools/test.py CONFIG none``).

    Args:
        sism_model (dict, optional): Make the SISMs with a registered
            single-image saliency model instead of reading the extra input
            ``sism`` (images must then be RGB ``0..255``: a preprocessor
            without normalisation).
        data_preprocessor (dict): A ``MultiViewDataPreprocessor`` config.
    """

    task = 'cosaliency'

    def __init__(self, sism_model: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.sism_model = MODELS.build(sism_model) if sism_model else None

    def _forward(self, views: List[Tensor],
                 extras: Dict[str, List[Tensor]]) -> Tensor:
        """``[B, N, 1, H, W]`` maps in ``[0, 1]``."""
        if 'sism' in extras:
            return torch.stack(extras['sism'], dim=1).clamp(0, 1)
        if self.sism_model is None:
            raise KeyError("SISMBaseline needs the extra input 'sism' or a "
                           'sism_model')
        pre = self.data_preprocessor
        if getattr(pre, '_enable_normalize', False) or \
                not getattr(pre, 'bgr_to_rgb', True):
            raise ValueError('SISMBaseline with a sism_model needs RGB '
                             '0..255 inputs: a data preprocessor with '
                             'bgr_to_rgb=True and mean=None, std=None')
        return torch.stack([self.sism_model(v) for v in views], dim=1)

    def loss(self, views, data_samples, extras):
        raise RuntimeError('SISMBaseline has nothing to train: test it with '
                           'tools/test.py CONFIG none')

    def predict(self, views: List[Tensor], data_samples, extras=None):
        maps = self._forward(views, extras or {})
        return self.write_predictions(
            data_samples,
            view_fields=dict(pred_saliency=maps,
                             pred_sem_seg=(maps > 0.5).long()))
