"""The objectives of a vlp session and the training steps that combine them, one per family.

Each function follows its vlp counterpart (Sources/VLP/Objectives, Sources/VLP/Training/
ALBEFTraining.swift and OscarTraining.swift); losses are returned under vlp's metric names (`itc`,
`itm`, `wra`, `mlm`, `cmcl`, `prefixlm`, `mrfr`, `mrc`, `mrc-kl`, `mpr`, `pollutedTags`) in the order vlp
computes them, and the total is the sum of each loss times its session weight.
"""

import torch
import torch.nn.functional as F

TEMPERATURE_RANGE = (0.001, 0.5)
METRIC_NAMES = {"itc": "itc", "itm": "itm", "mlm": "mlm", "mrfr": "mrfr", "mrc": "mrc", "mrcKL": "mrc-kl", "mpr": "mpr",
                "pollutedTags": "pollutedTags", "wra": "wra", "prefixLM": "prefixlm", "cmcl": "cmcl"}
SUPPORTED = set(METRIC_NAMES)


def soft_cross_entropy(logits, targets):
    """-sum(targets * log_softmax(logits), 1).mean(): ALBEF's distillation loss."""
    return -(targets * F.log_softmax(logits, dim=1)).sum(1).mean()


def image_text_contrastive(image, text, momentum_image, momentum_text, image_queue, text_queue, temperature, alpha):
    """ALBEF's ITC against [momentum batch; queue] with soft targets
    alpha·softmax(momentum logits) + (1 − alpha)·onehot. Returns (loss, student logits i2t, t2i)."""
    image_keys = torch.cat([momentum_image, image_queue]).detach()  # (B + Q, E)
    text_keys = torch.cat([momentum_text, text_queue]).detach()
    with torch.no_grad():
        fixed = temperature.detach()
        eye = torch.zeros(image.shape[0], image_keys.shape[0], device=image.device)
        eye[:, : image.shape[0]].fill_diagonal_(1)
        targets_i2t = alpha * F.softmax(momentum_image @ text_keys.t() / fixed, dim=1) + (1 - alpha) * eye
        targets_t2i = alpha * F.softmax(momentum_text @ image_keys.t() / fixed, dim=1) + (1 - alpha) * eye
    logits_i2t = image @ text_keys.t() / temperature
    logits_t2i = text @ image_keys.t() / temperature
    loss = (soft_cross_entropy(logits_i2t, targets_i2t) + soft_cross_entropy(logits_t2i, targets_t2i)) * 0.5
    return loss, logits_i2t.detach(), logits_t2i.detach()


def positive_mass_loss(anchors, candidates, positives, temperature):
    """UNIMO's InfoNCE with several positives (CrossModalContrastive.loss): anchors (A, E) and
    candidates (K, E) L2-normalised, positives (A, K) 1 where a candidate is a positive of the
    anchor. mean_a −log Σ_p softmax(anchors · candidatesᵀ / τ)[a, p]."""
    logits = anchors @ candidates.t() / temperature  # (A, K)
    mass = (F.softmax(logits, dim=1) * positives).sum(1)
    return -mass.clamp(min=1e-30).log().mean()


def cross_modal_contrastive(model, image, text, rewrites, same):
    """CMCL on ALBEF: image → text over the batch captions plus the rewritten ones (paraphrases
    and retrieved captions positives, scene-graph rewrites hard negatives), text → image over the
    batch, averaged. image, text: the batch's ITC embeddings (B, E); same: (B, B) rows of the same
    image or caption (the diagonal included), each other's positives."""
    positives, candidates = same.float(), text
    if rewrites is not None:
        extra = model.text_embedding(model.encode_text(rewrites["ids"], rewrites["mask"]))  # (K, E)
        candidates = torch.cat([text, extra])
        owned = torch.zeros(text.shape[0], extra.shape[0], device=text.device)
        owned[rewrites["owners"], torch.arange(extra.shape[0], device=text.device)] = rewrites["positive"].float()
        positives = torch.cat([positives, owned], dim=1)
    image_to_text = positive_mass_loss(image, candidates, positives, model.temperature)
    text_to_image = positive_mass_loss(text, image, same.float(), model.temperature)
    return (image_to_text + text_to_image) * 0.5


def negative_weights(similarity, excluded):
    """Row i: softmax over the allowed columns j (j != i, not a duplicate of i) of similarity[i, j]
    (the student's sim/temp over the batch columns), 0 elsewhere; a row with none allowed is 0.
    Computed in float64 as vlp does."""
    scores = similarity.double().masked_fill(excluded, float("-inf"))
    weights = torch.softmax(scores, dim=1)
    return torch.nan_to_num(weights, nan=0.0)


def sample_index(weights, random):
    """vlp's inverse-CDF draw with exactly one uniform double (ImageTextMatching.sampleIndex)."""
    u = random.next_double()
    total = float(weights.sum())
    if not total > 0:
        return None
    threshold, cumulative, last = u * total, 0.0, None
    for j, w in enumerate(weights.tolist()):
        if w > 0:
            cumulative += w
            last = j
            if threshold < cumulative:
                return j
    return last


def hard_negatives(logits_t2i, logits_i2t, excluded, random):
    """For every text an image, then for every image a text, drawn from negative_weights of the
    batch columns. → list of (text, image) pairs, the image negatives first."""
    b = excluded.shape[0]
    image_weights = negative_weights(logits_t2i[:, :b], excluded).cpu()
    text_weights = negative_weights(logits_i2t[:, :b], excluded).cpu()
    pairs = []
    for t in range(b):
        i = sample_index(image_weights[t], random)
        if i is not None:
            pairs.append((t, i))
    for i in range(b):
        t = sample_index(text_weights[i], random)
        if t is not None:
            pairs.append((t, i))
    return pairs


def image_text_matching(model, text_hidden, text_mask, image_tokens, image_mask, negatives):
    """ITM on the B positives and the hard negatives (1:2): CE over (not matched, matched).
    → (loss, the fused pairs for WRA: {fused, text_mask, image_tokens, image_mask, labels})."""
    b = text_hidden.shape[0]
    text_rows = torch.tensor(list(range(b)) + [t for t, _ in negatives], device=text_hidden.device)
    image_rows = torch.tensor(list(range(b)) + [i for _, i in negatives], device=text_hidden.device)
    pairs = {"text_mask": text_mask[text_rows], "image_tokens": image_tokens[image_rows],
             "image_mask": None if image_mask is None else image_mask[image_rows]}
    pairs["fused"] = model.fuse(text_hidden[text_rows], pairs["text_mask"], pairs["image_tokens"], pairs["image_mask"])
    labels = torch.zeros(len(text_rows), dtype=torch.long, device=text_hidden.device)
    labels[:b] = 1
    pairs["labels"] = labels
    return F.cross_entropy(model.matching_logits(pairs["fused"]), labels), pairs


WRA_BETA, WRA_ITERATIONS, WRA_PADDING_PENALTY = 0.5, 50, 1e4


@torch.no_grad()
def ipot_plan(cost, words, regions, beta=WRA_BETA, iterations=WRA_ITERATIONS):
    """UNITER's IPOT plan (WordRegionAlignment.plan), in float64: cost (B, M, N), word mask (B, M),
    region mask (B, N), 1 = real. → T (B, N, M); padded cells and pairs without words or regions 0."""
    cost, words, regions = cost.double(), (words > 0).double(), (regions > 0).double()
    word_count = words.sum(1, keepdim=True)  # (B, 1)
    region_count = regions.sum(1, keepdim=True)
    valid = regions[:, :, None] * words[:, None, :]  # (B, N, M)
    kernel = torch.exp(-cost.transpose(1, 2) / beta) * valid
    plan = valid.clone()
    sigma = words / word_count.clamp(min=1)  # (B, M)
    for _ in range(iterations):
        q = kernel * plan
        delta = 1 / (region_count * (q @ sigma[:, :, None]).squeeze(2) + (1 - regions) * WRA_PADDING_PENALTY)
        sigma = 1 / (word_count * (delta[:, None, :] @ q).squeeze(1) + (1 - words) * WRA_PADDING_PENALTY)
        plan = delta[:, :, None] * q * sigma[:, None, :]
    usable = ((word_count > 0) & (region_count > 0)).double()[:, :, None]
    return plan * valid * usable


def word_region_alignment(pairs):
    """UNITER's WRA on ITM's fused pairs: the OT distance between word states (every text position,
    [CLS] and [SEP] included) and region states (the image encoder's [CLS] left out), positives
    counted +, negatives −, over all pairs; the plan is a constant."""
    words, regions = pairs["fused"], pairs["image_tokens"][:, 1:]
    word_mask = pairs["text_mask"]
    region_mask = torch.ones(regions.shape[:2], device=words.device) if pairs["image_mask"] is None \
        else pairs["image_mask"][:, 1:]
    joint = (word_mask[:, :, None] > 0) & (region_mask[:, None, :] > 0)  # (B, M, N)
    similarity = F.normalize(words, dim=-1, eps=1e-5) @ F.normalize(regions, dim=-1, eps=1e-5).transpose(1, 2)
    cost = (1 - similarity) * joint.float()
    weights = ipot_plan(cost.detach(), word_mask, region_mask).transpose(1, 2).float()  # (B, M, N)
    distances = (cost * weights).sum((1, 2))
    signs = pairs["labels"].float() * 2 - 1
    return (distances * signs).sum() / max(1, len(signs))


def caption_modeling(model, batch, image_tokens, image_mask):
    """PrefixLM (CaptionModeling): causal text and fusion layers over the image; position t of
    `[CLS] w1 … wn [SEP]` predicts token t + 1 through the MLM head's decoder."""
    ids, mask = batch["text_ids"], batch["text_mask"]
    hidden = model.encode_text(ids, mask, causal=True)
    fused = model.fuse(hidden, mask, image_tokens, image_mask, causal=True)
    length = ids.shape[1]
    lengths = mask.sum(1).long().tolist()
    positions = [b * length + t for b, n in enumerate(lengths) for t in range(n - 1)]
    flat = ids.reshape(-1)
    index = torch.tensor(positions, dtype=torch.long, device=ids.device)
    return F.cross_entropy(model.masked_token_logits(fused, index), flat[index + 1])


def masked_language_modeling(model, momentum_model, batch, image_tokens, image_mask, teacher, alpha):
    """(1 − α)·CE + α·soft CE against the momentum model's softmax at the masked positions."""
    positions, targets = batch["masked_positions"], batch["masked_targets"]
    hidden = model.encode_text(batch["masked_ids"], batch["text_mask"])
    fused = model.fuse(hidden, batch["text_mask"], image_tokens, image_mask)
    logits = model.masked_token_logits(fused, positions)
    if positions.numel() == 0:
        return logits.sum() * 0
    hard = F.cross_entropy(logits, targets)
    if alpha <= 0:
        return hard
    with torch.no_grad():
        hidden_m = momentum_model.encode_text(batch["masked_ids"], batch["text_mask"])
        fused_m = momentum_model.fuse(hidden_m, batch["text_mask"], teacher["tokens"], teacher["mask"])
        soft = F.softmax(momentum_model.masked_token_logits(fused_m, positions), dim=1)
    return hard * (1 - alpha) + soft_cross_entropy(logits, soft) * alpha


def masked_vision_modeling(model, batch, vision, objectives):
    """MVM within ALBEF's image encoder: → [(name, loss)] in vlp's order (regression, mrc, mrc-kl)."""
    heads = model.visionHeads
    values = heads.masked(batch["image_values"], vision["keep"], vision["indicator"])
    tokens, _ = model.encode_image(values, batch["image_mask"])  # (B, 1 + N, d)
    slots = vision["slots"]
    positions = vision["positions"]
    rows = (positions // slots) * (1 + slots) + 1 + positions % slots
    hidden = tokens.reshape(-1, tokens.shape[-1])[rows]
    return vision_losses(heads, hidden, vision, objectives, model.imageEncoder.embedding.weight)


def vision_losses(heads, hidden, vision, objectives, embedding_weight):
    """The MVM losses at the masked items' states hidden (M, d) (MaskedVisionModeling.losses)."""
    result = []
    if objectives.get("mrfr", 0) > 0 or objectives.get("mpr", 0) > 0:
        prediction = heads.regression(hidden, embedding_weight)
        target = vision["features"].detach()
        if objectives.get("regressionLoss", "mse") == "mse":
            loss = F.mse_loss(prediction, target)
        else:
            loss = F.smooth_l1_loss(prediction, target, beta=1.0)
        for name in ("mrfr", "mpr"):
            if objectives.get(name, 0) > 0:
                result.append((name, loss))
    if objectives.get("mrc", 0) > 0 or objectives.get("mrcKL", 0) > 0:
        logits = heads.classification(hidden)
        if objectives.get("mrc", 0) > 0:
            result.append(("mrc", F.cross_entropy(logits, vision["labels"])))
        if objectives.get("mrcKL", 0) > 0 and vision.get("distributions") is not None:
            kl = F.kl_div(F.log_softmax(logits, 1), vision["distributions"], reduction="batchmean")
            result.append(("mrcKL", kl / max(1, logits.shape[1])))
    return result


def oscar_losses(model, batch, vision, objectives):
    """Oscar's step (OscarTraining.step): one pass over the masked caption, tags and regions for
    the masked-token loss (words and tags; no teacher) and the polluted-tag loss on the pooled
    [CLS]; with MVM a second pass with the text unmasked and the chosen regions masked (UNITER's
    conditional masking). Returns (total, {name: loss})."""
    weight = lambda name: float(objectives.get(name, 0))
    hidden = model(batch["masked_ids"], batch["segments"], batch["text_mask"], batch["image_values"],
                   batch["image_mask"])  # (B, T + R, d)
    losses = {}
    if weight("mlm") > 0:
        logits = model.masked_token_logits(hidden, batch["masked_positions"])
        losses["mlm"] = logits.sum() * 0 if logits.shape[0] == 0 else F.cross_entropy(logits, batch["masked_targets"])
    if weight("pollutedTags") > 0:
        losses["pollutedTags"] = F.cross_entropy(model.contrastive_logits(hidden), batch["labels"])
    if vision is not None and model.visionHeads is not None:
        heads = model.visionHeads
        regions = heads.masked(batch["image_values"], vision["keep"], vision["indicator"])
        masked_hidden = model(batch["text_ids"], batch["segments"], batch["text_mask"], regions, batch["image_mask"])
        length, slots = batch["text_ids"].shape[1], vision["slots"]
        positions = vision["positions"]
        rows = (positions // slots) * (length + slots) + length + positions % slots
        states = masked_hidden.reshape(-1, masked_hidden.shape[-1])[rows]
        for name, loss in vision_losses(heads, states, vision, objectives, model.regionEmbedding.weight):
            losses[name] = loss
    total = sum(loss * weight(name) for name, loss in losses.items())
    return total, losses


@torch.no_grad()
def teacher_features(momentum_model, batch):
    """The momentum model's image tokens and both ITC embeddings (run without dropout)."""
    momentum_model.eval()
    tokens, mask = momentum_model.encode_image(batch["image_values"], batch["image_mask"])
    text = momentum_model.encode_text(batch["text_ids"], batch["text_mask"])
    return {"tokens": tokens, "mask": mask, "image": momentum_model.image_embedding(tokens),
            "text": momentum_model.text_embedding(text)}


def albef_losses(model, momentum_model, batch, queues, alpha, objectives, negatives, vision=None, teacher=None):
    """ALBEF's forward, objective by objective (ALBEFTraining.losses). `negatives` is a list of
    (text, image) pairs or a callable (logits_t2i, logits_i2t) → pairs; `queues` the (image, text)
    queue features (Q, E). Under DDP the keys are this rank's momentum batch and the queue, which
    holds every rank's features (ALBEF's concat_all_gather). Returns (total, {name: loss}, teacher)."""
    with torch.no_grad():
        model.temperature.clamp_(*TEMPERATURE_RANGE)
    image_tokens, image_mask = model.encode_image(batch["image_values"], batch["image_mask"])
    text_hidden = model.encode_text(batch["text_ids"], batch["text_mask"])
    if teacher is None:
        teacher = teacher_features(momentum_model, batch)
    losses = {}
    weight = lambda name: float(objectives.get(name, 0))
    if weight("itc") > 0 or weight("itm") > 0 or weight("cmcl") > 0:
        image = model.image_embedding(image_tokens)
        text = model.text_embedding(text_hidden)
    if weight("itc") > 0 or weight("itm") > 0:
        loss, logits_i2t, logits_t2i = image_text_contrastive(
            image, text, teacher["image"], teacher["text"], queues[0], queues[1], model.temperature, alpha)
        if weight("itc") > 0:
            losses["itc"] = loss
    if weight("itm") > 0:
        pairs = negatives(logits_t2i, logits_i2t) if callable(negatives) else negatives
        losses["itm"], fused_pairs = image_text_matching(
            model, text_hidden, batch["text_mask"], image_tokens, image_mask, pairs)
        if weight("wra") > 0:
            losses["wra"] = word_region_alignment(fused_pairs)
    if weight("mlm") > 0:
        losses["mlm"] = masked_language_modeling(model, momentum_model, batch, image_tokens, image_mask, teacher, alpha)
    if weight("cmcl") > 0:
        losses["cmcl"] = cross_modal_contrastive(model, image, text, batch.get("rewrites"), batch["same"])
    if weight("prefixLM") > 0:
        losses["prefixLM"] = caption_modeling(model, batch, image_tokens, image_mask)
    if vision is not None and model.visionHeads is not None:
        for name, loss in masked_vision_modeling(model, batch, vision, objectives):
            losses[name] = loss
    total = sum(loss * weight(name) for name, loss in losses.items())
    return total, losses, teacher

