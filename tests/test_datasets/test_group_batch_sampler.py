# Copyright (c) mmcorr contributors. All rights reserved.
"""GroupBatchSampler: one group per batch, as ICNet's Cosal_Sampler."""
from collections import Counter

import pytest
from mmengine.dataset import DefaultSampler

from mmcorr.datasets.samplers import GroupBatchSampler, group_batch_sampler
from mmcorr.registry import DATA_SAMPLERS

#: group id -> size: chunks of 3 give 3+2, 3+1 (single), 1 (single), 2
SIZES = {0: 5, 1: 4, 2: 1, 3: 2}


class GroupsOnly:
    """A dataset that only knows its groups (images 0..n-1 in order)."""

    def __init__(self, sizes=SIZES):
        self.groups, start = {}, 0
        for group, size in sizes.items():
            self.groups[group] = list(range(start, start + size))
            start += size

    def __len__(self):
        return sum(len(v) for v in self.groups.values())

    def group_indices(self):
        return {k: list(v) for k, v in self.groups.items()}


def _group_of(dataset):
    return {i: g for g, members in dataset.groups.items() for i in members}


def _sampler(sizes=SIZES, shuffle=True, seed=3, **kwargs):
    dataset = GroupsOnly(sizes)
    return GroupBatchSampler(DefaultSampler(dataset, shuffle=shuffle,
                                            seed=seed), **kwargs), dataset


def test_training_chunks():
    sampler, dataset = _sampler(batch_size=3)
    group_of = _group_of(dataset)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 4
    assert sorted(len(b) for b in batches) == [2, 2, 3, 3]
    for batch in batches:
        assert len({group_of[i] for i in batch}) == 1  # one group
        assert len(batch) > 1  # no single-image batch in training
    seen = Counter(i for b in batches for i in b)
    assert max(seen.values()) == 1  # nobody twice
    dropped = set(range(len(dataset))) - set(seen)
    # the dropped images are the singletons: one of group 1, all of group 2
    assert len(dropped) == 2 and 9 in dropped
    assert group_of[(dropped - {9}).pop()] == 1


def test_seeds_and_epochs_change_the_order():
    first, _ = _sampler(batch_size=3, seed=1)
    again, _ = _sampler(batch_size=3, seed=1)
    other, _ = _sampler(batch_size=3, seed=2)
    assert list(first) == list(again)  # deterministic
    orders = {str(list(first))}
    orders.add(str(list(other)))
    # mmengine calls set_epoch on the wrapped sampler (the batch sampler's
    # .sampler); both ways change the order
    first.sampler.set_epoch(1)
    assert first.epoch == 1
    orders.add(str(list(first)))
    first.set_epoch(2)
    assert first.sampler.epoch == 2
    orders.add(str(list(first)))
    assert len(orders) == 4
    first.set_epoch(1)
    again.sampler.set_epoch(1)
    assert list(first) == list(again)


def test_seed_defaults_to_the_wrapped_samplers():
    sampler, _ = _sampler(batch_size=3, seed=11)
    assert sampler.seed == 11
    sampler = GroupBatchSampler(DefaultSampler(GroupsOnly(), seed=11),
                                batch_size=3, seed=5)
    assert sampler.seed == 5


def test_epoch_advances_without_an_epoch_on_the_wrapped_sampler():
    class Plain:
        dataset = GroupsOnly()

    sampler = GroupBatchSampler(Plain(), batch_size=3, seed=0)
    first, second = list(sampler), list(sampler)
    assert first != second and sampler.epoch == 2


def test_whole_groups_at_test():
    for kwargs in (dict(batch_size=None), dict(batch_size=3,
                                               whole_group=True)):
        sampler, dataset = _sampler(shuffle=True, **kwargs)
        expected = [dataset.groups[g] for g in sorted(dataset.groups)]
        assert list(sampler) == expected  # in order, singletons kept
        sampler.set_epoch(4)
        assert list(sampler) == expected and len(sampler) == 4


def test_ordered_chunks_without_shuffle_keep_singletons():
    sampler, _ = _sampler(batch_size=3, shuffle=False)
    assert list(sampler) == [[0, 1, 2], [3, 4], [5, 6, 7], [8], [9],
                             [10, 11]]
    assert len(sampler) == 6
    kept, _ = _sampler(batch_size=3, shuffle=True, drop_single=False)
    assert sorted(len(b) for b in kept) == [1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize('shuffle', [True, False])
def test_distributed_split(monkeypatch, shuffle):
    batches = {}
    for rank in (0, 1):
        monkeypatch.setattr(group_batch_sampler, 'get_dist_info',
                            lambda rank=rank: (rank, 2))
        sizes = {0: 5, 1: 4, 2: 1, 3: 2, 4: 3}  # 5 training chunks
        sampler, dataset = _sampler(sizes, shuffle=shuffle, batch_size=3)
        batches[rank] = list(sampler)
        assert len(batches[rank]) == len(sampler)
    everyone = [i for r in (0, 1) for b in batches[r] for i in b]
    if shuffle:
        # same count on every rank: one chunk repeated to pad 5 to 6
        assert len(batches[0]) == len(batches[1]) == 3
        chunks = Counter(tuple(b) for r in (0, 1) for b in batches[r])
        (repeated, ) = [c for c, n in chunks.items() if n == 2]
        assert len(chunks) == 5
        assert Counter(everyone) == Counter(
            {i: 1 + (i in repeated) for c in chunks for i in c})
    else:
        # 7 chunks, each once: 4 on rank 0, 3 on rank 1
        assert [len(batches[0]), len(batches[1])] == [4, 3]
        assert sorted(everyone) == list(range(len(dataset)))


def test_errors_and_registry():
    with pytest.raises(TypeError, match='group_indices'):
        GroupBatchSampler(DefaultSampler(list(range(4))), batch_size=2)
    with pytest.raises(ValueError, match='batch_size'):
        _sampler(batch_size=0)
    with pytest.raises(ValueError, match='drop_single'):
        _sampler(batch_size=1)
    with pytest.raises(ValueError, match='drop_single'):
        _sampler({0: 1, 1: 1}, batch_size=4)
    built = DATA_SAMPLERS.build(
        dict(type='GroupBatchSampler', batch_size=3),
        default_args=dict(sampler=DefaultSampler(GroupsOnly(), seed=0)))
    assert isinstance(built, GroupBatchSampler)
