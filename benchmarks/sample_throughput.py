"""How fast `comco sample` makes specs: prints specs/s per configuration and peak memory.

python benchmarks/sample_throughput.py [N]
"""

from __future__ import annotations

import resource
import sys
import time

from comco.sampler import SamplerConfig, sample_scenes

CONFIGS = {
    "2 same": SamplerConfig(objects=2),
    "3 one-large bottom-right": SamplerConfig(objects=3, large=1, layout="bottom-right"),
    "4 one-large all-orders": SamplerConfig(objects=4, large=1, all_orders=True),
    "5 same": SamplerConfig(objects=5),
}


def main(count: int) -> None:
    for name, config in CONFIGS.items():
        began = time.perf_counter()
        lines = sum(1 for s in sample_scenes(config, count) if s.model_dump_json())
        seconds = time.perf_counter() - began
        print(f"{name:28s} {lines} specs in {seconds:6.2f} s = {lines / seconds:7.0f} specs/s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
