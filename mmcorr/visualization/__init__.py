# Copyright (c) mmcorr contributors. All rights reserved.
from .flow import capture_alignment_flows, draw_flow_arrows, flow_to_color

__all__ = ['capture_alignment_flows', 'draw_flow_arrows', 'flow_to_color']
