# Copyright (c) mmcorr contributors. All rights reserved.
