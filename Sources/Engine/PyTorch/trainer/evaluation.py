"""Retrieval on the held-out pairs, as vlp scores it (Sources/VLP/Eval): R@1/5/10 both ways under
vlp's `eval/*` names. ALBEF ranks by ITC similarity; Oscar by its matching score, the polluted-tag
head's log-odds of "matched" over every (caption, image) pair."""

import torch

from data import make_batch, make_oscar_batch, POLLUTION_NONE


def recalls(scores, is_match):
    """vlp's RetrievalMetrics: a query's rank is the number of wrong candidates scoring at least its
    best correct one (ties count against it). scores, is_match: (images, texts)."""
    metrics = {}
    for name, sim, match in (("i2t", scores, is_match), ("t2i", scores.t(), is_match.t())):
        best = sim.masked_fill(~match, float("-inf")).max(dim=1, keepdim=True).values
        ranks = ((sim >= best) & ~match).sum(dim=1)
        for k in (1, 5, 10):
            metrics[f"{name}_r{k}"] = float((ranks < k).float().mean())
    return metrics


@torch.no_grad()
def albef_retrieval(model, data, rows, device):
    """R@k by ITC similarity; a caption of the same image counts as a match."""
    model.eval()
    batch, _ = make_batch(data, rows, {"seed": 0, "objectives": {"maskProbability": 0}}, 0, device)
    tokens, _ = model.encode_image(batch["image_values"], batch["image_mask"])
    image = model.image_embedding(tokens)
    text = model.text_embedding(model.encode_text(batch["text_ids"], batch["text_mask"]))
    similarity = image @ text.t()
    keys = torch.tensor(batch["image_key"], device=device)
    metrics = {}
    for name, sim in (("i2t", similarity), ("t2i", similarity.t())):
        ranked = sim.argsort(dim=1, descending=True)
        hits = keys[ranked] == keys[:, None]  # a caption of the same image counts
        first = hits.float().argmax(dim=1)
        for k in (1, 5, 10):
            metrics[f"{name}_r{k}"] = float((first < k).float().mean())
    model.train()
    return metrics


@torch.no_grad()
def oscar_retrieval(model, data, rows, config, device, chunk=256):
    """OscarEvaluation.matchingScores: for image i and text j the sequence (caption of j, tags and
    regions of i), scored logit 0 − logsumexp(the polluted classes); a text identical to the
    image's own caption counts as a match."""
    model.eval()
    n = len(rows)
    pairs = [(i, j) for i in range(n) for j in range(n)]
    scores = []
    for start in range(0, len(pairs), chunk):
        part = pairs[start:start + chunk]
        texts = [(data.captions[rows[j]], data.tags[rows[i]] if data.has_tags[rows[i]] else None, POLLUTION_NONE)
                 for i, j in part]
        batch, _ = make_oscar_batch(data, [rows[i] for i, _ in part], config, 0, device, texts=texts,
                                    mask_probability=0)
        hidden = model(batch["text_ids"], batch["segments"], batch["text_mask"], batch["image_values"],
                       batch["image_mask"])
        logits = model.contrastive_logits(hidden)
        scores.append(logits[:, 0] - torch.logsumexp(logits[:, 1:], dim=1))
    scores = torch.cat(scores).view(n, n)
    captions = [tuple(data.captions[r]) for r in rows]
    is_match = torch.tensor([[captions[i] == captions[j] for j in range(n)] for i in range(n)], device=device)
    model.train()
    return recalls(scores, is_match)
