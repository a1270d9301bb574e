# Copyright (c) mmcorr contributors. All rights reserved.
"""ICNet's co-saliency blocks against loop references, and the group
invariances: shuffling a group permutes the outputs only."""
import pytest
import torch
import torch.nn.functional as F

from mmcorr.models.layers.icnet_blocks import (CoSaliencyModule,
                                               correlation_fusion,
                                               intra_saliency_vectors,
                                               rearranged_self_correlation)


def _normalised(num=4, channels=6, size=(3, 5)):
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(num, channels, *size, generator=gen,
                        dtype=torch.float64)
    sisms = torch.rand(num, 1, *size, generator=gen, dtype=torch.float64)
    return F.normalize(feats, dim=1), sisms


def test_nmap_is_a_masked_mean_normalised():
    feats, sisms = _normalised()
    vectors = intra_saliency_vectors(feats, sisms)
    for n in range(len(feats)):
        pooled = sum(feats[n, :, y, x] * sisms[n, 0, y, x]
                     for y in range(3) for x in range(5)) / 15
        torch.testing.assert_close(vectors[n], pooled / pooled.norm())


def cfm_reference(feats, vectors):
    num, channels, height, width = feats.shape
    maps = torch.zeros(num, num, height * width, dtype=feats.dtype)
    for i in range(num):
        for j in range(num):
            for p in range(height * width):
                maps[i, j, p] = feats[i, :, p // width, p % width] @ \
                    vectors[j]
            maps[i, j] /= maps[i, j].norm().clamp_min(1e-12)
    csa = torch.zeros(num, height * width, dtype=feats.dtype)
    for i in range(num):
        agreement = torch.stack([sum(maps[i, j] @ maps[i, k]
                                     for k in range(num))
                                 for j in range(num)])
        weights = agreement.softmax(0)
        csa[i] = sum(weights[j] * maps[i, j] for j in range(num))
        csa[i] = (csa[i] - csa[i].min()) / (csa[i].max() - csa[i].min() +
                                            1e-12)
    return csa.view(num, 1, height, width)


def test_cfm_matches_the_loop_reference():
    feats, sisms = _normalised()
    vectors = intra_saliency_vectors(feats, sisms)
    torch.testing.assert_close(correlation_fusion(feats, vectors),
                               cfm_reference(feats, vectors))


def test_rscf_sorts_self_correlations_by_attention():
    feats, sisms = _normalised(num=2)
    csa = correlation_fusion(feats, intra_saliency_vectors(feats, sisms))
    out = rearranged_self_correlation(feats, csa)
    flat = feats.flatten(2)
    for n in range(2):
        order = torch.argsort(csa[n].flatten(), descending=True)
        for k in range(15):
            pixel = order[k]
            expected = (flat[n, :, pixel] @ flat[n]).view(3, 5) * csa[n, 0]
            torch.testing.assert_close(out[n, k], expected)


def test_group_of_one_is_defined():
    """A group of one: the single correlation map, min-max normalised."""
    feats, sisms = _normalised(num=1)
    vectors = intra_saliency_vectors(feats, sisms)
    csa = correlation_fusion(feats, vectors)
    corr = torch.einsum('chw,c->hw', feats[0], vectors[0])
    expected = (corr - corr.min()) / (corr.max() - corr.min() + 1e-12)
    torch.testing.assert_close(csa[0, 0], expected)


def test_shuffling_the_group_permutes_the_outputs():
    torch.manual_seed(0)
    module = CoSaliencyModule((3, 5)).double().eval()
    feats, sisms = _normalised(num=5)
    perm = torch.tensor([3, 0, 4, 1, 2])
    with torch.no_grad():
        out = module(feats, sisms)
        shuffled = module(feats[perm], sisms[perm])
    torch.testing.assert_close(shuffled, out[perm])


def test_branch_is_tied_to_its_size():
    module = CoSaliencyModule((3, 5))
    feats, sisms = _normalised(size=(4, 4))
    with pytest.raises(ValueError, match='224x224'):
        module(feats.float(), sisms.float())
