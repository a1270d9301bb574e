# Copyright (c) mmcorr contributors. All rights reserved.
"""Collate a batch of one-image samples of one group into one group sample.

With :class:`~mmcorr.datasets.samplers.GroupBatchSampler` every batch holds
images of one co-saliency group; :func:`group_views_collate` turns it into
ONE :class:`~mmcorr.structures.MultiViewDataSample` with a view per image,
exactly as mmengine's ``pseudo_collate`` would give a batch of one sample
packed from a group of N views. The model sees a batch of one group.
"""
from typing import Any, Dict, List, Sequence, Union

import numpy as np
import torch

from mmcorr.registry import FUNCTIONS
from mmcorr.structures import MultiViewDataSample, UnevenViews

_KNOWN_KEYS = ('inputs', 'data_samples', 'extra_inputs')


def _same(a: Any, b: Any) -> bool:
    """Whether two metainfo values are equal (arrays and tensors too)."""
    if a is b:
        return True
    try:
        if isinstance(a, (np.ndarray, torch.Tensor)) or isinstance(
                b, (np.ndarray, torch.Tensor)):
            return np.array_equal(np.asarray(a), np.asarray(b))
        return bool(a == b)
    except Exception:  # values that do not compare
        return False


def _view_tensors(value: Union[torch.Tensor, UnevenViews, Sequence],
                  where: str) -> List[torch.Tensor]:
    """One item's ``[n, C, H, W]`` tensor / views -> ``n`` ``[C, H, W]``."""
    if isinstance(value, UnevenViews):
        return list(value.tensors)
    if isinstance(value, torch.Tensor):
        if value.dim() != 4:
            raise ValueError(f'{where} must be [N, C, H, W] (one tensor per '
                             f'sample), got shape {tuple(value.shape)}')
        return list(value.unbind(0))
    return list(value)


def _merge_views(tensors: List[torch.Tensor]
                 ) -> Union[torch.Tensor, UnevenViews]:
    """``[N, C, H, W]`` if the views agree in size, else UnevenViews (as
    ``PackMultiViewInputs`` packs them)."""
    if len({tuple(t.shape) for t in tensors}) == 1:
        return torch.stack(tensors)
    return UnevenViews(tensors)


def _group_of(sample: MultiViewDataSample) -> Any:
    meta = sample.metainfo
    return meta.get('group', meta.get('category'))


@FUNCTIONS.register_module()
def group_views_collate(data_batch: Sequence[dict]) -> Dict[str, Any]:
    """Merge packed samples of one group into a batch of ONE multi-view
    sample.

    Each item is what ``PackMultiViewInputs`` packs: ``dict(inputs=[n, C,
    H, W] tensor or UnevenViews, data_samples=MultiViewDataSample of n
    views, extra_inputs={name: [n, c, H, W]})`` (``n`` is 1 for the
    image-level :class:`~mmcorr.datasets.CoSODGroupDataset`). The result has
    the layout ``pseudo_collate`` gives for one sample of all ``N`` views::

        dict(inputs=[Tensor [N, C, H, W] or UnevenViews],
             data_samples=[MultiViewDataSample(views=all N views)],
             extra_inputs={name: [Tensor [N, c, H, W] or UnevenViews]})

    Views keep the batch order. The merged sample's metainfo holds the
    values every item shares, plus ``group`` (and ``group_id`` when known),
    read from the items' ``group`` or else ``category`` metainfo (the
    co-saliency datasets set both; ``PackMultiViewInputs`` packs
    ``category`` and ``category_id`` by default). Values that differ between
    items (``sample_idx``...) move to each item's views' metainfo, unless
    a view already has that key.

    Use it as ``collate_fn=dict(type='mmcorr.group_views_collate')`` (the
    scope prefix is needed: mmengine's ``Runner.build_dataloader`` looks the
    name up in mmengine's root ``FUNCTIONS`` registry, which does not
    search mmcorr's), with ``batch_sampler=dict(type='GroupBatchSampler')``.

    Raises:
        ValueError: for an empty batch, items of different groups (naming
            both), items without a group, items whose keys differ, or
            cross-view fields (``gt_keypoint_valid``...) that cannot merge.
    """
    items = list(data_batch)
    if not items:
        raise ValueError('group_views_collate got an empty batch')
    keys = set(items[0])
    for i, item in enumerate(items):
        if set(item) != keys:
            raise ValueError(f'group_views_collate: item {i} has keys '
                             f'{sorted(item)}, item 0 has {sorted(keys)}')
    unknown = keys - set(_KNOWN_KEYS)
    if unknown or 'inputs' not in keys or 'data_samples' not in keys:
        raise ValueError(
            'group_views_collate merges items packed by PackMultiViewInputs '
            f'(keys {list(_KNOWN_KEYS)}), got keys {sorted(keys)}')
    samples = [item['data_samples'] for item in items]
    _check_one_group(samples)

    inputs = []
    for i, item in enumerate(items):
        tensors = _view_tensors(item['inputs'], f'item {i} inputs')
        if len(tensors) != len(samples[i]):
            raise ValueError(f'item {i}: {len(tensors)} input views but '
                             f'{len(samples[i])} view data samples')
        inputs.extend(tensors)
    out = dict(inputs=[_merge_views(inputs)],
               data_samples=[_merge_samples(samples)])
    if 'extra_inputs' in keys:
        names = set(items[0]['extra_inputs'])
        merged = {}
        for name in items[0]['extra_inputs']:
            tensors = []
            for i, item in enumerate(items):
                if set(item['extra_inputs']) != names:
                    raise ValueError(
                        f'group_views_collate: item {i} has extra inputs '
                        f'{sorted(item["extra_inputs"])}, item 0 has '
                        f'{sorted(names)}')
                tensors.extend(_view_tensors(item['extra_inputs'][name],
                                             f'item {i} extra input {name}'))
            merged[name] = [_merge_views(tensors)]
        out['extra_inputs'] = merged
    return out


def _check_one_group(samples: List[MultiViewDataSample]) -> None:
    for i, sample in enumerate(samples):
        if not isinstance(sample, MultiViewDataSample):
            raise TypeError(f'group_views_collate: item {i} data_samples is '
                            f'a {type(sample).__name__}, not a '
                            'MultiViewDataSample (pack with '
                            'PackMultiViewInputs)')
        if _group_of(sample) is None:
            raise ValueError(
                f'group_views_collate: item {i} '
                f'({sample.metainfo.get("sample_idx", "?")}) names no group:'
                " its metainfo needs 'group' or 'category' (a co-saliency "
                "dataset sets both; keep 'category' or add 'group' in "
                'PackMultiViewInputs(meta_keys=...))')
        extra = [k for k in sample.keys() if k not in ('views', '_views')]
        if extra:
            raise ValueError(
                f'group_views_collate: item {i} has cross-view fields '
                f'{sorted(extra)}, which do not merge across items')
    first = _group_of(samples[0])
    for i, sample in enumerate(samples[1:], 1):
        if not _same(_group_of(sample), first):
            raise ValueError(
                f'group_views_collate: item 0 is of group {first!r} but item '
                f'{i} of group {_group_of(sample)!r}: a batch must hold one '
                "group (use batch_sampler=dict(type='GroupBatchSampler'))")


def _merge_samples(samples: List[MultiViewDataSample]) -> MultiViewDataSample:
    metas = [s.metainfo for s in samples]
    shared = {}
    for key, value in metas[0].items():
        if all(key in m and _same(m[key], value) for m in metas[1:]):
            shared[key] = value
    views = []
    for sample, meta in zip(samples, metas):
        own = {k: v for k, v in meta.items() if k not in shared}
        for view in sample.views:
            view.set_metainfo({k: v for k, v in own.items()
                               if k not in view.metainfo_keys()})
            views.append(view)
    merged = MultiViewDataSample(views=views)
    group_id = metas[0].get('group_id', metas[0].get('category_id'))
    shared['group'] = _group_of(samples[0])
    if group_id is not None and _same(
            group_id, shared.get('group_id', shared.get('category_id'))):
        shared['group_id'] = group_id
    merged.set_metainfo(shared)
    return merged


__all__ = ['group_views_collate']
