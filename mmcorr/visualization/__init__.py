# Copyright (c) mmcorr contributors. All rights reserved.
from .flow import capture_alignment_flows, draw_flow_arrows, flow_to_color
from .matches import draw_matches, match_colors, top_matches
from .video import overlay_ids, overlay_strip, save_gif
from .visualizers import (TASK_VISUALIZERS, CorrespondenceVisualizer,
                          CoSaliencyVisualizer, MultiViewVisualizer,
                          PointInstanceVisualizer,
                          VideoPropagationVisualizer)

__all__ = [
    'capture_alignment_flows', 'draw_flow_arrows', 'flow_to_color',
    'draw_matches', 'match_colors', 'top_matches', 'overlay_ids',
    'overlay_strip', 'save_gif', 'TASK_VISUALIZERS',
    'CorrespondenceVisualizer', 'CoSaliencyVisualizer',
    'MultiViewVisualizer', 'PointInstanceVisualizer',
    'VideoPropagationVisualizer'
]
