# Copyright (c) mmcorr contributors. All rights reserved.
"""Single-image metrics over every view of multi-view samples."""
from typing import Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmcorr.registry import METRICS


def view_dicts(data_samples: Sequence) -> List[dict]:
    """Every view of every sample, as the plain dicts metrics read."""
    views = []
    for sample in data_samples:
        if isinstance(sample, BaseDataElement):
            sample = sample.to_dict()
        if not isinstance(sample.get('views'), (list, tuple)):
            raise KeyError('PerViewMetric evaluates multi-view samples '
                           '(MultiViewDataSample); a sample has no `views`')
        views.extend(v.to_dict() if isinstance(v, BaseDataElement) else v
                     for v in sample['views'])
    return views


@METRICS.register_module()
class PerViewMetric(BaseMetric):
    """Run a single-image metric on every view, as if each were a sample.

    Each view of a :class:`~mmcorr.structures.MultiViewDataSample` is an
    mmseg ``SegDataSample``, so mmseg's metrics apply unchanged, e.g. the
    mIoU of per-view masks (co-saliency groups, video frames):

    .. code-block:: python

        val_evaluator = dict(type='PerViewMetric',
                             metric=dict(type='IoUMetric',
                                         iou_metrics=['mIoU']))

    Args:
        metric (dict): The wrapped metric's config.
        collect_device (str): Device to gather results on.
        prefix (str, optional): Prefix of the metric names (default: the
            wrapped metric's).
    """

    def __init__(self, metric: dict, collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        self.metric = METRICS.build(metric)
        super().__init__(collect_device=collect_device,
                         prefix=prefix or self.metric.prefix)

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self.metric.dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        self.metric.dataset_meta = dataset_meta

    def process(self, data_batch, data_samples: Sequence) -> None:
        self.metric.process(data_batch, view_dicts(data_samples))
        self.results.extend(self.metric.results)
        self.metric.results.clear()

    def compute_metrics(self, results: list) -> Dict[str, float]:
        return self.metric.compute_metrics(results)
