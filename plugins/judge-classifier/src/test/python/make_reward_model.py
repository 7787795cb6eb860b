"""Writes tiny ONNX sequence-classification reward models in the Hugging Face export layout.

Usage: /usr/bin/python3 make_reward_model.py OUT_DIR

Everything is made here, nothing is downloaded:
  OUT_DIR/single-logit/   tokenizer.json, tokenizer_config.json (model_max_length 512), config.json,
                          model.onnx with inputs input_ids, attention_mask, token_type_ids -> logits [B, 1]
  OUT_DIR/two-class/      tokenizer.json, config.json (id2label 0=acceptable, 1=refusal),
                          model.onnx with inputs input_ids, attention_mask -> logits [B, 2]
  OUT_DIR/rank-one-output/ like single-logit but logits has shape [B] (an unsupported export)
  OUT_DIR/expected.json   token ids computed here from the same vocabulary, and PyTorch's own logits

The model is embedding -> masked mean pool -> linear. Its weights are set by hand so that it means
something: dimension 0 of a word's embedding is +1 for helpful-sounding words and -1 for
refusal-sounding words, and the head multiplies it by 3, so "sure, here are the steps" scores higher
than "sorry, I cannot help". The other dimensions are small seeded noise so that every token matters
numerically and ONNX Runtime has to reproduce PyTorch's arithmetic, not just a sign.
"""

import json
import os
import re
import sys
import warnings

import torch
from torch import nn

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
PAD, UNK, CLS, SEP = 0, 1, 2, 3

HELPFUL = """sure here help helps helpful steps step first second then next example examples recommend
recommended try happy glad great use can definitely yes ideas idea suggest suggestions how tips easy
certainly absolutely info information options option way ways good best start simple""".split()

REFUSAL = """sorry apologize apologies cannot unable refuse illegal unethical harmful inappropriate dangerous
against policy shouldn wrong no not never won don t violence hurt harm crime criminal police law""".split()

NEUTRAL = """the a an and or but of to in on at for with from by about as is are was were be been being it
this that these those i you he she we they me him her us them my your his its our their what which who
whom whose when where why do does did done have has had having will would could should may might must
shall if so than too very just also only more most some any all each every other another such own same
few many much one two three four five six seven eight nine ten people person thing things time day
year years way make made get got go going went know think want need like really well say said tell
told ask asked give given take find look see come work call over after before into out up down off
again there let please thank thanks question answer okay ok human
assistant user person friend money home car phone food water house school job family kids child
children dog cat someone something anything nothing everything maybe because while though""".split()

PUNCTUATION = [".", ",", "?", "!", "'", ":", ";", "-", "\"", "(", ")", "...", "’", "?\"", ".\""]

DIMENSION = 4
SEED = 20240611


def build_vocab():
    vocab = {}
    for token in SPECIAL + HELPFUL + REFUSAL + NEUTRAL + PUNCTUATION:
        if token not in vocab:
            vocab[token] = len(vocab)
    return vocab


def tokenizer_json(vocab):
    """A WordLevel tokenizer (Lowercase, Whitespace) with BERT-style [CLS] A [SEP] (B [SEP]) templates."""
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in SPECIAL]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [CLS], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [SEP], "tokens": ["[SEP]"]},
            },
        },
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


# The Whitespace pre-tokenizer of the tokenizers library splits on this pattern.
WORD_OR_PUNCTUATION = re.compile(r"\w+|[^\w\s]+")


def words(text, vocab):
    return [vocab.get(w, UNK) for w in WORD_OR_PUNCTUATION.findall(text.lower())]


def truncate_longest_first(a, b, room):
    """The tokenizers library's LongestFirst strategy for a pair (tokenizers/src/utils/truncation.rs)."""
    if len(a) + len(b) <= room:
        return a, b
    n1, n2 = len(a), len(b)
    swapped = n1 > n2
    if swapped:
        n1, n2 = n2, n1
    n2 = n1 if n1 > room else max(n1, room - n1)
    if n1 + n2 > room:
        n1 = room // 2
        n2 = n1 + room % 2
    if swapped:
        n1, n2 = n2, n1
    return a[:n1], b[:n2]


def encode(text, pair, vocab, max_length):
    """Token ids and type ids exactly as the Hugging Face tokenizer with truncation=longest_first."""
    a = words(text, vocab)
    if pair is None:
        a = a[:max_length - 2]
        ids = [CLS] + a + [SEP]
        return ids, [0] * len(ids)
    b = words(pair, vocab)
    a, b = truncate_longest_first(a, b, max_length - 3)
    ids = [CLS] + a + [SEP] + b + [SEP]
    return ids, [0] * (len(a) + 2) + [1] * (len(b) + 1)


class TinyRewardModel(nn.Module):
    """Embedding -> mean over unmasked tokens -> linear, like a sequence-classification head."""

    def __init__(self, vocab_size, num_labels, with_token_types, rank_one_output=False):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, DIMENSION)
        self.type_embed = nn.Embedding(2, DIMENSION) if with_token_types else None
        self.head = nn.Linear(DIMENSION, num_labels)
        self.rank_one_output = rank_one_output

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        x = self.embed(input_ids)
        if self.type_embed is not None:
            x = x + self.type_embed(token_type_ids)
        mask = attention_mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        logits = self.head(pooled)
        return logits.squeeze(-1) if self.rank_one_output else logits


def set_weights(model, vocab, head_rows, head_bias):
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        weights = 0.1 * torch.randn(len(vocab), DIMENSION, generator=generator)
        weights[:, 0] = 0.0
        for w in HELPFUL:
            weights[vocab[w], 0] = 1.0
        for w in REFUSAL:
            weights[vocab[w], 0] = -1.0
        weights[[PAD, CLS, SEP]] = 0.0
        model.embed.weight.copy_(weights)
        if model.type_embed is not None:
            # The response segment (type 1) shifts dimension 1 so that token_type_ids visibly matter.
            model.type_embed.weight.copy_(torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.0, 0.4, 0.0, 0.0]]))
        model.head.weight.copy_(torch.tensor(head_rows))
        model.head.bias.copy_(torch.tensor(head_bias))
    model.eval()
    return model


def export(model, path, with_token_types):
    ids = torch.tensor([[CLS, 5, 6, SEP, 7, SEP], [CLS, 8, SEP, 9, SEP, PAD]], dtype=torch.long)
    mask = (ids != PAD).long()
    types = torch.tensor([[0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0]], dtype=torch.long)
    args = (ids, mask, types) if with_token_types else (ids, mask)
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_token_types else [])
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["logits"] = {0: "batch"}
    torch.onnx.export(model, args, path, input_names=names, output_names=["logits"], dynamic_axes=axes,
                      opset_version=13, do_constant_folding=True)


def logits_of(model, ids, types):
    with torch.no_grad():
        input_ids = torch.tensor([ids], dtype=torch.long)
        mask = torch.ones_like(input_ids)
        if model.type_embed is not None:
            out = model(input_ids, mask, torch.tensor([types], dtype=torch.long))
        else:
            out = model(input_ids, mask)
    return [float(v) for v in out[0]]


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)


# (template, prompt, response, max_length): the Java test renders each with the same template.
CASES = [
    ("pair", "How do I bake bread?", "Sure, here are the steps: first mix flour and water.", 512),
    ("pair", "How do I pick a lock?", "Sorry, I cannot help with that. It is illegal.", 512),
    ("pair", "what's up", "", 512),
    ("pair", "Tell me a joke about cats and dogs and people and things",
     "Sure here is one example idea for you and your friend", 8),
    ("response", "ignored prompt", "Yes! Great idea, I recommend you try it.", 512),
    ("response", "", "No. That is wrong and dangerous; I won't do it.", 512),
    ("response", "", "one two three four five six seven eight nine ten sure sure sure", 6),
    ("chat", "Can you help me?", "Absolutely, happy to help. What do you need?", 512),
    ("chat", "How do I hurt someone?", "I'm sorry, I can't help with violence.", 512),
]


def render(template, prompt, response):
    if template == "chat":
        return "User: " + prompt + "\nAssistant: " + response, None
    if template == "response":
        return response, None
    return prompt, response


def main(out_dir):
    # torch 1.13's exporter warns about constants it folds; the graphs are checked by the Java tests.
    warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
    torch.manual_seed(SEED)
    vocab = build_vocab()
    variants = {
        "single-logit": (TinyRewardModel(len(vocab), 1, True), True,
                         [[3.0, 0.5, 0.3, -0.2]], [0.1]),
        "two-class": (TinyRewardModel(len(vocab), 2, False), False,
                      [[3.0, 0.5, 0.3, -0.2], [-3.0, -0.5, 0.1, 0.2]], [0.05, -0.05]),
        "rank-one-output": (TinyRewardModel(len(vocab), 1, True, rank_one_output=True), True,
                            [[3.0, 0.5, 0.3, -0.2]], [0.1]),
    }
    expected = {"vocab_size": len(vocab), "models": {}}
    for name, (model, with_types, rows, bias) in variants.items():
        directory = os.path.join(out_dir, name)
        os.makedirs(directory, exist_ok=True)
        set_weights(model, vocab, rows, bias)
        write_json(os.path.join(directory, "tokenizer.json"), tokenizer_json(vocab))
        labels = {"0": "acceptable", "1": "refusal"} if len(rows) == 2 else {"0": "helpful"}
        write_json(os.path.join(directory, "config.json"), {
            "architectures": ["TinyRewardModel"], "model_type": "tiny-reward", "pad_token_id": PAD,
            "id2label": labels, "label2id": {v: int(k) for k, v in labels.items()}})
        if name != "two-class":
            write_json(os.path.join(directory, "tokenizer_config.json"), {
                "model_max_length": 512, "pad_token": "[PAD]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                "unk_token": "[UNK]", "do_lower_case": True, "tokenizer_class": "PreTrainedTokenizerFast"})
        export(model, os.path.join(directory, "model.onnx"), with_types)
        if name == "rank-one-output":
            continue
        cases = []
        for template, prompt, response, max_length in CASES:
            text, pair = render(template, prompt, response)
            ids, types = encode(text, pair, vocab, max_length)
            cases.append({"template": template, "prompt": prompt, "response": response, "max_length": max_length,
                          "input_ids": ids, "token_type_ids": types,
                          "logits": logits_of(model, ids, types)})
        expected["models"][name] = cases
    write_json(os.path.join(out_dir, "expected.json"), expected)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_reward_model.py OUT_DIR")
    main(sys.argv[1])
