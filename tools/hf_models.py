"""Real models for the exporters, built from their configurations with weights from a fixed
seed (nothing is downloaded): Hugging Face GPT-2 small and a BERT-base encoder, unmodified, with
their default attention implementation, and torchvision's ResNet-50 and ViT-B/16 (where
torchvision is missing, as beside some CPU wheels, the same architectures from transformers:
ResNetForImageClassification and ViTForImageClassification with their default configurations,
which are ResNet-50 v1.5 and ViT-B/16 at 224x224; the name says which was used).

Each ``*_spec()`` returns ``planline_export.export_model``'s (and ``export_inductor_cpu``'s)
keyword arguments::

    python3 tools/planline_export.py hf_models:gpt2_spec /tmp/gpt2 --compile inductor

The weight files are large (GPT-2: 0.5 GB); the folders stay out of git.
"""

from __future__ import annotations

import torch
from torch import nn

from planline_export import DynamicDim

SEED = 0
BATCH = DynamicDim("batch", min=1)


class LogitsOnly(nn.Module):
    """Returns the model output's first tensor (logits / last hidden state) instead of a
    ModelOutput, so the exported program has one plain output."""

    def __init__(self, model, field, **kwargs):
        super().__init__()
        self.model, self.field, self.kwargs = model, field, kwargs

    def forward(self, *args):
        return getattr(self.model(*args, **self.kwargs), self.field)


def gpt2_spec(sequence=128, batch=2):
    from transformers import GPT2Config, GPT2LMHeadModel  # pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    model = GPT2LMHeadModel(GPT2Config()).eval()
    tokens = torch.randint(0, 50257, (batch, sequence), dtype=torch.int64,
                           generator=torch.Generator().manual_seed(SEED))
    return {"model": LogitsOnly(model, "logits", use_cache=False),
            "inputs": {"input_ids": tokens}, "name": "gpt2", "output_names": ["logits"],
            "dynamic": {"input_ids": {0: BATCH}},
            "description": f"Hugging Face GPT2LMHeadModel (124M, default config), random weights "
                           f"(seed {SEED}); input INT64 token ids [batch, {sequence}], output FP32 "
                           f"logits [batch, {sequence}, 50257]."}


def bert_spec(sequence=128, batch=2):
    from transformers import BertConfig, BertModel  # pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    model = BertModel(BertConfig(), add_pooling_layer=False).eval()
    tokens = torch.randint(0, 30522, (batch, sequence), dtype=torch.int64,
                           generator=torch.Generator().manual_seed(SEED))
    return {"model": LogitsOnly(model, "last_hidden_state"), "inputs": {"input_ids": tokens},
            "name": "bert-base", "output_names": ["last_hidden_state"],
            "dynamic": {"input_ids": {0: BATCH}},
            "description": f"Hugging Face BertModel (base, default config, no pooler), random "
                           f"weights (seed {SEED}); input INT64 token ids [batch, {sequence}], "
                           f"output FP32 [batch, {sequence}, 768]."}


def _image_spec(build, hf_class, name, title, batch):
    torch.manual_seed(SEED)
    try:
        import torchvision  # pylint: disable=import-outside-toplevel
        model, source = getattr(torchvision.models, build)().eval(), "torchvision"
    except ImportError:
        import transformers  # pylint: disable=import-outside-toplevel
        config_class = getattr(transformers, hf_class.replace("ForImageClassification", "Config"))
        model = LogitsOnly(getattr(transformers, hf_class)(config_class(num_labels=1000)).eval(),
                           "logits")
        name, source = f"{name}-hf", f"transformers {hf_class}"
    x = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(SEED))
    return {"model": model, "inputs": {"x": x}, "name": name, "output_names": ["logits"],
            "dynamic": {"x": {0: BATCH}},
            "description": f"{source} {title}, random weights (seed {SEED}); input FP32 "
                           "[batch, 3, 224, 224], output 1000 logits."}


def resnet50_spec(batch=2):
    return _image_spec("resnet50", "ResNetForImageClassification", "resnet50", "ResNet-50", batch)


def vit_spec(batch=2):
    return _image_spec("vit_b_16", "ViTForImageClassification", "vit-b16", "ViT-B/16", batch)
