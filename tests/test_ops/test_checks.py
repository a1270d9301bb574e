# Copyright (c) mmcorr contributors. All rights reserved.
"""The opt-in NaN/Inf checks of the ops (``MMCORR_CHECK_FINITE``)."""
import pytest
import torch

from mmcorr.ops import (FINITE_CHECKS_ENV, finite_checks,
                        finite_checks_enabled, flow_warp, global_correlation,
                        global_correlation_chunks, grid_warp,
                        kernel_soft_argmax, local_correlation, sample_patches,
                        soft_argmax_grid, window_soft_argmax)

NAN = float('nan')


def spiked(*shape, value=NAN):
    """Random ``shape`` with ``value`` (NaN by default) at the first index."""
    x = torch.randn(*shape)
    x[(0, ) * len(shape)] = value
    return x


#: op name -> (call with one ``value`` in every input the op checks, the
#: number of such inputs)
OP_CALLS = {
    'flow_warp': (lambda v: flow_warp(
        torch.randn(1, 2, 4, 5), spiked(1, 2, 4, 5, value=v)), 1),
    'grid_warp': (lambda v: grid_warp(
        torch.randn(1, 2, 4, 5), spiked(1, 4, 5, 2, value=v)), 1),
    'global_correlation': (lambda v: global_correlation(
        spiked(1, 3, 4, 5, value=v), spiked(1, 3, 4, 5, value=v)), 2),
    'global_correlation_chunks': (lambda v: list(global_correlation_chunks(
        spiked(1, 3, 4, 5, value=v), spiked(1, 3, 4, 5, value=v), 7)), 2),
    'local_correlation': (lambda v: local_correlation(
        spiked(1, 3, 4, 5, value=v), spiked(1, 3, 4, 5, value=v), 3), 2),
    'soft_argmax_grid': (lambda v: soft_argmax_grid(
        spiked(1, 20, 3, 3, value=v), (4, 5)), 1),
    'kernel_soft_argmax': (lambda v: kernel_soft_argmax(
        spiked(1, 20, 3, 3, value=v), (4, 5)), 1),
    'window_soft_argmax': (lambda v: window_soft_argmax(
        spiked(1, 3, 3, 4, 5, value=v)), 1),
    'sample_patches': (lambda v: sample_patches(
        torch.randn(1, 2, 4, 5), spiked(1, 2, 4, 5, value=v), 3), 1),
}


def first_tensor(out):
    """The first tensor of an op's result (chunks: the first chunk)."""
    while not isinstance(out, torch.Tensor):
        out = out[0] if not isinstance(out[0], slice) else out[1]
    return out


@pytest.fixture
def isfinite_calls(monkeypatch):
    """Count the calls of ``torch.isfinite`` (the data scans)."""
    calls = []
    original = torch.isfinite

    def counting(x):
        calls.append(tuple(x.shape))
        return original(x)

    monkeypatch.setattr(torch, 'isfinite', counting)
    return calls


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(FINITE_CHECKS_ENV, raising=False)


@pytest.mark.parametrize('op', sorted(OP_CALLS))
def test_off_by_default_nan_passes_unscanned(op, no_env, isfinite_calls):
    assert not finite_checks_enabled()
    out = OP_CALLS[op][0](NAN)
    assert isfinite_calls == []
    assert torch.isnan(first_tensor(out)).any()


@pytest.mark.parametrize('op', sorted(OP_CALLS))
def test_on_each_input_is_scanned_once(op, no_env, isfinite_calls):
    call, inputs = OP_CALLS[op]
    with finite_checks():
        call(0.5)
        assert len(isfinite_calls) == inputs
        with pytest.raises(ValueError, match='contains NaN or Inf'):
            call(float('inf'))


def test_flow_warp_scans_its_flow_exactly_once(no_env, isfinite_calls):
    """Not twice: flow_warp used to re-check its grid through grid_warp."""
    feat, flow = torch.randn(2, 3, 6, 7), torch.randn(2, 2, 4, 5)
    for convention in ('pixel', 'sfnet_legacy', 'alignseg_legacy'):
        with finite_checks():
            flow_warp(feat, flow, convention)
    assert isfinite_calls == [(2, 2, 4, 5)] * 3


@pytest.mark.parametrize('value', ['1', 'true', ' ON ', 'yes'])
def test_on_via_environment_variable(value, monkeypatch):
    monkeypatch.setenv(FINITE_CHECKS_ENV, value)
    assert finite_checks_enabled()
    with pytest.raises(ValueError, match='flow contains NaN or Inf'):
        OP_CALLS['flow_warp'][0](NAN)


@pytest.mark.parametrize('value', ['0', 'false', 'off', ''])
def test_off_via_environment_variable(value, monkeypatch):
    monkeypatch.setenv(FINITE_CHECKS_ENV, value)
    assert not finite_checks_enabled()
    OP_CALLS['flow_warp'][0](NAN)


def test_environment_variable_is_read_at_call_time(monkeypatch):
    monkeypatch.setenv(FINITE_CHECKS_ENV, '0')
    assert not finite_checks_enabled()
    monkeypatch.setenv(FINITE_CHECKS_ENV, '1')
    assert finite_checks_enabled()


def test_bad_environment_value_is_an_error(monkeypatch):
    monkeypatch.setenv(FINITE_CHECKS_ENV, 'ture')
    with pytest.raises(ValueError, match="MMCORR_CHECK_FINITE='ture'"):
        OP_CALLS['flow_warp'][0](NAN)


def test_context_manager_overrides_and_restores(monkeypatch):
    monkeypatch.setenv(FINITE_CHECKS_ENV, '1')
    with finite_checks(False):
        assert not finite_checks_enabled()
        OP_CALLS['flow_warp'][0](NAN)
        with finite_checks():
            assert finite_checks_enabled()
        assert not finite_checks_enabled()
    assert finite_checks_enabled()
    monkeypatch.delenv(FINITE_CHECKS_ENV)
    with pytest.raises(ValueError, match='flow contains'), finite_checks():
        OP_CALLS['flow_warp'][0](NAN)
    assert not finite_checks_enabled()  # restored after the error


def test_context_manager_as_decorator(no_env):

    @finite_checks()
    def checked():
        return finite_checks_enabled()

    assert checked() and not finite_checks_enabled()


def test_context_manager_wants_a_bool():
    with pytest.raises(TypeError, match='enabled must be a bool'):
        with finite_checks('0'):
            pass
