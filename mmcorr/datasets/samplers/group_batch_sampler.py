# Copyright (c) mmcorr contributors. All rights reserved.
"""Batches that each hold images of one co-saliency group."""
import itertools
from typing import Iterator, List, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmcorr.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class GroupBatchSampler(Sampler):
    """Every batch is a chunk of one group (ICNet's ``Cosal_Sampler``).

    Reads the groups from the dataset's ``group_indices()`` (e.g.
    :class:`~mmcorr.datasets.CoSODGroupDataset`), which it reaches through
    the wrapped sampler's ``dataset``. The wrapped sampler (mmengine's
    ``DefaultSampler``) gives the dataset, the seed, the epoch and the
    ``shuffle`` flag; its own order and rank split are not used.

    Training (``shuffle``): each epoch the images of every group are
    shuffled and cut into chunks of ``batch_size`` (the last one of a group
    may be smaller), and the chunks of all groups are shuffled, as ICNet
    does. With ``drop_single`` chunks of one image are skipped: a batch of
    one image gives BatchNorm layers (and the group consensus) a single
    sample, and PyTorch refuses BatchNorm training on one value per
    channel. Test (``whole_group=True`` or ``batch_size=None``): every group,
    in dataset order, is one batch, however big; without shuffling and with
    a ``batch_size`` the groups are cut in order into chunks (ICNet's
    ``test_batch_size``). Nothing is dropped at test time.

    The order depends only on ``seed`` and the epoch. Distributed: every
    rank builds the same chunk list and rank ``r`` takes chunks ``r,
    r + world_size, ...``; in training the list is first padded by
    repeating its first chunks so that every rank runs as many iterations.
    At test time nothing is repeated (every image is predicted once), so
    ranks may get different numbers of batches; mmengine's result
    collection interleaves the ranks' lists (``zip_longest``, gaps dropped)
    and keeps ``len(dataset)`` entries, so a per-image metric such as
    ``CoSODMetric`` still sees every image exactly once.

    Use it from a config (``collate_fn`` merges each batch into one sample
    of N views, see :func:`~mmcorr.datasets.collate.group_views_collate`)::

        train_dataloader = dict(
            batch_size=10,
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_sampler=dict(type='GroupBatchSampler'),
            collate_fn=dict(type='mmcorr.group_views_collate'),
            dataset=...)
        test_dataloader = dict(
            batch_size=1,  # required by mmengine, unused with whole_group
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_sampler=dict(type='GroupBatchSampler', whole_group=True),
            collate_fn=dict(type='mmcorr.group_views_collate'),
            dataset=...)

    Args:
        sampler (Sampler): The sampler mmengine builds from ``sampler=``;
            needs ``dataset`` (or ``data_source``). Its ``set_epoch`` (which
            mmengine's loops and ``DistSamplerSeedHook`` call) sets the
            epoch; without an ``epoch`` attribute each pass advances it.
        batch_size (int, optional): Images per batch; ``None``: whole
            groups.
        whole_group (bool): One batch per group, in order (test).
        drop_single (bool): Skip one-image chunks in training.
        shuffle (bool, optional): ``None``: the wrapped sampler's
            ``shuffle`` (``True`` if it has none). Ignored for whole groups.
        seed (int, optional): ``None``: the wrapped sampler's ``seed``, else
            mmengine's ``sync_random_seed()`` (the same on every rank).

    Raises:
        TypeError: if the dataset has no ``group_indices()``.
        ValueError: for a bad ``batch_size``, or no batch at all (e.g.
            training on groups of one image with ``drop_single``).
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: Optional[int] = None,
                 whole_group: bool = False,
                 drop_single: bool = True,
                 shuffle: Optional[bool] = None,
                 seed: Optional[int] = None) -> None:
        if batch_size is not None and (isinstance(batch_size, bool) or
                                       not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError('batch_size must be an int >= 1 or None '
                             f'(whole groups), got {batch_size!r}')
        self.sampler = sampler
        self.dataset = getattr(sampler, 'dataset',
                               getattr(sampler, 'data_source', None))
        if not callable(getattr(self.dataset, 'group_indices', None)):
            raise TypeError(
                'GroupBatchSampler needs a dataset with group_indices() '
                '(e.g. CoSODGroupDataset) reachable as sampler.dataset; got '
                f'{type(sampler).__name__} over '
                f'{type(self.dataset).__name__}. Use a co-saliency dataset '
                "and sampler=dict(type='DefaultSampler')")
        self.whole_group = bool(whole_group) or batch_size is None
        self.batch_size = batch_size
        self.drop_single = drop_single
        if shuffle is None:
            shuffle = getattr(sampler, 'shuffle', True)
        self.shuffle = bool(shuffle) and not self.whole_group
        if seed is None:
            seed = getattr(sampler, 'seed', None)
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.rank, self.world_size = get_dist_info()
        self._epoch = 0
        self._groups = [list(v) for _, v in
                        sorted(self.dataset.group_indices().items())]
        self._sizes = self._chunk_sizes()
        if not self._sizes:
            raise ValueError(
                'GroupBatchSampler has no batch to give: every group has '
                f'one image and drop_single drops one-image batches '
                f'(batch_size={batch_size}, {len(self._groups)} groups); '
                'use batch_size >= 2 and groups of two images or more, or '
                'drop_single=False')

    # ------------------------------------------------------------- epochs
    @property
    def epoch(self) -> int:
        """The wrapped sampler's epoch, or this sampler's own."""
        return getattr(self.sampler, 'epoch', self._epoch)

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (also on the wrapped sampler)."""
        self._epoch = epoch
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    # ------------------------------------------------------------- chunks
    def _split(self, indices: List[int]) -> List[List[int]]:
        if self.whole_group:
            return [indices]
        size = self.batch_size
        return [indices[i:i + size] for i in range(0, len(indices), size)]

    def _keep(self, chunk: List[int]) -> bool:
        return not (self.shuffle and self.drop_single and len(chunk) == 1)

    def _chunk_sizes(self) -> List[int]:
        """Sizes of the chunks of one epoch, before shuffling."""
        return [len(c) for g in self._groups for c in self._split(g)
                if self._keep(c)]

    def chunks(self, epoch: Optional[int] = None) -> List[List[int]]:
        """Every rank's chunks of ``epoch`` (default: the current one),
        before the rank split and padding."""
        epoch = self.epoch if epoch is None else epoch
        if not self.shuffle:
            return [c for g in self._groups for c in self._split(g)
                    if self._keep(c)]
        rng = np.random.default_rng([self.seed, epoch])
        chunks = []
        for group in self._groups:
            order = [group[i] for i in rng.permutation(len(group))]
            chunks.extend(c for c in self._split(order) if self._keep(c))
        return [chunks[i] for i in rng.permutation(len(chunks))]

    def _padded(self, chunks: List[List[int]]) -> List[List[int]]:
        if not self.shuffle or len(chunks) % self.world_size == 0:
            return chunks
        total = -(-len(chunks) // self.world_size) * self.world_size
        return list(itertools.islice(itertools.cycle(chunks), total))

    def __iter__(self) -> Iterator[List[int]]:
        chunks = self._padded(self.chunks())
        if not hasattr(self.sampler, 'epoch'):
            self._epoch += 1
        return iter(chunks[self.rank::self.world_size])

    def __len__(self) -> int:
        count = len(self._sizes)
        if self.shuffle:
            return -(-count // self.world_size)
        return len(range(self.rank, count, self.world_size))
