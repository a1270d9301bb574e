# Stage 1 with the affinity divided by sqrt(C) = 8 before every softmax
# (MAMP's fix, bo-miao/MAMP#4: MAST then trains on current PyTorch).
_base_ = ['./mast_r18_1xb12-pairs-20e_youtube-vos-256x256.py']
model = dict(memory_reader=dict(scaled_affinity=True))
