"""More architectures people bring, at small sizes, to show that each exports and runs: every
spec builds a transformers model from its configuration (language models: 2-3 layers of width
256, 8 heads, a 4,096-token vocabulary, 64 tokens; vision models: their default configuration)
with weights from a fixed seed, nothing downloaded. Their figures say whether planline runs the
architecture within 1e-4 of PyTorch, not how fast it runs it (hf_models.py has the full-size
models the benchmarks use). ``tools/probe-architectures.sh`` exports and runs each::

    python3 tools/planline_export.py hf_probes:qwen2_spec /tmp/qwen2 --compile inductor

What each brings that the full-size models do not: Qwen2 (biased query, key and value over
grouped heads), Mistral (sliding-window attention), Gemma 2 (logit soft-capping, alternating
local and global layers), Phi (partial rotary positions), OPT (learned positions offset by the
mask's running sum), BLOOM (ALiBi position biases), Falcon (parallel attention and MLP),
GPT-Neo (local attention through a slice of a stored causal mask), DeBERTa-v2 (disentangled
relative attention with log buckets), ALBERT (one layer run twelve times, xxlarge width), MPNet
(relative position buckets), ModernBERT (rotary positions, alternating local attention), Swin
(shifted windows: roll and window partitions), MobileViT (unfolded patches between
convolutions), SegFormer (efficient attention over a strided convolution), RegNet (grouped
convolutions, squeeze and excitation), BEiT (relative position bias tables), LeViT (attention
biases by index, hard-swish, batch norm over tokens), DINOv2 (interpolated position
embeddings, layer scale), CLIP's vision tower (quick GELU, a pooled class token),
Wav2Vec2 (a 1-D convolution stack with group norm, a grouped positional convolution), and
three models with two inputs: BERT as it is served (token ids and an attention mask), BART
(encoder and decoder in one pass) and CLIP (text and image towers, scores of each image
against each text).
"""

from __future__ import annotations

import torch
import transformers

from hf_models import BATCH, SEED, ByName, LogitsOnly, _hf_image_spec, _tokens
from planline_export import DynamicDim

SEQUENCE = 64
VOCAB = 4096
_SMALL = {"vocab_size": VOCAB, "hidden_size": 256, "num_hidden_layers": 2,
          "num_attention_heads": 8}


def _model(cls, config_cls, **config):
    torch.manual_seed(SEED)
    return getattr(transformers, cls)(getattr(transformers, config_cls)(**config)).eval()


def _spec(network, name, field, inputs, text, batches=None, **call):
    """planline_export's arguments for ``network``: its ``inputs`` (each with a dynamic batch,
    one for all unless ``batches`` names each input's; two or more inputs are passed by name),
    what ``text`` says they are, and its output ``field``."""
    model = LogitsOnly(network, field, **call) if len(inputs) == 1 else \
        ByName(network, field, list(inputs), **call)
    return {"model": model, "inputs": inputs, "name": name, "output_names": [field],
            "dynamic": {n: {0: (batches or {}).get(n, BATCH)} for n in inputs},
            "description": f"transformers {type(network).__name__} as configured in "
                           f"hf_probes.py, random weights (seed {SEED}); input {text}, output "
                           f"FP32 {field}."}


def _tokens_spec(network, name, field="logits", **call):
    """A language model or text encoder taking [batch, 64] token ids."""
    return _spec(network, name, field, {"input_ids": _tokens(VOCAB, 2, SEQUENCE)},
                 f"INT64 token ids [batch, {SEQUENCE}]", **call)


def _causal(cls, name, **config):
    config_cls = cls.replace("ForCausalLM", "Config")
    return _tokens_spec(_model(cls, config_cls, **config), name, use_cache=False)


def _encoder(cls, name, **config):
    return _tokens_spec(_model(cls, cls.replace("Model", "Config"), **config), name,
                        "last_hidden_state")


def qwen2_spec():
    return _causal("Qwen2ForCausalLM", "qwen2", **_SMALL, intermediate_size=688,
                   num_key_value_heads=2)


def mistral_spec():
    return _causal("MistralForCausalLM", "mistral", **_SMALL, intermediate_size=688,
                   num_key_value_heads=2, sliding_window=32)


def gemma2_spec():
    return _causal("Gemma2ForCausalLM", "gemma2", **_SMALL, intermediate_size=688,
                   num_key_value_heads=2, head_dim=32, sliding_window=32)


def phi_spec():
    return _causal("PhiForCausalLM", "phi", **_SMALL, intermediate_size=1024)


def opt_spec():
    return _causal("OPTForCausalLM", "opt", **_SMALL, ffn_dim=1024, word_embed_proj_dim=256)


def bloom_spec():
    return _causal("BloomForCausalLM", "bloom", vocab_size=VOCAB, hidden_size=256, n_layer=2,
                   n_head=8)


def falcon_spec():
    return _causal("FalconForCausalLM", "falcon", **_SMALL)


def gpt_neo_spec():
    return _causal("GPTNeoForCausalLM", "gpt-neo", vocab_size=VOCAB, hidden_size=256,
                   num_layers=2, num_heads=8, attention_types=[[["global", "local"], 1]],
                   window_size=32)


def deberta_v2_spec():
    return _encoder("DebertaV2Model", "deberta-v2", **_SMALL, intermediate_size=1024,
                    relative_attention=True, position_buckets=64, pos_att_type=["p2c", "c2p"],
                    max_relative_positions=-1, position_biased_input=False)


def albert_spec():
    # the default configuration is ALBERT-xxlarge (width 4096, one layer run twelve times)
    return _encoder("AlbertModel", "albert", vocab_size=VOCAB)


def mpnet_spec():
    return _encoder("MPNetModel", "mpnet", vocab_size=VOCAB, num_hidden_layers=2)


def modernbert_spec():
    return _encoder("ModernBertModel", "modernbert", **{**_SMALL, "num_hidden_layers": 3},
                    intermediate_size=512, local_attention=32, pad_token_id=0, bos_token_id=1,
                    eos_token_id=2, cls_token_id=1, sep_token_id=2)


def _image(cls, name, **options):
    return _hf_image_spec(cls, name, f"{name}, default config", 2, **options)


def swin_spec():
    return _image("SwinForImageClassification", "swin-tiny")


def mobilevit_spec():
    return _image("MobileViTForImageClassification", "mobilevit-small", calibrate=True)


def segformer_spec():
    return _image("SegformerForImageClassification", "segformer-b0")


def regnet_spec():
    return _image("RegNetForImageClassification", "regnet", calibrate=True)


def beit_spec():
    return _image("BeitForImageClassification", "beit-base", use_relative_position_bias=True)


def levit_spec():
    return _image("LevitForImageClassification", "levit-128s", calibrate=True)


def _vision_tower(network, name, field):
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(SEED))
    return _spec(network, name, field, {"x": x}, "FP32 [batch, 3, 224, 224]")


def dinov2_spec():
    return _vision_tower(_model("Dinov2Model", "Dinov2Config", image_size=224,
                                num_hidden_layers=4), "dinov2", "last_hidden_state")


def clip_vision_spec():
    return _vision_tower(_model("CLIPVisionModel", "CLIPVisionConfig"), "clip-vision",
                         "pooler_output")


def wav2vec2_spec():
    network = _model("Wav2Vec2Model", "Wav2Vec2Config", num_hidden_layers=2)
    audio = torch.randn(2, 16000, generator=torch.Generator().manual_seed(SEED))
    return _spec(network, "wav2vec2", "last_hidden_state", {"input_values": audio},
                 "FP32 audio [batch, 16000]")


def bert_small_masked_spec():
    # as BERT is served: token ids and an attention mask, the second row padded after 40 tokens
    # (a small BERT: hf_models.bert_masked_spec is BERT-base, for the benchmarks)
    network = _model("BertModel", "BertConfig", **_SMALL, intermediate_size=1024)
    mask = torch.ones(2, SEQUENCE, dtype=torch.int64)
    mask[1, 40:] = 0
    return _spec(network, "bert-small-masked", "last_hidden_state",
                       {"input_ids": _tokens(VOCAB, 2, SEQUENCE), "attention_mask": mask},
                       f"INT64 token ids and attention mask [batch, {SEQUENCE}]")


def bart_spec():
    # an encoder-decoder in one pass: source ids and the decoder's ids so far
    network = _model("BartModel", "BartConfig", vocab_size=VOCAB, d_model=256,
                     encoder_layers=2, decoder_layers=2, encoder_attention_heads=8,
                     decoder_attention_heads=8, encoder_ffn_dim=1024, decoder_ffn_dim=1024)
    return _spec(network, "bart", "last_hidden_state",
                       {"input_ids": _tokens(VOCAB, 2, SEQUENCE),
                        "decoder_input_ids": _tokens(VOCAB, 2, 16)},
                       f"INT64 token ids [batch, {SEQUENCE}] and decoder ids [batch, 16]",
                       # no decoder cache: transformers 5.17 builds one on the first call, and
                       # Dynamo failed in its deep copy of the configuration (on the GPU)
                       use_cache=False)


def clip_spec():
    # text and image towers together: each image's scores against each text
    torch.manual_seed(SEED)
    config = transformers.CLIPConfig(
        text_config={"vocab_size": VOCAB, "hidden_size": 256, "intermediate_size": 1024,
                     "num_hidden_layers": 2, "num_attention_heads": 8, "bos_token_id": 0,
                     "eos_token_id": 2},
        vision_config={"hidden_size": 256, "intermediate_size": 1024, "num_hidden_layers": 2,
                       "num_attention_heads": 8, "patch_size": 32})
    network = transformers.CLIPModel(config).eval()
    pixels = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(SEED))
    return _spec(network, "clip", "logits_per_image",
                       {"input_ids": _tokens(VOCAB, 2, 16), "pixel_values": pixels},
                       "INT64 token ids [texts, 16] and FP32 images [images, 3, 224, 224]",
                       # as many texts as images or not: the scores are [images, texts]
                       batches={"input_ids": DynamicDim("texts", min=1),
                                "pixel_values": DynamicDim("images", min=1)})


# Every probe, by spec name, in the order probe-architectures.sh runs them.
PROBES = ("qwen2_spec", "mistral_spec", "gemma2_spec", "phi_spec", "opt_spec", "bloom_spec",
          "falcon_spec", "gpt_neo_spec", "deberta_v2_spec", "albert_spec", "mpnet_spec",
          "modernbert_spec", "swin_spec", "mobilevit_spec", "segformer_spec", "regnet_spec",
          "beit_spec", "levit_spec", "dinov2_spec", "clip_vision_spec", "wav2vec2_spec",
          "bert_small_masked_spec", "bart_spec", "clip_spec")
