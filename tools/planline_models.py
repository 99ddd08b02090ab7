"""The built-in planline models: definitions and export specs.

Each ``*_spec()`` returns the keyword arguments of ``planline_export.export_model`` (model,
example inputs, dynamic dims, names), so ``planline_export.py planline_models:tiny_gpt_spec OUT``
exports a model with the weights it is constructed with. ``build_models.py`` trains the digits
models before exporting them.

The models are written so that core-ATen decomposition yields only operators the planline CPU
backend runs: attention uses explicit ``bmm`` and an additive causal mask instead of
``scaled_dot_product_attention``; attention heads are column slices of the
fused projection (no 4-D transposes); positions and the causal mask come from ``arange`` rather
than from slicing stored tables by the sequence length.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from planline_export import DynamicDim

PIXEL_SCALE = 1.0 / 16.0  # digits pixels are 0..16; scaling happens inside the models


class DigitsMLP(nn.Module):
    """64 raw pixels -> 10 logits: two hidden ReLU layers."""

    def __init__(self, hidden1=128, hidden2=64):
        super().__init__()
        self.fc1 = nn.Linear(64, hidden1)
        self.fc2 = nn.Linear(hidden1, hidden2)
        self.fc3 = nn.Linear(hidden2, 10)

    def forward(self, x):
        h = x * PIXEL_SCALE
        h = torch.relu(self.fc1(h))
        h = torch.relu(self.fc2(h))
        return self.fc3(h)


class DigitsCNN(nn.Module):
    """[batch, 1, 8, 8] raw pixels -> 10 logits: conv-bn-relu x2, 2x2 max pool, two linears."""

    def __init__(self, c1=16, c2=32, hidden=64):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(c2 * 16, hidden)
        self.fc2 = nn.Linear(hidden, 10)
        self.flat = c2 * 16

    def forward(self, x):
        h = x * PIXEL_SCALE
        h = torch.relu(self.bn1(self.conv1(h)))
        h = torch.relu(self.bn2(self.conv2(h)))
        h = self.pool(h)
        h = h.view(h.shape[0], self.flat)
        h = torch.relu(self.fc1(h))
        return self.fc2(h)


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention, one head at a time.

    Each head's q, k and v are column slices (views) of the fused c_attn output, attention is two
    ``bmm``s around a masked softmax, and the heads are concatenated. This is the same function as
    the usual split-heads formulation, but it needs no 4-D transposes or copies, whose symbolic
    stride checks make ``torch.export`` add guards on the sequence length.
    """

    def __init__(self, width, heads):
        super().__init__()
        self.width, self.heads, self.head_dim = width, heads, width // heads
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)

    def forward(self, x, mask):
        qkv = self.c_attn(x)
        width, dim = self.width, self.head_dim
        scale = 1.0 / math.sqrt(dim)
        outs = []
        for h in range(self.heads):
            q = torch.narrow(qkv, 2, h * dim, dim)
            k = torch.narrow(qkv, 2, width + h * dim, dim)
            v = torch.narrow(qkv, 2, 2 * width + h * dim, dim)
            att = torch.bmm(q, k.transpose(1, 2)) * scale
            att = torch.softmax(att + mask, dim=-1)
            outs.append(torch.bmm(att, v))
        return self.c_proj(torch.cat(outs, dim=2))


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width)
        self.mlp_proj = nn.Linear(4 * width, width)

    def forward(self, x, mask):
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class TinyGPT(nn.Module):
    """GPT-2-style decoder over bytes: token ids [batch, seq] -> logits [batch, seq, vocab]."""

    def __init__(self, vocab=256, context=64, width=128, heads=4, layers=2, seed=0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.context = context
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        with torch.no_grad():
            for name, param in self.named_parameters():
                if name.endswith("bias"):
                    param.zero_()
                elif ".ln_" in name or name.startswith("ln_f"):
                    param.fill_(1.0)
                else:
                    std = 0.02 / math.sqrt(2 * layers) if name.endswith("proj.weight") else 0.02
                    param.copy_(torch.randn(param.shape, generator=gen) * std)
            # Make the layer norms non-trivial so the export is exercised on real scales.
            for name, param in self.named_parameters():
                if ".ln_" in name or name.startswith("ln_f"):
                    param.add_(torch.randn(param.shape, generator=gen) * 0.1)

    def forward(self, tokens):
        seq = tokens.shape[1]
        x = self.wte(tokens) + self.wpe(torch.arange(seq, dtype=torch.int64,
                                                     device=tokens.device))
        # Additive causal mask computed from positions: -1e9 * (key - query) above the diagonal,
        # 0 on and below it; exp() of such scores underflows to exactly 0 in the softmax.
        # (Slicing a stored [context, context] mask makes torch.export guard on the length.)
        pos = torch.arange(seq, dtype=torch.float32, device=tokens.device)
        mask = torch.relu(pos.unsqueeze(0) - pos.unsqueeze(1)) * -1e9
        for block in self.blocks:
            x = block(x, mask)
        x = self.ln_f(x)
        return F.linear(x, self.wte.weight)  # tied output head


BATCH = DynamicDim("batch", min=1)


def digits_mlp_spec(model=None, example=None):
    model = model if model is not None else DigitsMLP()
    example = example if example is not None else torch.arange(3 * 64, dtype=torch.float32) \
        .remainder(17).reshape(3, 64)
    return {"model": model, "inputs": {"x": example}, "name": "digits-mlp",
            "output_names": ["logits"], "dynamic": {"x": {0: BATCH}},
            "description": "MLP 64-128-64-10 (ReLU) on 8x8 digit images; input [batch, 64] raw "
                           "pixels 0..16 (FP32, scaled by 1/16 inside), output 10 logits."}


def digits_cnn_spec(model=None, example=None):
    model = model if model is not None else DigitsCNN()
    example = example if example is not None else torch.arange(3 * 64, dtype=torch.float32) \
        .remainder(17).reshape(3, 1, 8, 8)
    return {"model": model, "inputs": {"x": example}, "name": "digits-cnn",
            "output_names": ["logits"], "dynamic": {"x": {0: BATCH}},
            "description": "CNN conv3x3(16)-BN-ReLU, conv3x3(32)-BN-ReLU, maxpool 2x2, "
                           "linear 512-64-ReLU-10 on 8x8 digit images; input [batch, 1, 8, 8] "
                           "raw pixels 0..16 (FP32, scaled by 1/16 inside), output 10 logits."}


def tiny_gpt_spec(seed=0):
    model = TinyGPT(seed=seed)
    text = [b"planline", b"tensors!"]
    tokens = torch.tensor([list(t) for t in text], dtype=torch.int64)
    return {"model": model, "inputs": {"tokens": tokens}, "name": "tiny-gpt",
            "output_names": ["logits"],
            "dynamic": {"tokens": {0: BATCH, 1: DynamicDim("sequence", min=1, max=model.context)}},
            "description": "GPT-2-style byte decoder with random weights (seed "
                           f"{seed}): token + position embeddings, 2 pre-LN blocks of 4-head "
                           "causal self-attention and GELU(tanh) MLP, final layer norm, output "
                           "head tied to the token embedding; width 128, vocabulary 256, "
                           "context 64. Input INT64 token ids [batch, sequence<=64], output FP32 "
                           "logits [batch, sequence, 256]."}
