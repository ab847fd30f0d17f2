"""Trains one variant of an exported vlp session with PyTorch, on one process or under torchrun
with DistributedDataParallel (NCCL on GPUs, gloo on CPU).

    python train.py --variant main --out runs/main
    torchrun --nproc_per_node=2 train.py --variant main --out runs/main

Reads `variants/VARIANT/{config.json,init.safetensors,data.safetensors}` next to this file (a
session on caption files: config.json's `data` paths and vocab.txt instead of data.safetensors) and
writes into --out: `checkpoints/step-XXXXXXXX.safetensors` (vlp's checkpoint format and names,
momentum model and queues included; rank 0, atomically), TensorBoard event files with vlp's tags
and `log.jsonl`. A run started again with the same --out resumes from its latest checkpoint.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint  # noqa: E402
from data import VlpRandom, derive, duplicates, load_config, load_data, make_batch, make_oscar_batch  # noqa: E402
from evaluation import albef_retrieval, oscar_retrieval  # noqa: E402
from model import build_model  # noqa: E402
from objectives import METRIC_NAMES, albef_losses, hard_negatives, oscar_losses  # noqa: E402


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", default=None, help="the variant to train (default: the only or first one)")
    parser.add_argument("--out", required=True, help="the run folder (checkpoints, event files, log.jsonl)")
    parser.add_argument("--init", default=None, help="initial weights (default: variants/VARIANT/init.safetensors)")
    parser.add_argument("--steps", type=int, default=None, help="stop after this step (default: training.steps)")
    parser.add_argument("--dropout", type=float, default=None, help="override model.dropout (0 for parity checks)")
    parser.add_argument("--checkpoint-every", type=int, default=500, help="save every N steps (and at the end)")
    parser.add_argument("--eval-every", type=int, default=0, help="retrieval R@k on held-out pairs every N steps")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads per process")
    return parser.parse_args(argv)


class Step(nn.Module):
    """The model (and ALBEF's momentum copy); forward computes one step's losses, so that DDP wraps
    it. → (total, {name: loss}, ALBEF's teacher features or None)."""

    def __init__(self, model, momentum_model, objectives):
        super().__init__()
        self.model, self.momentum_model, self.objectives = model, momentum_model, objectives

    def forward(self, batch, vision, queues, alpha, negatives):
        if self.momentum_model is None:  # Oscar
            return (*oscar_losses(self.model, batch, vision, self.objectives), None)
        return albef_losses(self.model, self.momentum_model, batch, queues, alpha, self.objectives, negatives, vision)


def schedule(training, step):
    """vlp's warm-up then cosine (Sources/NN/Training/LearningRateSchedule.swift)."""
    peak, warmup, total = training["learningRate"], training["warmupSteps"], training["steps"]
    start, floor = training.get("warmupLearningRate", 1e-5), training.get("minimumLearningRate", 1e-5)
    if step < warmup:
        return start + (peak - start) * step / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def alpha_at(config, step, batches_per_epoch):
    o = config["objectives"]
    if config["model"]["family"] != "albef" or not o.get("distillation", True):
        return 0.0
    ramp = o.get("alphaRampSteps", 0) or batches_per_epoch
    return o["alpha"] * min(1.0, step / ramp) if ramp > 0 else o["alpha"]


def optimizer_for(model, training):
    """AdamW with vlp's decay rule: matrices decay; rank-1 parameters and the temperature do not."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        (decay if parameter.dim() >= 2 and name != "temperature" else no_decay).append(parameter)
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": training.get("weightDecay", 0.02)}, {"params": no_decay, "weight_decay": 0.0}],
        lr=training["learningRate"], betas=(0.9, 0.999), eps=1e-8)


@torch.no_grad()
def momentum_update(model, momentum_model, m):
    for p, pm in zip(model.parameters(), momentum_model.parameters()):
        pm.mul_(m).add_(p, alpha=1 - m)


class Queues:
    """ALBEF's image and text queues with their pair indices, filled with every rank's features."""

    def __init__(self, image, text, pair_index, pointer, real_count):
        self.image, self.text, self.pair_index = image, text, pair_index
        self.pointer, self.real_count = pointer, real_count

    @torch.no_grad()
    def enqueue(self, image, text, pair_index):
        image, text, pair_index = gather(image), gather(text), gather(pair_index)
        capacity, n = self.image.shape[0], image.shape[0]
        if capacity == 0:
            return
        self.image[self.pointer:self.pointer + n] = image
        self.text[self.pointer:self.pointer + n] = text
        self.pair_index[self.pointer:self.pointer + n] = pair_index
        self.pointer = (self.pointer + n) % capacity
        self.real_count = min(capacity, self.real_count + n)


def gather(tensor):
    """ALBEF's concat_all_gather: every rank's rows in rank order (no gradient)."""
    if not dist.is_initialized():
        return tensor
    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, tensor.contiguous())
    return torch.cat(parts)


def mean_over_ranks(values, device):
    if not dist.is_initialized():
        return values
    t = torch.tensor(list(values.values()), dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return dict(zip(values, (t / dist.get_world_size()).tolist()))


class Logs:
    """log.jsonl and TensorBoard event files with vlp's tags (rank 0 only)."""

    def __init__(self, out, first_step):
        self.jsonl = open(os.path.join(out, "log.jsonl"), "a")
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.events = SummaryWriter(out, purge_step=first_step)
        except ImportError:
            print("train.py: tensorboard is not installed: no event files (pip install tensorboard)", file=sys.stderr)
            self.events = None

    def step(self, step, total, losses, scalars):
        record = {"step": step, "loss": total, **losses, **scalars}
        self.jsonl.write(json.dumps(record) + "\n")
        self.jsonl.flush()
        if self.events:
            for name, value in losses.items():
                self.events.add_scalar(f"loss/{name}", value, step)
            self.events.add_scalar("loss/total", total, step)
            for name, value in scalars.items():
                self.events.add_scalar(name, value, step)

    def evaluation(self, step, metrics):
        self.jsonl.write(json.dumps({"step": step, **{f"eval/{k}": v for k, v in metrics.items()}}) + "\n")
        self.jsonl.flush()
        if self.events:
            for name, value in metrics.items():
                self.events.add_scalar(f"eval/{name}", value, step)
            self.events.flush()


def main(argv=None):
    args = parse_arguments(argv)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if distributed:
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    if args.threads:
        torch.set_num_threads(args.threads)

    variants = sorted(os.listdir(os.path.join(HERE, "variants")))
    variant = args.variant or variants[0]
    folder = os.path.join(HERE, "variants", variant)
    config = load_config(folder)
    if args.dropout is not None:
        config["model"]["dropout"] = args.dropout
    objectives, training = config["objectives"], config["training"]
    torch.manual_seed(int(config["seed"]) * 1000 + rank)  # dropout: a stream per rank

    data = load_data(folder, config)
    global_batch = training["batchSize"]
    if global_batch % world:
        raise SystemExit(f"training.batchSize {global_batch} is not divisible by {world} processes")
    local_batch = global_batch // world
    batches_per_epoch = data.train_count // global_batch
    if rank == 0:
        print(f"variant {variant}: {world} process(es), {local_batch} pairs per process, global batch {global_batch}, "
              f"{batches_per_epoch} steps per epoch, device {device}")

    oscar = config["model"]["family"] == "oscar"  # one stream, no momentum copy, no queues
    model = build_model(config).to(device)
    momentum_model = None if oscar else build_model(config).to(device)
    for p in momentum_model.parameters() if momentum_model is not None else []:
        p.requires_grad_(False)
    optimizer = optimizer_for(model, training)
    os.makedirs(os.path.join(args.out, "checkpoints"), exist_ok=True)
    resume = latest_checkpoint(os.path.join(args.out, "checkpoints"))
    source = resume or args.init or os.path.join(folder, "init.safetensors")
    state = load_checkpoint(source, model, momentum_model, optimizer, device)
    queues = Queues(*state["queues"]) if state["queues"] is not None else None
    if queues is not None and queues.image.shape[0] % global_batch:
        raise SystemExit(f"objectives.queueSize {queues.image.shape[0]} is not a multiple of the global batch {global_batch}")
    step = state["step"]
    if rank == 0:
        print(f"{'resumed' if resume else 'started'} from {source} at step {step}")

    runner = Step(model, momentum_model, objectives)
    if distributed:
        runner = nn.parallel.DistributedDataParallel(runner, find_unused_parameters=True)
    logs = Logs(args.out, step + 1) if rank == 0 else None
    last = args.steps or training["steps"]
    clip = training.get("gradientClipNorm", 0) or float("inf")
    parameters = [p for p in model.parameters()]
    test_rows = list(range(data.train_count, len(data.pair_index)))[: config["evaluation"].get("retrievalPairs", 200)]
    model.train()
    while step < last:
        begin = time.time()
        epoch, offset = divmod(step, batches_per_epoch)
        order = data.epoch_order(int(config["seed"]), epoch)
        rows = order[offset * global_batch:(offset + 1) * global_batch][rank::world]
        stream = step * world + rank
        alpha = alpha_at(config, step, batches_per_epoch)
        if oscar:
            batch, vision = make_oscar_batch(data, rows, config, stream, device)
            total, losses, teacher = runner(batch, vision, None, alpha, None)
        else:
            batch, vision = make_batch(data, rows, config, stream, device, augment=True)
            excluded = batch["same"] = duplicates(batch, device)
            random = VlpRandom(derive(int(config["seed"]), "negatives", stream))
            momentum_update(model, momentum_model, objectives.get("momentum", 0.995))
            total, losses, teacher = runner(
                batch, vision, (queues.image, queues.text), alpha,
                lambda t2i, i2t: hard_negatives(t2i, i2t, excluded, random))
        values = {METRIC_NAMES[k]: float(v.detach()) for k, v in losses.items()}
        if not all(math.isfinite(v) for v in values.values()):
            raise SystemExit(f"step {step + 1}: a loss is not finite: {values}")
        learning_rate = schedule(training, step)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate
        optimizer.zero_grad(set_to_none=False)
        total.backward()
        norm = float(torch.nn.utils.clip_grad_norm_(parameters, clip))
        optimizer.step()
        if queues is not None:
            queues.enqueue(teacher["image"], teacher["text"], torch.tensor(batch["pair_index"], device=device))
        step += 1
        values = mean_over_ranks({**values, "total": float(total.detach())}, device)
        if rank == 0:
            total_value = values.pop("total")
            scalars = {"lr": learning_rate, "alpha": alpha}
            if not oscar:
                scalars["temperature"] = float(model.temperature.detach())
            scalars.update(grad_norm=norm, queue=queues.real_count if queues else 0, seconds=time.time() - begin)
            logs.step(step, total_value, values, scalars)
            print(f"step {step}: loss {total_value:.4f} " + " ".join(f"{k} {v:.4f}" for k, v in values.items()),
                  flush=True)
        if args.eval_every and step % args.eval_every == 0 and rank == 0 and test_rows:
            metrics = (oscar_retrieval(model, data, test_rows, config, device) if oscar
                       else albef_retrieval(model, data, test_rows, device))
            logs.evaluation(step, metrics)
        if step % args.checkpoint_every == 0 or step == last:
            if rank == 0:
                path = save_checkpoint(os.path.join(args.out, "checkpoints"), step, config, model, momentum_model,
                                       optimizer, queues)
                print(f"saved {path}", flush=True)
            if distributed:
                dist.barrier()
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
