"""The objectives of a vlp ALBEF session and the training step that combines them.

Each function follows its vlp counterpart (Sources/VLP/Objectives, Sources/VLP/Training/
ALBEFTraining.swift); losses are returned under vlp's metric names (`itc`, `itm`, `mlm`, `mrfr`,
`mrc`, `mrc-kl`, `mpr`) in the order vlp computes them, and the total is the sum of each loss
times its session weight.
"""

import torch
import torch.nn.functional as F

TEMPERATURE_RANGE = (0.001, 0.5)
METRIC_NAMES = {"itc": "itc", "itm": "itm", "mlm": "mlm", "mrfr": "mrfr", "mrc": "mrc", "mrcKL": "mrc-kl", "mpr": "mpr"}
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
    """ITM on the B positives and the hard negatives (1:2): CE over (not matched, matched)."""
    b = text_hidden.shape[0]
    text_rows = torch.tensor(list(range(b)) + [t for t, _ in negatives], device=text_hidden.device)
    image_rows = torch.tensor(list(range(b)) + [i for _, i in negatives], device=text_hidden.device)
    fused = model.fuse(
        text_hidden[text_rows], text_mask[text_rows], image_tokens[image_rows],
        None if image_mask is None else image_mask[image_rows])
    labels = torch.zeros(len(text_rows), dtype=torch.long, device=text_hidden.device)
    labels[:b] = 1
    return F.cross_entropy(model.matching_logits(fused), labels)


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
    """MVM within the image encoder: → [(name, loss)] in vlp's order (regression, mrc, mrc-kl)."""
    heads = model.visionHeads
    values = heads.masked(batch["image_values"], vision["keep"], vision["indicator"])
    tokens, _ = model.encode_image(values, batch["image_mask"])  # (B, 1 + N, d)
    slots = vision["slots"]
    positions = vision["positions"]
    rows = (positions // slots) * (1 + slots) + 1 + positions % slots
    hidden = tokens.reshape(-1, tokens.shape[-1])[rows]
    result = []
    if objectives.get("mrfr", 0) > 0 or objectives.get("mpr", 0) > 0:
        prediction = heads.regression(hidden, model.imageEncoder.embedding.weight)
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


def check_objectives(objectives):
    """Refuses a session whose objectives this trainer does not implement, naming them."""
    weights = {k: v for k, v in objectives.items() if k in ("wra", "cmcl", "prefixLM", "pollutedTags")}
    missing = [k for k, v in weights.items() if v and v > 0]
    if missing:
        raise SystemExit(f"config.json: objectives {', '.join(missing)} are not implemented in this trainer yet")


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
    if weight("itc") > 0 or weight("itm") > 0:
        image = model.image_embedding(image_tokens)
        text = model.text_embedding(text_hidden)
        loss, logits_i2t, logits_t2i = image_text_contrastive(
            image, text, teacher["image"], teacher["text"], queues[0], queues[1], model.temperature, alpha)
        if weight("itc") > 0:
            losses["itc"] = loss
    if weight("itm") > 0:
        pairs = negatives(logits_t2i, logits_i2t) if callable(negatives) else negatives
        losses["itm"] = image_text_matching(model, text_hidden, batch["text_mask"], image_tokens, image_mask, pairs)
    if weight("mlm") > 0:
        losses["mlm"] = masked_language_modeling(model, momentum_model, batch, image_tokens, image_mask, teacher, alpha)
    if vision is not None and model.visionHeads is not None:
        for name, loss in masked_vision_modeling(model, batch, vision, objectives):
            losses[name] = loss
    total = sum(loss * weight(name) for name, loss in losses.items())
    return total, losses, teacher

