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

``bert_masked_spec`` is the BERT-base encoder as it is served, with the attention mask as a
second input (the sample's second row padded).

Beyond the issue's four, more architectures people bring, built the same way from
transformers' configurations (``MORE``): DistilBERT, RoBERTa, a T5-small encoder, a small
Llama (rotary positions, RMSNorm, grouped-query attention, gated SiLU), Whisper's encoder
(1-D convolutions), MobileNetV2 (depthwise convolutions), EfficientNet-B0 (SiLU, squeeze and
excitation), ConvNeXt-T (7x7 depthwise, layer norm over channels) and ResNet-18 (basic blocks:
a residual addition fused into a 3x3 convolution). docs/benchmarks.md has their figures.
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


class ByName(nn.Module):
    """Calls ``model`` with its inputs by name (BART's second positional argument is the
    attention mask, not the decoder's ids) and the keyword arguments ``call``, and returns the
    output's ``field``."""

    def __init__(self, model, field, names, **call):
        super().__init__()
        self.model, self.field, self.names, self.call = model, field, names, call

    def forward(self, *args):
        return getattr(self.model(**dict(zip(self.names, args)), **self.call), self.field)


def _tokens(vocab, batch, sequence):
    return torch.randint(0, vocab, (batch, sequence), dtype=torch.int64,
                         generator=torch.Generator().manual_seed(SEED))


def gpt2_spec(sequence=128, batch=2):
    from transformers import GPT2Config, GPT2LMHeadModel  # pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    model = GPT2LMHeadModel(GPT2Config()).eval()
    tokens = _tokens(50257, batch, sequence)
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
    tokens = _tokens(30522, batch, sequence)
    return {"model": LogitsOnly(model, "last_hidden_state"), "inputs": {"input_ids": tokens},
            "name": "bert-base", "output_names": ["last_hidden_state"],
            "dynamic": {"input_ids": {0: BATCH}},
            "description": f"Hugging Face BertModel (base, default config, no pooler), random "
                           f"weights (seed {SEED}); input INT64 token ids [batch, {sequence}], "
                           f"output FP32 [batch, {sequence}, 768]."}


def bert_masked_spec(sequence=128, batch=2):
    """BERT-base as it is served: token ids and an attention mask, the second row padded after
    three quarters of its tokens."""
    from transformers import BertConfig, BertModel  # pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    model = BertModel(BertConfig(), add_pooling_layer=False).eval()
    mask = torch.ones(batch, sequence, dtype=torch.int64)
    mask[1:, sequence * 3 // 4:] = 0
    inputs = {"input_ids": _tokens(30522, batch, sequence), "attention_mask": mask}
    return {"model": ByName(model, "last_hidden_state", list(inputs)), "inputs": inputs,
            "name": "bert-base-masked", "output_names": ["last_hidden_state"],
            "dynamic": {n: {0: BATCH} for n in inputs},
            "description": f"Hugging Face BertModel (base, default config, no pooler), random "
                           f"weights (seed {SEED}); inputs INT64 token ids and attention mask "
                           f"[batch, {sequence}], output FP32 [batch, {sequence}, 768]."}


def _image_spec(build, hf_class, name, title, batch):
    torch.manual_seed(SEED)
    try:
        import torchvision  # pylint: disable=import-outside-toplevel
    except ImportError:
        return _hf_image_spec(hf_class, f"{name}-hf", f"{title}, default config", batch)
    model = getattr(torchvision.models, build)().eval()
    x = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(SEED))
    return {"model": model, "inputs": {"x": x}, "name": name, "output_names": ["logits"],
            "dynamic": {"x": {0: BATCH}},
            "description": f"torchvision {title}, random weights (seed {SEED}); input FP32 "
                           "[batch, 3, 224, 224], output 1000 logits."}


def resnet50_spec(batch=2):
    return _image_spec("resnet50", "ResNetForImageClassification", "resnet50", "ResNet-50", batch)


def vit_spec(batch=2):
    return _image_spec("vit_b_16", "ViTForImageClassification", "vit-b16", "ViT-B/16", batch)


def _encoder(model, vocab, name, title, width, batch=2, sequence=128):
    return {"model": LogitsOnly(model, "last_hidden_state"),
            "inputs": {"input_ids": _tokens(vocab, batch, sequence)}, "name": name,
            "output_names": ["last_hidden_state"], "dynamic": {"input_ids": {0: BATCH}},
            "description": f"Hugging Face {title}, random weights (seed {SEED}); input INT64 "
                           f"token ids [batch, {sequence}], output FP32 [batch, {sequence}, "
                           f"{width}]."}


def distilbert_spec(batch=2):
    from transformers import DistilBertConfig, DistilBertModel  # noqa: E501 pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    return _encoder(DistilBertModel(DistilBertConfig()).eval(), 30522, "distilbert",
                    "DistilBertModel (default config)", 768, batch)


def roberta_spec(batch=2):
    from transformers import RobertaConfig, RobertaModel  # pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    return _encoder(RobertaModel(RobertaConfig(), add_pooling_layer=False).eval(), 50265,
                    "roberta-base", "RobertaModel (base, default config, no pooler)", 768, batch)


def t5_encoder_spec(batch=2):
    from transformers import T5Config, T5EncoderModel  # pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    return _encoder(T5EncoderModel(T5Config()).eval(), 32128, "t5-small-encoder",
                    "T5EncoderModel (small, default config)", 512, batch)


def llama_small_spec(sequence=128, batch=2):
    from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E501 pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    config = LlamaConfig(vocab_size=32000, hidden_size=512, intermediate_size=1376,
                         num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=4)
    return {"model": LogitsOnly(LlamaForCausalLM(config).eval(), "logits", use_cache=False),
            "inputs": {"input_ids": _tokens(32000, batch, sequence)}, "name": "llama-small",
            "output_names": ["logits"], "dynamic": {"input_ids": {0: BATCH}},
            "description": f"Hugging Face LlamaForCausalLM, 4 layers of width 512, 8 heads over "
                           f"4 key-value heads (37M), random weights (seed {SEED}); input INT64 "
                           f"token ids [batch, {sequence}], output FP32 logits [batch, "
                           f"{sequence}, 32000]."}


def whisper_encoder_spec(batch=2):
    from transformers import WhisperConfig  # pylint: disable=import-outside-toplevel
    from transformers.models.whisper.modeling_whisper import WhisperEncoder  # noqa: E501 pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    x = torch.randn(batch, 80, 3000, generator=torch.Generator().manual_seed(SEED))
    return {"model": LogitsOnly(WhisperEncoder(WhisperConfig()).eval(), "last_hidden_state"),
            "inputs": {"input_features": x}, "name": "whisper-encoder",
            "output_names": ["last_hidden_state"], "dynamic": {"input_features": {0: BATCH}},
            "description": f"Hugging Face WhisperEncoder (default config), random weights (seed "
                           f"{SEED}); input FP32 log-mel features [batch, 80, 3000], output FP32 "
                           f"[batch, 1500, 384]."}


def _calibrate_batch_norms(network, batches=4):
    """Sets every batch norm to scale 1, shift 0 and the running statistics of random images
    passed through the network. As transformers initializes them (EfficientNet's scales drawn
    around 0, every running variance 1), MobileNetV2's and EfficientNet's activations shrink
    layer by layer to logits of 1e-21 and exactly 0, which would leave the output check
    nothing to compare."""
    for module in network.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_parameters()
            module.momentum = None  # a plain average over the calibration batches
    network.train()
    generator = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for _ in range(batches):
            network(torch.randn(8, 3, 224, 224, generator=generator))
    network.eval()


def _hf_image_spec(hf_class, name, title, batch, calibrate=False, **config_args):
    import transformers  # pylint: disable=import-outside-toplevel
    torch.manual_seed(SEED)
    config = getattr(transformers, hf_class.replace("ForImageClassification", "Config"))(
        num_labels=1000, **config_args)
    network = getattr(transformers, hf_class)(config)
    if calibrate:
        _calibrate_batch_norms(network)
    model = LogitsOnly(network.eval(), "logits")
    x = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(SEED))
    return {"model": model, "inputs": {"x": x}, "name": name, "output_names": ["logits"],
            "dynamic": {"x": {0: BATCH}},
            "description": f"transformers {hf_class} ({title}), random weights "
                           f"(seed {SEED}); input FP32 [batch, 3, 224, 224], output 1000 logits."}


def mobilenet_v2_spec(batch=2):
    return _hf_image_spec("MobileNetV2ForImageClassification", "mobilenet-v2",
                          "MobileNetV2 1.0, default config, batch norms calibrated", batch,
                          calibrate=True)


def efficientnet_spec(batch=2):
    # transformers' default configuration is B7's; B0's scales width and depth by 1
    return _hf_image_spec("EfficientNetForImageClassification", "efficientnet-b0",
                          "EfficientNet-B0, batch norms calibrated", batch, calibrate=True,
                          width_coefficient=1.0,
                          depth_coefficient=1.0, image_size=224, dropout_rate=0.2,
                          hidden_dim=1280)


def convnext_spec(batch=2):
    return _hf_image_spec("ConvNextForImageClassification", "convnext-tiny",
                          "ConvNeXt-T, default config", batch)


def resnet18_spec(batch=2):
    return _hf_image_spec("ResNetForImageClassification", "resnet18",
                          "ResNet-18: basic blocks, depths 2-2-2-2, widths 64-512, batch norms "
                          "calibrated", batch, calibrate=True, layer_type="basic",
                          depths=[2, 2, 2, 2], hidden_sizes=[64, 128, 256, 512],
                          embedding_size=64)


# The architectures beyond the four (module docstring), by spec name.
MORE = ("distilbert_spec", "roberta_spec", "t5_encoder_spec", "llama_small_spec",
        "whisper_encoder_spec", "mobilenet_v2_spec", "efficientnet_spec", "convnext_spec",
        "resnet18_spec")
