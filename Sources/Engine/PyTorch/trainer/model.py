"""The models of a vlp session, in PyTorch: ALBEF (dual stream, fusion by cross-attention) and Oscar
(one encoder over caption, tags and regions).

Every module and parameter carries the name vlp gives it (Sources/VLP/Models, Sources/NN/Layers),
so `model.state_dict()` keys are vlp's checkpoint names without the `model.` prefix and weights
travel both ways unchanged. Linear weights are stored (out, in) in vlp as here.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LAYER_NORM_EPS = 1e-12  # BERT's and ALBEF's, vlp's default
INIT_STD = 0.02  # vlp's Initialization.standardDeviation


def init_linear(layer):
    nn.init.normal_(layer.weight, std=INIT_STD)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
    return layer


def linear(inputs, outputs, bias=True):
    return init_linear(nn.Linear(inputs, outputs, bias=bias))


class MultiHeadAttention(nn.Module):
    """Self- or cross-attention; key_mask (B, Tk) with 1 = attend, 0 = padding."""

    def __init__(self, dimension, heads, key_value_size=None, attention_dropout=0.0):
        super().__init__()
        source = key_value_size or dimension
        self.query = linear(dimension, dimension)
        self.key = linear(source, dimension)
        self.value = linear(source, dimension)
        self.output = linear(dimension, dimension)
        self.heads = heads
        self.attention_dropout = attention_dropout

    def split_heads(self, x):
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)  # (B, H, T, Dh)

    def forward(self, x, keys_values=None, key_mask=None, causal=False):
        source = x if keys_values is None else keys_values
        q, k, v = self.split_heads(self.query(x)), self.split_heads(self.key(source)), self.split_heads(self.value(source))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])  # (B, H, Tq, Tk)
        if key_mask is not None:
            scores = scores.masked_fill(key_mask[:, None, None, :] == 0, float("-inf"))
        if causal:
            tq, tk = scores.shape[-2:]
            future = torch.ones(tq, tk, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        probabilities = torch.softmax(scores, dim=-1).nan_to_num(0.0)  # a fully masked row: 0, as vlp
        probabilities = F.dropout(probabilities, self.attention_dropout, self.training)
        merged = (probabilities @ v).transpose(1, 2).reshape(x.shape[0], x.shape[1], -1)  # (B, Tq, d)
        return self.output(merged)


class FeedForward(nn.Module):
    def __init__(self, dimension, hidden):
        super().__init__()
        self.intermediate = linear(dimension, hidden)
        self.output = linear(hidden, dimension)

    def forward(self, x):
        return self.output(F.gelu(self.intermediate(x)))  # erf GELU, as vlp


class TransformerLayer(nn.Module):
    """Post-norm (BERT, ALBEF): x = LN(x + f(x)); pre-norm: x = x + f(LN(x))."""

    def __init__(self, dimension, heads, hidden, dropout, pre_norm, cross_attention=False):
        super().__init__()
        self.attention = MultiHeadAttention(dimension, heads, attention_dropout=dropout)
        self.attentionNorm = nn.LayerNorm(dimension, eps=LAYER_NORM_EPS)
        if cross_attention:
            self.crossAttention = MultiHeadAttention(dimension, heads, dimension, attention_dropout=dropout)
            self.crossAttentionNorm = nn.LayerNorm(dimension, eps=LAYER_NORM_EPS)
        else:
            self.crossAttention = None
        self.feedForward = FeedForward(dimension, hidden)
        self.feedForwardNorm = nn.LayerNorm(dimension, eps=LAYER_NORM_EPS)
        self.dropout = nn.Dropout(dropout)
        self.pre_norm = pre_norm

    def residual(self, x, norm, sublayer):
        if self.pre_norm:
            return x + self.dropout(sublayer(norm(x)))
        return norm(x + self.dropout(sublayer(x)))

    def forward(self, x, mask=None, causal=False, cross_input=None, cross_mask=None):
        x = self.residual(x, self.attentionNorm, lambda h: self.attention(h, key_mask=mask, causal=causal))
        if self.crossAttention is not None:
            x = self.residual(
                x, self.crossAttentionNorm,
                lambda h: self.crossAttention(h, keys_values=cross_input, key_mask=cross_mask))
        return self.residual(x, self.feedForwardNorm, self.feedForward)


class TransformerEncoder(nn.Module):
    """`layers.0`, `layers.1`, ...; pre-norm stacks end with `finalNorm`."""

    def __init__(self, count, dimension, heads, hidden, dropout, pre_norm, cross_attention=False):
        super().__init__()
        self.layers = nn.ModuleList(
            TransformerLayer(dimension, heads, hidden, dropout, pre_norm, cross_attention) for _ in range(count))
        self.finalNorm = nn.LayerNorm(dimension, eps=LAYER_NORM_EPS) if pre_norm else None

    def forward(self, x, mask=None, causal=False, cross_input=None, cross_mask=None):
        for layer in self.layers:
            x = layer(x, mask, causal, cross_input, cross_mask)
        return self.finalNorm(x) if self.finalNorm is not None else x


class Embedding(nn.Embedding):
    def __init__(self, count, dimension):
        super().__init__(count, dimension)
        nn.init.normal_(self.weight, std=INIT_STD)


class TextEmbeddings(nn.Module):
    """Words + learned positions (+ segments, Oscar's caption 0 / tags 1); a LayerNorm only with
    post-norm layers (as vlp)."""

    def __init__(self, vocabulary, length, dimension, dropout, pre_norm, segments=0):
        super().__init__()
        self.words = Embedding(vocabulary, dimension)
        self.positions = Embedding(length, dimension)
        self.segments = Embedding(segments, dimension) if segments else None
        self.norm = None if pre_norm else nn.LayerNorm(dimension, eps=LAYER_NORM_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids, segment_ids=None):
        hidden = self.words(ids) + self.positions.weight[: ids.shape[1]][None]
        if self.segments is not None:
            hidden = hidden + self.segments(torch.zeros_like(ids) if segment_ids is None else segment_ids)
        if self.norm is not None:
            hidden = self.norm(hidden)
        return self.dropout(hidden)


class ImageEncoder(nn.Module):
    """Linear embedding of patches (with positions) or regions (with an optional LayerNorm), a
    learned [CLS] in front, a Transformer encoder. → tokens (B, 1 + N, d), key mask or None."""

    def __init__(self, m, input_width, pre_norm):
        super().__init__()
        d = m["dimension"]
        self.regions = m["imageInput"] == "regions"
        self.embedding = linear(input_width, d)
        self.embeddingNorm = (
            nn.LayerNorm(d, eps=LAYER_NORM_EPS) if self.regions and m.get("regionLayerNorm", True) else None)
        self.classToken = nn.Parameter(torch.randn(1, 1, d) * INIT_STD)
        patches = (m["imageSize"] // m["patchSize"]) ** 2
        self.positions = None if self.regions else nn.Parameter(torch.randn(1, 1 + patches, d) * INIT_STD)
        self.encoder = TransformerEncoder(
            m["imageLayers"], d, m["headCount"], m["hiddenSize"], m["dropout"], pre_norm)
        self.dropout = nn.Dropout(m["dropout"])

    def forward(self, values, mask):
        embedded = self.embedding(values)  # (B, N, d)
        if self.embeddingNorm is not None:
            embedded = self.embeddingNorm(embedded)
        tokens = torch.cat([self.classToken.expand(values.shape[0], -1, -1), embedded], dim=1)
        if self.positions is not None:
            tokens = tokens + self.positions
        tokens = self.dropout(tokens)
        if mask is not None:
            mask = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)  # (B, 1 + N)
        return self.encoder(tokens, mask), mask


class MaskedTokenHead(nn.Module):
    """Dense, GELU, LayerNorm, then the word embeddings transposed (tied) or a decoder, + bias."""

    def __init__(self, dimension, vocabulary, tied):
        super().__init__()
        self.transform = linear(dimension, dimension)
        self.norm = nn.LayerNorm(dimension, eps=LAYER_NORM_EPS)
        self.decoder = None if tied else linear(dimension, vocabulary, bias=False)
        self.decoderBias = nn.Parameter(torch.zeros(vocabulary))

    def forward(self, hidden, word_weight):
        transformed = self.norm(F.gelu(self.transform(hidden)))
        weight = word_weight if self.decoder is None else self.decoder.weight
        return transformed @ weight.t() + self.decoderBias


class MaskedVisionHeads(nn.Module):
    """UNITER's heads: the mask vector, feature regression tied to the image embedding's weight,
    region classification (Sources/VLP/Models/MaskedVisionHeads.swift)."""

    def __init__(self, dimension, feature_width, regression, classes):
        super().__init__()
        self.feature_width = feature_width
        self.maskVector = nn.Parameter(torch.randn(feature_width) * INIT_STD)
        if regression:
            self.regressionTransform = linear(dimension, dimension)
            self.regressionNorm = nn.LayerNorm(dimension, eps=LAYER_NORM_EPS)
            self.regressionBias = nn.Parameter(torch.zeros(feature_width))
        if classes:
            self.classifierTransform = linear(dimension, dimension)
            self.classifierNorm = nn.LayerNorm(dimension, eps=LAYER_NORM_EPS)
            self.classifier = linear(dimension, classes)

    def masked(self, values, keep, indicator):
        """values (B, N, W): masked items' features zeroed and the mask vector added."""
        vector = F.pad(self.maskVector, (0, values.shape[2] - self.feature_width))
        return values * keep + indicator * vector

    def regression(self, hidden, embedding_weight):
        transformed = self.regressionNorm(F.gelu(self.regressionTransform(hidden)))
        return transformed @ embedding_weight[:, : self.feature_width] + self.regressionBias

    def classification(self, hidden):
        return self.classifier(self.classifierNorm(F.gelu(self.classifierTransform(hidden))))


class ALBEF(nn.Module):
    """vlp's ALBEFModel: image encoder, text encoder, fusion layers cross-attending to the image,
    ITC projections with a learnable temperature, the MLM head and the 2-way ITM head."""

    def __init__(self, config):
        super().__init__()
        m, o, derived = config["model"], config["objectives"], config["derived"]
        d, pre_norm = m["dimension"], m["normalization"] == "pre"
        regions = m["imageInput"] == "regions"
        width = derived["regionInputSize"] if regions else derived["patchValues"]
        layer = (d, m["headCount"], m["hiddenSize"], m["dropout"], pre_norm)
        self.imageEncoder = ImageEncoder(m, width, pre_norm)
        self.textEmbeddings = TextEmbeddings(
            derived["vocabularySize"], m["maximumTextLength"], d, m["dropout"], pre_norm)
        self.textEncoder = TransformerEncoder(m["textLayers"], *layer)
        self.fusionEncoder = TransformerEncoder(m["fusionLayers"], *layer, cross_attention=True)
        self.visionProjection = linear(d, m["embeddingDimension"])
        self.textProjection = linear(d, m["embeddingDimension"])
        self.mlmHead = MaskedTokenHead(d, derived["vocabularySize"], m.get("tieMLMHead", True))
        self.itmHead = linear(d, 2)
        self.temperature = nn.Parameter(torch.tensor(float(o["temperature"])))
        regression = o.get("mrfr", 0) > 0 or o.get("mpr", 0) > 0
        classes = derived.get("regionClasses") if o.get("mrc", 0) > 0 or o.get("mrcKL", 0) > 0 else None
        self.visionHeads = (
            MaskedVisionHeads(d, derived["featureWidth"], regression, classes) if regression or classes else None)

    def encode_image(self, values, mask):
        return self.imageEncoder(values, mask)

    def encode_text(self, ids, mask, causal=False):
        return self.textEncoder(self.textEmbeddings(ids), mask, causal=causal)

    def fuse(self, text, text_mask, image, image_mask, causal=False):
        return self.fusionEncoder(text, text_mask, causal=causal, cross_input=image, cross_mask=image_mask)

    def image_embedding(self, tokens):
        return F.normalize(self.visionProjection(tokens[:, 0]), dim=-1, eps=1e-12)

    def text_embedding(self, hidden):
        return F.normalize(self.textProjection(hidden[:, 0]), dim=-1, eps=1e-12)

    def matching_logits(self, fused):
        return self.itmHead(fused[:, 0])

    def masked_token_logits(self, fused, positions):
        """MLM logits (N, V) at flat positions b·T + t."""
        return self.mlmHead(fused.reshape(-1, fused.shape[-1])[positions], self.textEmbeddings.words.weight)


class PooledClassifier(nn.Module):
    """BERT's pooler (dense + tanh on [CLS]) and a classifier: Oscar's seq_relationship head."""

    def __init__(self, dimension, classes):
        super().__init__()
        self.pooler = linear(dimension, dimension)
        self.classifier = linear(dimension, classes)

    def forward(self, cls):
        return self.classifier(torch.tanh(self.pooler(cls)))


class Oscar(nn.Module):
    """vlp's OscarModel: one encoder over `[CLS] caption [SEP] tags [SEP] regions`. Words and tags
    share the word embeddings and differ by segment; regions pass one Linear(D + 6 → d) (+ LayerNorm)
    with no position or segment. Heads: the masked-token head over words and tags, the pooled
    polluted-tag classifier (0 matched, 1 polluted, 2 polluted caption with Oscar+'s caption
    pollution) and UNITER's MVM heads (feature regression tied to the region embedding)."""

    def __init__(self, config):
        super().__init__()
        m, o, derived = config["model"], config["objectives"], config["derived"]
        d, pre_norm = m["dimension"], m["normalization"] == "pre"
        self.embeddings = TextEmbeddings(
            derived["vocabularySize"], m["maximumTextLength"], d, m["dropout"], pre_norm, segments=2)
        self.regionEmbedding = linear(derived["regionInputSize"], d)
        self.regionNorm = nn.LayerNorm(d, eps=LAYER_NORM_EPS) if m.get("regionLayerNorm", True) else None
        self.encoder = TransformerEncoder(m["layers"], d, m["headCount"], m["hiddenSize"], m["dropout"], pre_norm)
        self.mlmHead = MaskedTokenHead(d, derived["vocabularySize"], m.get("tieMLMHead", True))
        self.contrastiveHead = PooledClassifier(d, o.get("pollutionClasses", 2))
        regression = o.get("mrfr", 0) > 0 or o.get("mpr", 0) > 0
        classes = derived.get("regionClasses") if o.get("mrc", 0) > 0 or o.get("mrcKL", 0) > 0 else None
        self.visionHeads = (
            MaskedVisionHeads(d, derived["featureWidth"], regression, classes) if regression or classes else None)
        self.dropout = nn.Dropout(m["dropout"])

    def forward(self, ids, segments, text_mask, regions, region_mask):
        """ids, segments, text_mask (B, T); regions (B, R, D + 6), region_mask (B, R) → (B, T + R, d)."""
        text = self.embeddings(ids, segments)
        image = self.regionEmbedding(regions)
        if self.regionNorm is not None:
            image = self.regionNorm(image)
        image = self.dropout(image)
        sequence = torch.cat([text, image], dim=1)  # (B, T + R, d)
        return self.encoder(sequence, torch.cat([text_mask, region_mask], dim=1))

    def contrastive_logits(self, hidden):
        return self.contrastiveHead(hidden[:, 0])

    def masked_token_logits(self, hidden, positions):
        """Logits (N, V) at flat positions b·(T + R) + t."""
        return self.mlmHead(hidden.reshape(-1, hidden.shape[-1])[positions], self.embeddings.words.weight)


def build_model(config):
    family = config["model"]["family"]
    if family == "albef":
        return ALBEF(config)
    if family == "oscar":
        return Oscar(config)
    raise SystemExit(f"config.json: model.family '{family}': this trainer builds the albef and oscar families")
