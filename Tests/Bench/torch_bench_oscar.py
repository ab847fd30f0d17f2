"""PyTorch eager reference of `vlp bench step oscar-tags`: the Oscar-style step.

Used by torch_bench_step.py --model oscar (it sets the threads, times the steps and prints the
table); not part of the build or the tests, and the project never depends on torch.

The model (sessions/oscar-tags/session.json with our defaults filled in; Sources/VLP/Models/
OscarModel.swift): one BERT-style encoder of 4 post-norm layers (x = LN(x + dropout(f(x))),
d 64, 4 heads, FFN 256 with erf GELU, LayerNorm eps 1e-12) over [CLS] caption [SEP] tags [SEP]
(word + position + segment embeddings, LayerNorm, dropout) followed by the regions (D + 6 =
70 values -> Linear(70, 64) -> LayerNorm -> dropout; no positions), with a key mask over text
padding and missing regions. Heads: the masked-token head (Linear(64, 64), GELU, LayerNorm,
decoder tied to the word embeddings plus its own bias; logits at the masked positions only)
and the pooled classifier of the polluted-tag loss (Linear(64, 64), tanh, Linear(64, 3):
matched, polluted tags, polluted caption). The step: batch assembly (pick 32 pairs of a
synthetic pool, pollute half of them, mask 15% of words and tags), forward, the masked-token
and polluted-tag cross-entropies, backward, the global gradient norm, AdamW (lr 3e-4, decay
0.02 on rank >= 2). No momentum model and no queues: Oscar keeps none.

Sizes: the scene world's vocabulary has 137 words and its regions D = 64 features + 6 box
values, so the model has 224,972 parameters, as `vlp bench step oscar-tags` prints. Text is
padded to the longest of the batch (at most 40): the world's caption + tags come to 20 tokens
on average, and the longest of 32 to 34 (29 to 40; counted from `vlp data export --format
oscar-tsv`), so the pool's texts have 6 to 34 tokens and a batch runs over about 34 + 10 region
slots. (The issue speaks of 55 tokens; this is the session that exists.)
"""

SESSION = "oscar-tags"
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
FIRST_WORD = 5

CONFIG = dict(
    dimension=64, heads=4, hidden=256, layers=4, text_length=40, regions=10, region_width=70,
    vocabulary=137, segments=2, dropout=0.1, layer_norm_epsilon=1e-12, init_std=0.02, classes=3,
    mask_probability=0.15, pollution=0.5, batch_size=32, learning_rate=3e-4, weight_decay=0.02,
    pool_size=1024,
)


def build(torch):
    nn, F, c = torch.nn, torch.nn.functional, CONFIG

    def linear(inputs, outputs):
        layer = nn.Linear(inputs, outputs)
        nn.init.normal_(layer.weight, std=c["init_std"])
        nn.init.zeros_(layer.bias)
        return layer

    def layer_norm():
        return nn.LayerNorm(c["dimension"], eps=c["layer_norm_epsilon"])

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            d = c["dimension"]
            self.query, self.key, self.value, self.output = (linear(d, d) for _ in range(4))

        def forward(self, x, key_mask):  # key_mask (B, T) bool, True = attend
            b, t, d = x.shape
            h = c["heads"]

            def split(y):  # (B, T, d) -> (B, H, T, d / H)
                return y.view(b, t, h, d // h).transpose(1, 2)

            p = c["dropout"] if self.training else 0.0
            attended = F.scaled_dot_product_attention(
                split(self.query(x)), split(self.key(x)), split(self.value(x)),
                attn_mask=key_mask[:, None, None, :], dropout_p=p)
            return self.output(attended.transpose(1, 2).reshape(b, t, d))

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            d = c["dimension"]
            self.attention, self.attentionNorm = Attention(), layer_norm()
            self.intermediate, self.output = linear(d, c["hidden"]), linear(c["hidden"], d)
            self.feedForwardNorm = layer_norm()
            self.dropout = nn.Dropout(c["dropout"])

        def forward(self, x, mask):  # post-norm, as BERT
            x = self.attentionNorm(x + self.dropout(self.attention(x, mask)))
            return self.feedForwardNorm(x + self.dropout(self.output(F.gelu(self.intermediate(x)))))

    class Oscar(nn.Module):
        def __init__(self):
            super().__init__()
            d, std = c["dimension"], c["init_std"]
            self.words = nn.Embedding(c["vocabulary"], d)
            self.positions = nn.Embedding(c["text_length"], d)
            self.segments = nn.Embedding(c["segments"], d)
            for table in (self.words, self.positions, self.segments):
                nn.init.normal_(table.weight, std=std)
            self.embeddingNorm = layer_norm()
            self.regionEmbedding, self.regionNorm = linear(c["region_width"], d), layer_norm()
            self.layers = nn.ModuleList(Layer() for _ in range(c["layers"]))
            self.transform, self.headNorm = linear(d, d), layer_norm()
            self.decoderBias = nn.Parameter(torch.zeros(c["vocabulary"]))
            self.pooler, self.classifier = linear(d, d), linear(d, c["classes"])
            self.dropout = nn.Dropout(c["dropout"])

        def forward(self, ids, segments, text_mask, regions, region_mask):
            t = ids.shape[1]
            text = self.words(ids) + self.positions.weight[:t] + self.segments(segments)
            text = self.dropout(self.embeddingNorm(text))
            image = self.dropout(self.regionNorm(self.regionEmbedding(regions)))
            x = torch.cat([text, image], dim=1)  # (B, T + R, d)
            mask = torch.cat([text_mask, region_mask], dim=1)
            for layer in self.layers:
                x = layer(x, mask)
            return x

        def masked_logits(self, hidden, positions):
            rows = hidden.reshape(-1, hidden.shape[-1]).index_select(0, positions)
            return F.linear(self.headNorm(F.gelu(self.transform(rows))), self.words.weight, self.decoderBias)

        def pollution_logits(self, hidden):
            return self.classifier(torch.tanh(self.pooler(hidden[:, 0])))

    return Oscar


class OscarBenchmark:
    SESSION = SESSION

    def __init__(self, torch, args):
        self.torch, self.F, c = torch, torch.nn.functional, CONFIG
        torch.manual_seed(args.seed)
        self.generator = torch.Generator().manual_seed(args.seed + 1)
        self.model = build(torch)()
        self.model.train()
        self.parameters = [p for p in self.model.parameters() if p.requires_grad]
        decay = [p for p in self.parameters if p.dim() >= 2]
        no_decay = [p for p in self.parameters if p.dim() < 2]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": c["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
            lr=c["learning_rate"], betas=(0.9, 0.999), eps=1e-8)
        n, t, g = c["pool_size"], c["text_length"], self.generator
        # [CLS] caption [SEP] tags [SEP]: 5..33 tokens after [CLS], segment 1 after the first [SEP].
        self.ids = torch.full((n, t), PAD, dtype=torch.long)
        self.segment_ids = torch.zeros(n, t, dtype=torch.long)
        lengths = torch.randint(5, 34, (n,), generator=g)
        words = torch.randint(FIRST_WORD, c["vocabulary"], (n, t), generator=g)
        for row in range(n):
            count, split = int(lengths[row]), int(lengths[row]) * 2 // 3
            self.ids[row, 0] = CLS
            self.ids[row, 1:count] = words[row, 1:count]
            self.ids[row, split] = SEP
            self.ids[row, count] = SEP
            self.segment_ids[row, split + 1:count + 1] = 1
        self.region_values = torch.rand(n, c["regions"], c["region_width"], generator=g)
        self.region_counts = torch.randint(2, c["regions"] + 1, (n,), generator=g)

    def parameter_count(self):
        return sum(p.numel() for p in self.parameters)

    def batch(self):
        torch, c, g = self.torch, CONFIG, self.generator
        b = c["batch_size"]
        indices = torch.randperm(c["pool_size"], generator=g)[:b]
        longest = int((self.ids.index_select(0, indices) != PAD).sum(1).max())
        ids = self.ids.index_select(0, indices)[:, :longest]  # padded to the batch's longest, as ours
        segments = self.segment_ids.index_select(0, indices)[:, :longest]
        # Pollution: half the samples take another pair's tags (segment 1).
        polluted = torch.rand(b, generator=g) < c["pollution"]
        others = self.ids.index_select(0, torch.randint(0, c["pool_size"], (b,), generator=g))[:, :longest]
        ids = torch.where(polluted[:, None] & (segments == 1), others, ids)
        labels = polluted.long()
        text_mask = ids != PAD
        maskable = text_mask & (ids != CLS) & (ids != SEP)
        draws = torch.rand((3,) + ids.shape, generator=g)
        chosen = maskable & (draws[0] < c["mask_probability"])
        masked_ids = torch.where(chosen & (draws[1] < 0.8), torch.full_like(ids, MASK), ids)
        random_ids = torch.randint(0, c["vocabulary"], ids.shape, generator=g)
        masked_ids = torch.where(chosen & (draws[1] >= 0.8) & (draws[2] < 0.5), random_ids, masked_ids)
        t, r = ids.shape[1], c["regions"]
        flat = chosen.nonzero()
        positions = flat[:, 0] * (t + r) + flat[:, 1]
        targets = ids[chosen]
        regions = self.region_values.index_select(0, indices)
        region_mask = torch.arange(r)[None, :] < self.region_counts.index_select(0, indices)[:, None]
        return masked_ids, segments, text_mask, regions, region_mask, positions, targets, labels

    def step(self):
        F = self.F
        masked_ids, segments, text_mask, regions, region_mask, positions, targets, labels = self.batch()
        hidden = self.model(masked_ids, segments, text_mask, regions, region_mask)
        loss_mlm = F.cross_entropy(self.model.masked_logits(hidden, positions), targets)
        loss_tags = F.cross_entropy(self.model.pollution_logits(hidden), labels)
        total = loss_mlm + loss_tags
        self.last_losses = {"mlm": loss_mlm.item(), "pollutedTags": loss_tags.item(), "total": total.item()}
        self.optimizer.zero_grad()
        total.backward()
        grads = [p.grad for p in self.parameters if p.grad is not None]
        self.last_losses["gradientNorm"] = self.torch.linalg.vector_norm(
            self.torch.stack(self.torch._foreach_norm(grads))).item()
        self.optimizer.step()
