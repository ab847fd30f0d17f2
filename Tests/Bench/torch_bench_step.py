#!/usr/bin/env python3
"""PyTorch eager reference of `vlp bench step` (session bench-small): ms per full ALBEF training step.

Mirrors the Swift model and step of sessions/bench-small/session.json so that our ms/step can be
compared with PyTorch's on the same machine. Not part of the build or the tests: nothing imports
it and the project does not depend on torch.

Setup (torch CPU-only, in a virtualenv outside the repository):

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch numpy --index-url https://download.pytorch.org/whl/cpu
    # (or a local CPU wheel: /tmp/torchenv/bin/pip install /path/to/torch-*+cpu-*.whl numpy)

Usage:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        /tmp/torchenv/bin/python Tests/Bench/torch_bench_step.py --threads 1,2 --steps 20 --warmup 3 [--json]

--model oscar runs the Oscar-style step of `vlp bench step oscar-tags` instead
(Tests/Bench/torch_bench_oscar.py: 4 post-norm layers over caption, tags and 10 region slots,
batch 32, 224,972 parameters).

Prints the trainable parameter count (the student only: not the momentum copy nor the queues;
our Swift model has 1,497,323), and per thread count the median, 90th percentile (nearest
rank) and best ms per step, the median process CPU ms per step (every thread: on a loaded
machine the one-thread CPU time is what the neighbours do not inflate) and the peak resident set (getrusage ru_maxrss, MiB). With several thread counts each runs in its own
subprocess, so the peak RSS is per configuration. torch.set_num_threads(n) and
torch.set_num_interop_threads(1) are set before any work. --json prints a list of objects with
the fields of our StepBenchmarkResult (session, parameters, threads, medianMilliseconds,
bestMilliseconds, steps, peakResidentMiB) plus the torch version and the options used.
--parameters lists every parameter with its shape (names as in our Module tree).

The model (as Sources/VLP/Models, Sources/NN/Layers): d 128, 4 heads, FFN 512 with exact (erf)
GELU, pre-LN layers x = x + dropout(sublayer(LN(x))), LayerNorm eps 1e-12, a final LayerNorm per
encoder, every Linear with a bias, dropout 0.1 on embeddings, sub-layer outputs and attention
probabilities (none inside the FFN, none in the momentum model, which runs as in inference).
  image: 16x16 RGB -> 16 patches of 4x4x3 = 48 values -> Linear(48, 128) -> [CLS; patches] +
         17 learned positions -> dropout -> 2 layers -> final LN (no image padding mask)
  text:  word embeddings (1,000) + 25 learned positions, no token types, and no embedding
         LayerNorm (our TextEmbeddings adds one only for post-norm layers) -> dropout -> 2 layers
         -> final LN
  fusion: 2 layers of self-attention, cross-attention to the image tokens, FFN (each pre-LN)
         -> final LN
  ITC: Linear(128, 64) on image and text [CLS], L2-normalised, learnable temperature 0.07
       (clamped to [0.001, 0.5] before every step)
  MLM head: Linear(128, 128), GELU, LN, decoder tied to the word embeddings plus its own bias;
       logits only at the masked positions (as our code; ALBEF computes all positions)
  ITM head: Linear(128, 2) on the fusion [CLS]
Parameters: image 405,376 + text embeddings 131,200 + text encoder 396,800 + fusion 529,408
+ projections 16,512 + MLM head 17,768 + ITM head 258 + temperature 1 = 1,497,323.

The step (as Pretrainer.trainStep and ALBEFTraining.losses(on:), after ALBEF models/model_pretrain.py):
batch assembly (pick 32 pairs of a synthetic pool, patchify the images, BERT masking: 15% of
non-[PAD], non-[CLS] tokens, 80% [MASK] / 10% random id / 10% unchanged), the student's image and
text encoders, the momentum EMA update (0.995) and the momentum image and text features, ITC over
batch + queue of 1,024 with distillation (alpha 0.4), ITM on B positives + B negative images
+ B negative texts drawn from the softmaxed student similarities (diagonal excluded) in one
fusion batch of 3B, MLM with distillation (student and momentum masked text + fusion), backward,
the global gradient norm (our step always computes it; clipping is off), AdamW (lr 1e-4, betas
0.9/0.999, eps 1e-8, decoupled weight decay 0.02 on tensors of rank >= 2 only and never the
temperature, as our AdamW with noDecayNames = ["temperature"]) and the queue update.

Differences from our Swift step, none of which changes the work per step: alpha is 0.4 from the
first step (our run ramps it over the first epoch, about 0.4 * step / 562 in the timed steps; any
alpha > 0 does the same work), the learning rate is a constant 1e-4 (ours: warm-up + cosine),
the data are random (images in [0, 1], token ids 5..999, 8..24 tokens after [CLS] with the last
one a [SEP], padded to 25) instead of the scene world's rendered images and captions; batches are
always padded to 25 positions (ours pad to the longest caption of the batch, 25 nearly always).
"""
import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

SESSION = "bench-small"
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
FIRST_WORD = 5


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1", help="comma-separated thread counts (default 1)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--attention", choices=["sdpa", "math"], default="sdpa",
                        help="sdpa: F.scaled_dot_product_attention (default); math: explicit "
                             "QK^T, mask, softmax, dropout, xV as HF BERT / ALBEF's xbert.py")
    parser.add_argument("--adamw", choices=["default", "foreach", "fused"], default="default",
                        help="torch.optim.AdamW implementation (default: PyTorch's choice, the "
                             "per-tensor loop on CPU)")
    parser.add_argument("--last-layer", choices=["full", "read"], default="full", dest="last_layer",
                        help="full: the last fusion layer over every text position, as ALBEF's "
                             "code (default); read: over the rows the heads read alone (ITM's "
                             "[CLS], MLM's masked positions), as vlp computes it (the same losses)")
    parser.add_argument("--model", choices=["albef", "oscar"], default="albef",
                        help="albef: bench-small's step (default); oscar: oscar-tags' step "
                             "(Tests/Bench/torch_bench_oscar.py)")
    parser.add_argument("--parameters", action="store_true",
                        help="list the parameters and their shapes, then exit")
    parser.add_argument("--losses", action="store_true", help="print every step's losses to stderr")
    return parser.parse_args(argv)


# The configuration of sessions/bench-small/session.json with our defaults filled in.
CONFIG = dict(
    dimension=128, heads=4, hidden=512, image_layers=2, text_layers=2, fusion_layers=2,
    image_size=16, patch_size=4, embedding_dimension=64, text_length=25, vocabulary=1000,
    dropout=0.1, layer_norm_epsilon=1e-12, init_std=0.02,
    alpha=0.4, queue_size=1024, momentum=0.995, temperature=0.07, mask_probability=0.15,
    batch_size=32, learning_rate=1e-4, weight_decay=0.02,
    pool_size=1024,  # synthetic pairs the batches are drawn from
)


def build(torch, attention_kind):
    """Defines the modules (inside a function so that torch is imported after the thread setup)."""
    nn = torch.nn
    F = torch.nn.functional
    c = CONFIG
    std = c["init_std"]

    def linear(inputs, outputs):
        layer = nn.Linear(inputs, outputs, bias=True)
        nn.init.normal_(layer.weight, std=std)
        nn.init.zeros_(layer.bias)
        return layer

    def layer_norm(d):
        return nn.LayerNorm(d, eps=c["layer_norm_epsilon"])

    class MultiHeadAttention(nn.Module):
        def __init__(self, d, heads, dropout):
            super().__init__()
            self.query, self.key, self.value, self.output = (linear(d, d) for _ in range(4))
            self.heads, self.d, self.dropout = heads, d, dropout

        def split(self, x):  # (B, T, d) -> (B, H, T, d / H)
            b, t, _ = x.shape
            return x.view(b, t, self.heads, self.d // self.heads).transpose(1, 2)

        def forward(self, x, keys_values=None, key_mask=None):
            """key_mask: (B, Tk) bool, True = attend; None = attend everywhere."""
            source = x if keys_values is None else keys_values
            q, k, v = self.split(self.query(x)), self.split(self.key(source)), self.split(self.value(source))
            p = self.dropout if self.training else 0.0
            mask = None if key_mask is None else key_mask[:, None, None, :]  # (B, 1, 1, Tk)
            if attention_kind == "sdpa":
                attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
            else:
                scores = q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5)
                if mask is not None:
                    scores = scores.masked_fill(~mask, float("-inf"))
                attended = F.dropout(scores.softmax(dim=-1), p, self.training) @ v
            b, _, t, _ = attended.shape
            return self.output(attended.transpose(1, 2).reshape(b, t, self.d))

    class FeedForward(nn.Module):
        def __init__(self, d, hidden):
            super().__init__()
            self.intermediate, self.output = linear(d, hidden), linear(hidden, d)

        def forward(self, x):
            return self.output(F.gelu(self.intermediate(x)))  # exact (erf) GELU

    class TransformerLayer(nn.Module):
        """Pre-LN: x + dropout(sublayer(LN(x))) for self-attention, [cross-attention,] FFN."""

        def __init__(self, cross):
            super().__init__()
            d, p = c["dimension"], c["dropout"]
            self.attention = MultiHeadAttention(d, c["heads"], p)
            self.attentionNorm = layer_norm(d)
            if cross:
                self.crossAttention = MultiHeadAttention(d, c["heads"], p)
                self.crossAttentionNorm = layer_norm(d)
            else:
                self.crossAttention = self.crossAttentionNorm = None
            self.feedForward = FeedForward(d, c["hidden"])
            self.feedForwardNorm = layer_norm(d)
            self.dropout = nn.Dropout(p)

        def forward(self, x, mask=None, cross_input=None, cross_mask=None, rows=None):
            if rows is not None:  # (B, Tq) positions alone, attending to every position
                normed = self.attentionNorm(x)
                batch = torch.arange(x.shape[0])[:, None]
                x = x[batch, rows] + self.dropout(
                    self.attention(normed[batch, rows], keys_values=normed, key_mask=mask))
            else:
                x = x + self.dropout(self.attention(self.attentionNorm(x), key_mask=mask))
            if self.crossAttention is not None:
                x = x + self.dropout(self.crossAttention(
                    self.crossAttentionNorm(x), keys_values=cross_input, key_mask=cross_mask))
            return x + self.dropout(self.feedForward(self.feedForwardNorm(x)))

    class TransformerEncoder(nn.Module):
        def __init__(self, count, cross=False):
            super().__init__()
            self.layers = nn.ModuleList(TransformerLayer(cross) for _ in range(count))
            self.finalNorm = layer_norm(c["dimension"])  # pre-norm encoders end with a LayerNorm

        def forward(self, x, mask=None, cross_input=None, cross_mask=None, rows=None):
            for index, layer in enumerate(self.layers):
                x = layer(x, mask, cross_input, cross_mask, rows if index == len(self.layers) - 1 else None)
            return self.finalNorm(x)

    class ImageEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            d, p = c["dimension"], c["patch_size"]
            patches = (c["image_size"] // p) ** 2
            self.embedding = linear(3 * p * p, d)
            self.classToken = nn.Parameter(torch.randn(1, 1, d) * std)
            self.positions = nn.Parameter(torch.randn(1, 1 + patches, d) * std)
            self.encoder = TransformerEncoder(c["image_layers"])
            self.dropout = nn.Dropout(c["dropout"])

        def forward(self, patches):  # (B, P, 48) -> (B, 1 + P, d); no padding mask
            embedded = self.embedding(patches)
            cls = self.classToken.expand(embedded.shape[0], -1, -1)
            tokens = self.dropout(torch.cat([cls, embedded], dim=1) + self.positions)
            return self.encoder(tokens)

    class TextEmbeddings(nn.Module):
        """Words + learned positions; no segments and, with pre-norm layers, no LayerNorm."""

        def __init__(self):
            super().__init__()
            self.words = nn.Embedding(c["vocabulary"], c["dimension"])
            self.positions = nn.Embedding(c["text_length"], c["dimension"])
            nn.init.normal_(self.words.weight, std=std)
            nn.init.normal_(self.positions.weight, std=std)
            self.dropout = nn.Dropout(c["dropout"])

        def forward(self, ids):
            return self.dropout(self.words(ids) + self.positions.weight[: ids.shape[1]])

    class MaskedTokenHead(nn.Module):
        def __init__(self, words):
            super().__init__()
            d = c["dimension"]
            self.transform = linear(d, d)
            self.norm = layer_norm(d)
            self.decoderBias = nn.Parameter(torch.zeros(c["vocabulary"]))
            self.words = [words]  # the tied decoder weight, not registered a second time

        def forward(self, hidden):  # (N, d) -> (N, V)
            transformed = self.norm(F.gelu(self.transform(hidden)))
            return F.linear(transformed, self.words[0].weight, self.decoderBias)

    class ALBEF(nn.Module):
        def __init__(self):
            super().__init__()
            d, e = c["dimension"], c["embedding_dimension"]
            self.imageEncoder = ImageEncoder()
            self.textEmbeddings = TextEmbeddings()
            self.textEncoder = TransformerEncoder(c["text_layers"])
            self.fusionEncoder = TransformerEncoder(c["fusion_layers"], cross=True)
            self.visionProjection = linear(d, e)
            self.textProjection = linear(d, e)
            self.mlmHead = MaskedTokenHead(self.textEmbeddings.words)
            self.itmHead = linear(d, 2)
            self.temperature = nn.Parameter(torch.tensor(c["temperature"]))

        def encode_text(self, ids, mask):
            return self.textEncoder(self.textEmbeddings(ids), mask)

        def fuse(self, text, text_mask, image, rows=None):
            return self.fusionEncoder(text, text_mask, cross_input=image, cross_mask=None, rows=rows)

        def image_embedding(self, tokens):
            return F.normalize(self.visionProjection(tokens[:, 0]), dim=-1)

        def text_embedding(self, hidden):
            return F.normalize(self.textProjection(hidden[:, 0]), dim=-1)

        def masked_logits(self, fused, positions):  # positions: flat b * T + t
            return self.mlmHead(fused.reshape(-1, fused.shape[-1]).index_select(0, positions))

    return ALBEF


def make_pool(torch, generator):
    """Random pairs: images in [0, 1] and [CLS] w1 .. w(n-1) [SEP] with n in 8..24, padded to 25."""
    c = CONFIG
    n, t = c["pool_size"], c["text_length"]
    images = torch.rand(n, 3, c["image_size"], c["image_size"], generator=generator)
    ids = torch.full((n, t), PAD, dtype=torch.long)
    lengths = torch.randint(8, t, (n,), generator=generator)  # tokens after [CLS]: 8..24
    words = torch.randint(FIRST_WORD, c["vocabulary"], (n, t), generator=generator)
    for row in range(n):
        count = int(lengths[row])
        ids[row, 0] = CLS
        ids[row, 1:count] = words[row, 1:count]
        ids[row, count] = SEP
    return images, ids


class Benchmark:
    def __init__(self, torch, args):
        import copy

        self.torch = torch
        self.F = torch.nn.functional
        c = CONFIG
        torch.manual_seed(args.seed)
        self.generator = torch.Generator().manual_seed(args.seed + 1)
        self.read_only = getattr(args, "last_layer", "full") == "read"
        ALBEF = build(torch, args.attention)
        self.model = ALBEF()
        self.model.train()
        self.momentum_model = copy.deepcopy(self.model)  # starts as an exact copy
        self.momentum_model.eval()  # no dropout in the teacher
        for p in self.momentum_model.parameters():
            p.requires_grad_(False)
        self.parameters = [p for p in self.model.parameters() if p.requires_grad]
        self.momentum_parameters = list(self.momentum_model.parameters())
        names = [name for name, _ in self.model.named_parameters()]
        assert names == [name for name, _ in self.momentum_model.named_parameters()]
        # Our AdamW: decay tensors of rank >= 2 except "temperature"; biases and norms none.
        decay = [p for name, p in self.model.named_parameters() if p.dim() >= 2 and name != "temperature"]
        no_decay = [p for name, p in self.model.named_parameters() if not (p.dim() >= 2 and name != "temperature")]
        options = {}
        if args.adamw == "foreach":
            options["foreach"] = True
        elif args.adamw == "fused":
            options["fused"] = True
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": c["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
            lr=c["learning_rate"], betas=(0.9, 0.999), eps=1e-8, **options)
        # ALBEF's queues: standard normal rows, L2-normalised (ours store them (Q, E)).
        q, e = c["queue_size"], c["embedding_dimension"]
        self.image_queue = self.F.normalize(torch.randn(q, e, generator=self.generator), dim=1)
        self.text_queue = self.F.normalize(torch.randn(q, e, generator=self.generator), dim=1)
        self.queue_pointer = 0
        self.images, self.ids = make_pool(torch, self.generator)
        self.last_losses = {}

    def parameter_count(self):
        return sum(p.numel() for p in self.parameters)

    def batch(self):
        """Batch assembly and BERT masking (timed, as our step assembles and masks its batch)."""
        torch, c = self.torch, CONFIG
        b, p = c["batch_size"], c["patch_size"]
        indices = torch.randperm(c["pool_size"], generator=self.generator)[:b]
        images = self.images.index_select(0, indices)  # (B, 3, H, W)
        side = c["image_size"] // p
        patches = (images.reshape(b, 3, side, p, side, p).permute(0, 2, 4, 1, 3, 5)
                   .reshape(b, side * side, 3 * p * p))  # (B, 16, 48)
        ids = self.ids.index_select(0, indices)  # (B, T)
        mask = ids != PAD
        maskable = mask & (ids != CLS)
        draws = torch.rand((3,) + ids.shape, generator=self.generator)
        random_ids = torch.randint(0, c["vocabulary"], ids.shape, generator=self.generator)
        chosen = maskable & (draws[0] < c["mask_probability"])
        masked_ids = torch.where(chosen & (draws[1] < 0.8), torch.full_like(ids, MASK), ids)
        masked_ids = torch.where(chosen & (draws[1] >= 0.8) & (draws[2] < 0.5), random_ids, masked_ids)
        positions = chosen.reshape(-1).nonzero().squeeze(1)
        targets = ids.reshape(-1).index_select(0, positions)
        return patches, ids, mask, masked_ids, positions, targets

    def step(self):
        torch, F, c = self.torch, self.F, CONFIG
        alpha, b = c["alpha"], c["batch_size"]
        model, teacher = self.model, self.momentum_model
        patches, ids, text_mask, masked_ids, positions, targets = self.batch()

        with torch.no_grad():
            model.temperature.clamp_(0.001, 0.5)
        image_tokens = model.imageEncoder(patches)
        text_hidden = model.encode_text(ids, text_mask)
        image_feat = model.image_embedding(image_tokens)
        text_feat = model.text_embedding(text_hidden)

        with torch.no_grad():  # the teacher: EMA update first, then its features
            torch._foreach_mul_(self.momentum_parameters, c["momentum"])
            torch._foreach_add_(self.momentum_parameters, self.parameters, alpha=1 - c["momentum"])
            image_tokens_m = teacher.imageEncoder(patches)
            image_feat_m = teacher.image_embedding(image_tokens_m)
            text_feat_m = teacher.text_embedding(teacher.encode_text(ids, text_mask))
            image_keys = torch.cat([image_feat_m, self.image_queue], dim=0)  # (B + Q, E)
            text_keys = torch.cat([text_feat_m, self.text_queue], dim=0)
            temp = model.temperature.detach()
            identity = torch.zeros(b, image_keys.shape[0])
            identity.fill_diagonal_(1.0)
            targets_i2t = alpha * F.softmax(image_feat_m @ text_keys.t() / temp, dim=1) + (1 - alpha) * identity
            targets_t2i = alpha * F.softmax(text_feat_m @ image_keys.t() / temp, dim=1) + (1 - alpha) * identity

        # ITC: student queries against momentum keys (batch + queue), soft targets.
        sim_i2t = image_feat @ text_keys.t() / model.temperature
        sim_t2i = text_feat @ image_keys.t() / model.temperature
        loss_i2t = -(F.log_softmax(sim_i2t, dim=1) * targets_i2t).sum(1).mean()
        loss_t2i = -(F.log_softmax(sim_t2i, dim=1) * targets_t2i).sum(1).mean()
        loss_itc = (loss_i2t + loss_t2i) / 2

        # ITM: a negative image per text and a negative text per image, one fusion batch of 3B.
        with torch.no_grad():
            diagonal = torch.eye(b, dtype=torch.bool)
            weights_t2i = F.softmax(sim_t2i[:, :b].masked_fill(diagonal, float("-inf")), dim=1)
            weights_i2t = F.softmax(sim_i2t[:, :b].masked_fill(diagonal, float("-inf")), dim=1)
            negative_images = torch.multinomial(weights_t2i, 1, generator=self.generator).squeeze(1)
            negative_texts = torch.multinomial(weights_i2t, 1, generator=self.generator).squeeze(1)
            batch_rows = torch.arange(b)
            text_rows = torch.cat([batch_rows, batch_rows, negative_texts])
            image_rows = torch.cat([batch_rows, negative_images, batch_rows])
            itm_labels = torch.cat([torch.ones(b, dtype=torch.long), torch.zeros(2 * b, dtype=torch.long)])
        fused = model.fuse(text_hidden.index_select(0, text_rows), text_mask.index_select(0, text_rows),
                           image_tokens.index_select(0, image_rows),
                           rows=torch.zeros(3 * b, 1, dtype=torch.long) if self.read_only else None)
        loss_itm = F.cross_entropy(model.itmHead(fused[:, 0]), itm_labels)

        # MLM with distillation from the momentum model's logits at the masked positions.
        rows, read = None, positions
        if self.read_only:  # each caption's masked positions, padded by repeating its first
            t = masked_ids.shape[1]
            per_caption = [[] for _ in range(b)]
            read = []
            for p in positions.tolist():
                read.append((p // t, len(per_caption[p // t])))
                per_caption[p // t].append(p % t)
            count = max(1, max(len(r) for r in per_caption))
            rows = torch.tensor([r + [r[0] if r else 0] * (count - len(r)) for r in per_caption])
            read = torch.tensor([caption * count + slot for caption, slot in read], dtype=torch.long)
        masked_hidden = model.encode_text(masked_ids, text_mask)
        logits = model.masked_logits(model.fuse(masked_hidden, text_mask, image_tokens, rows), read)
        with torch.no_grad():
            teacher_hidden = teacher.encode_text(masked_ids, text_mask)
            teacher_logits = teacher.masked_logits(
                teacher.fuse(teacher_hidden, text_mask, image_tokens_m, rows), read)
        hard = F.cross_entropy(logits, targets)
        distilled = -(F.softmax(teacher_logits, dim=1) * F.log_softmax(logits, dim=1)).sum(1).mean()
        loss_mlm = (1 - alpha) * hard + alpha * distilled

        total = loss_itc + loss_itm + loss_mlm
        self.last_losses = {"itc": loss_itc.item(), "itm": loss_itm.item(), "mlm": loss_mlm.item(),
                            "total": total.item(), "masked": int(positions.numel())}
        self.optimizer.zero_grad()
        total.backward()
        grads = [p.grad for p in self.parameters if p.grad is not None]
        self.last_losses["gradientNorm"] = torch.linalg.vector_norm(
            torch.stack(torch._foreach_norm(grads))).item()  # our step always computes it (no clip)
        self.optimizer.step()

        with torch.no_grad():  # enqueue the momentum features after the step, as ALBEF
            q = c["queue_size"]
            self.image_queue[self.queue_pointer:self.queue_pointer + b] = image_feat_m
            self.text_queue[self.queue_pointer:self.queue_pointer + b] = text_feat_m
            self.queue_pointer = (self.queue_pointer + b) % q


def run_one(args, threads):
    """Measures one thread count in this process; returns the result object."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    import torch  # after the environment is set

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    if args.model == "oscar":
        from torch_bench_oscar import OscarBenchmark
        bench = OscarBenchmark(torch, args)
    else:
        bench = Benchmark(torch, args)
    if args.parameters:
        for name, p in bench.model.named_parameters():
            print(f"{name:55s} {str(tuple(p.shape)):14s} {p.numel():9d}")
        print(f"{'total':55s} {'':14s} {bench.parameter_count():9d}")
        sys.exit(0)
    for index in range(args.warmup):
        bench.step()
        if args.losses:
            print(f"warm-up {index + 1}: {bench.last_losses}", file=sys.stderr)
    times, cpu_times = [], []
    for index in range(max(1, args.steps)):
        begin, cpu_begin = time.perf_counter(), time.process_time()
        bench.step()
        times.append((time.perf_counter() - begin) * 1e3)
        cpu_times.append((time.process_time() - cpu_begin) * 1e3)
        if args.losses:
            print(f"step {index + 1}: {times[-1]:.1f} ms {bench.last_losses}", file=sys.stderr)
    times.sort()
    cpu_times.sort()
    result = {
        "session": (bench.SESSION if hasattr(bench, "SESSION") else SESSION) + " (torch eager)", "parameters": bench.parameter_count(), "threads": threads,
        "medianMilliseconds": times[len(times) // 2], "bestMilliseconds": times[0], "steps": len(times),
        "p90Milliseconds": times[min(len(times) - 1, max(0, math.ceil(0.9 * len(times)) - 1))],
        "cpuMilliseconds": cpu_times[len(cpu_times) // 2],  # process CPU time, every thread
        "peakResidentMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "library": "torch " + torch.__version__, "attention": args.attention, "adamw": args.adamw,
        "torchThreads": torch.get_num_threads(), "interopThreads": torch.get_num_interop_threads(),
    }
    if args.model == "albef":  # Oscar has no ITM pass
        result["lastLayer"] = getattr(args, "last_layer", "full")
    return result


def table(results):
    """As `vlp bench step`'s table."""
    title = f"training step ({results[0]['session']}, {results[0]['parameters']} parameters)"
    lines = [title + "   threads   median ms   p90 ms   best ms   CPU ms   steps   peak MiB"]
    for r in results:
        lines.append(" " * len(title) + "%8d  %10.1f  %7.1f  %8.1f  %7.1f  %6d  %9.0f" % (
            r["threads"], r["medianMilliseconds"], r["p90Milliseconds"], r["bestMilliseconds"],
            r["cpuMilliseconds"], r["steps"], r["peakResidentMiB"]))
    itm = f", last fusion layer {results[0]['lastLayer']}" if "lastLayer" in results[0] else ""
    lines.append(f"{results[0]['library']}, attention {results[0]['attention']}, AdamW {results[0]['adamw']}{itm}")
    return "\n".join(lines)


def main():
    args = parse_arguments()
    try:
        thread_counts = [int(s) for s in args.threads.split(",") if s.strip()]
    except ValueError:
        sys.exit(f"--threads: expected comma-separated integers, got {args.threads!r}")
    if not thread_counts or min(thread_counts) < 1:
        sys.exit("--threads: thread counts must be at least 1")
    if len(thread_counts) == 1 or args.parameters:
        results = [run_one(args, thread_counts[0])]
    else:  # one subprocess per thread count: its own peak RSS and a fresh thread pool
        results = []
        for threads in thread_counts:
            command = [sys.executable, os.path.abspath(__file__), "--threads", str(threads),
                       "--steps", str(args.steps), "--warmup", str(args.warmup), "--seed", str(args.seed),
                       "--attention", args.attention, "--adamw", args.adamw, "--model", args.model,
                       "--last-layer", args.last_layer, "--json"]
            if args.losses:
                command.append("--losses")
            output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
            results.extend(json.loads(output))
    print(json.dumps(results, indent=2, sort_keys=True) if args.json else table(results))


if __name__ == "__main__":
    main()
