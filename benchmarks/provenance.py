"""Weight provenance: precision and recall of the verdict over generated model pairs, time, peak memory
and bytes read, flat as the model grows (a small pair next to a 1B-parameter pair), and the share of a
model read through the Hub stand-in with range requests.

    python benchmarks/provenance.py [--pairs 120] [--big-params 1.0e9] [--skip-big]

The pairs are built with numpy: fine-tunes at several noise levels, merged LoRA updates, renamed
copies, extended vocabularies and dropped layers of a base (all related), against independent
initialisations of the same architecture (unrelated). Baseline: reading the same files whole.
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hubstub import HubStub  # noqa: E402
from weights import (  # noqa: E402
    base_model,
    drop_last_layers,
    encode,
    extend_vocab,
    fine_tune,
    lora_merged,
    renamed,
    safetensors_file,
    write_model,
)

from auditor.demo import RepoBuilder  # noqa: E402
from auditor.provenance import compare_models  # noqa: E402

RELATED = {
    "noise 0.1": lambda b, s: fine_tune(b, 0.1, s), "noise 0.5": lambda b, s: fine_tune(b, 0.5, s),
    "noise 1": lambda b, s: fine_tune(b, 1.0, s), "noise 2": lambda b, s: fine_tune(b, 2.0, s),
    "noise 4": lambda b, s: fine_tune(b, 4.0, s),
    "lora r4": lambda b, s: lora_merged(b, 4, 1.0, s), "lora r16 x3": lambda b, s: lora_merged(b, 16, 3.0, s),
    "renamed": lambda b, s: renamed(fine_tune(b, 0.2, s)), "vocab +32": lambda b, s: extend_vocab(b, 32, s),
    "dropped layers": lambda b, s: drop_last_layers(fine_tune(b, 0.3, s), 3), "copy": lambda b, _s: b,
}


def accuracy(pairs: int, root: Path) -> None:
    cases = []
    bases = max(1, pairs // (2 * len(RELATED)) + 1)
    for i in range(bases):
        base = base_model(100 + i, layers=4, hidden=64, inter=172, vocab=512)
        write_model(root / f"base{i}", base)
        for name, make in RELATED.items():
            write_model(root / f"base{i}-{name}", make(base, 1000 + i))
            cases.append((f"base{i}-{name}", f"base{i}", True, name))
        for j in range(len(RELATED)):
            other = base_model(5000 + i * 100 + j, layers=4, hidden=64, inter=172, vocab=512)
            shaped = renamed(other) if j % 3 == 0 else other
            write_model(root / f"indep{i}-{j}", shaped)
            cases.append((f"indep{i}-{j}", f"base{i}", False, "independent" + (" renamed" if j % 3 == 0 else "")))
    cases = cases[:max(pairs, 100)]
    tp = fp = fn = tn = 0
    misses: list[str] = []
    started = time.perf_counter()
    confidences: dict[str, list[float]] = {}
    for target, candidate, related, kind in cases:
        result = compare_models(str(root / target), str(root / candidate))
        said = result.verdict in ("copy", "derived")
        confidences.setdefault(result.verdict, []).append(result.confidence)
        tp += said and related
        fp += said and not related
        fn += related and not said
        tn += not related and not said
        if said != related:
            misses.append(f"{kind}: {result.verdict} ({result.reason[:80]})")
    elapsed = time.perf_counter() - started
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"pairs: {len(cases)} ({tp + fn} related, {fp + tn} independent)")
    print(f"precision {precision:.3f}  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn}, tn {tn})")
    print(f"time: {elapsed:.2f} s in all, {1000 * elapsed / len(cases):.1f} ms per pair")
    for verdict, values in sorted(confidences.items()):
        print(f"  {verdict:<12} {len(values):>4} pairs, confidence min {min(values):.3f} "
              f"median {np.median(values):.3f}")
    for miss in misses:
        print(f"  miss: {miss}")


def write_big(path: Path, layers: int, hidden: int, inter: int, vocab: int, base: Path | None, seed: int) -> int:
    """A bf16 Llama-shaped model written tensor by tensor (never all in memory); with `base`, the
    base's values plus noise, read back tensor by tensor from the base file."""
    from helpers import llama_tensors

    from auditor.provenance.weights import LocalWeights, decode

    shapes = llama_tensors(layers, hidden, inter, vocab, hidden // 128, hidden // 512)
    header, offset = {}, 0
    for name in sorted(shapes):
        count = int(np.prod(shapes[name]))
        header[name] = {"dtype": "BF16", "shape": list(shapes[name]), "data_offsets": [offset, offset + 2 * count]}
        offset += 2 * count
    raw = json.dumps(header).encode()
    rng = np.random.default_rng(seed)
    source = LocalWeights(base.parent) if base else None
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(raw)) + raw)
        for name in sorted(shapes):
            shape = shapes[name]
            if source is not None:
                info = source.tensors[name]
                span = (info.file, info.start, info.end)
                values = decode("BF16", source.read([span])[span])
                values = values.reshape(shape) * (1 + 0.05 * rng.standard_normal(shape, dtype=np.float32))
            elif len(shape) == 1:
                values = 1 + 0.1 * rng.standard_normal(shape, dtype=np.float32)
            else:
                values = 0.02 * rng.standard_normal(shape, dtype=np.float32)
            out.write(encode(values, "BF16"))
    if source:
        source.close()
    return sum(int(np.prod(s)) for s in shapes.values())


# VmHWM, not ru_maxrss: the latter carries the parent's peak over fork and exec.
_MEASURED = """
import json, sys, time
started = time.perf_counter()
from auditor.provenance import compare_models
result = compare_models(sys.argv[1], sys.argv[2]).to_dict()
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"result": result, "seconds": time.perf_counter() - started,
                  "rss_mb": int(peak.split()[1]) / 1024}))
"""


def run_measured(target: Path, candidate: Path) -> tuple[dict, float, float]:
    """One comparison in a fresh process, with its own time (imports included) and peak RSS."""
    out = subprocess.run([sys.executable, "-c", _MEASURED, str(target), str(candidate)], capture_output=True,
                         text=True, check=True).stdout
    doc = json.loads(out)
    return doc["result"], doc["seconds"], doc["rss_mb"]


def scale(root: Path, big_params: float, skip_big: bool) -> None:
    print("\nscale (each comparison in a fresh process):")
    sizes = [("small", 4, 256, 688, 4096)]
    if not skip_big:
        layers = 16
        hidden = 2048
        # 16 layers of 2048 with a 5504 MLP and a 32k vocabulary: about 0.94e9 parameters.
        per_layer = 4 * hidden ** 2 + 3 * hidden * 5504
        sizes.append(("1B", layers, hidden, 5504, max(1000, int((big_params - layers * per_layer) / (2 * hidden)))))
    for label, layers, hidden, inter, vocab in sizes:
        base = root / f"{label}-base" / "model.safetensors"
        tuned = root / f"{label}-tuned" / "model.safetensors"
        started = time.perf_counter()
        params = write_big(base, layers, hidden, inter, vocab, None, 1)
        write_big(tuned, layers, hidden, inter, vocab, base, 2)
        built = time.perf_counter() - started
        result, elapsed, peak = run_measured(tuned.parent, base.parent)
        cost = result["bytes"]["target"]
        whole_started = time.perf_counter()
        with tuned.open("rb") as handle:
            while handle.read(1 << 24):
                pass
        whole = time.perf_counter() - whole_started
        print(f"  {label:<6} {params / 1e9:.3f}e9 params, {cost['total_bytes'] / 1e6:,.0f} MB per model: "
              f"{result['verdict']} ({result['confidence']}) in {elapsed:.2f} s, peak RSS {peak:.0f} MB, "
              f"read {cost['bytes_read'] / 1e6:.2f} MB ({cost['bytes_read'] / cost['total_bytes']:.3%}) in "
              f"{cost['requests']} reads; baseline: reading the file whole {whole:.2f} s (built in {built:.0f} s)")
        base.unlink()
        tuned.unlink()


def hub(root: Path) -> None:
    print("\nHub stand-in (range requests through huggingface_hub):")
    import os

    big = base_model(1, layers=12, hidden=512, inter=1376, vocab=8192)
    paths = {}
    for name, weights in (("org/base", big), ("org/tuned", renamed(fine_tune(big, 0.3)))):
        repo = RepoBuilder(root / name.replace("/", "-"))
        repo.commit("Upload", "2025-01-01 10:00:00", {"model.safetensors": safetensors_file(weights)})
        paths[name] = repo.path
    with HubStub() as stub:
        for name, path in paths.items():
            stub.add(name, path)
        os.environ["HF_ENDPOINT"] = stub.endpoint
        started = time.perf_counter()
        result = compare_models("hf://org/tuned", "hf://org/base")
        elapsed = time.perf_counter() - started
        counts = dict(stub.counts)
    for side, cost in result.cost.items():
        print(f"  {side:<9} read {cost['bytes_read'] / 1e6:.2f} MB of {cost['total_bytes'] / 1e6:.1f} MB "
              f"({cost['bytes_read'] / cost['total_bytes']:.2%}) in {cost['requests']} range requests")
    print(f"  verdict {result.verdict} ({result.confidence}) in {elapsed:.2f} s; stand-in served {counts}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=120)
    parser.add_argument("--big-params", type=float, default=1.0e9)
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        accuracy(args.pairs, root / "pairs")
        hub(root / "hub")
        scale(root / "scale", args.big_params, args.skip_big)


if __name__ == "__main__":
    main()
