"""PyTorch twin of bench/cases/hfGpt2.ts: a GPT-2-small-shaped model (12 layers, d 768, 12 heads,
vocab 50257, random weights of the real size), one forward pass over `--tokens` tokens returning
every head's attention, with the fixtures' own GPT-2 equations (test/fixtures/hf/make_fixtures.py),
single-threaded. Prints one JSON line: median/min/max wall ms over the timed runs, and the median
process CPU ms (the machine is shared: wall time overstates what the work needs).
usage: test/fixtures/hf/with_torch.sh bench/torch/hf_gpt2_forward.py [--tokens 512] [--runs 3]
"""
import argparse, json, os, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'hf'))
import torch  # noqa: E402
from make_fixtures import gpt2_config, gpt2_forward, gpt2_weights  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--tokens', type=int, default=512)
p.add_argument('--runs', type=int, default=3)
p.add_argument('--warmup', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(1)
cfg = gpt2_config(n_embd=768, n_head=12, n_layer=12, n_positions=1024, n_ctx=1024, vocab_size=50257, n_inner=None,
                  bos_token_id=50256, eos_token_id=50256)
w = gpt2_weights(cfg, 1)
ids = [(i * 131 + 7) % cfg['vocab_size'] for i in range(a.tokens)]
times, cpu = [], []
with torch.no_grad():
    for i in range(a.warmup + a.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        logits, attns, _, _ = gpt2_forward(w, cfg, ids)
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
print(json.dumps({'fw': 'torch', 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'tokens': a.tokens,
                  'heads_captured': len(attns) * attns[0].shape[0], 'median_ms': statistics.median(times),
                  'min_ms': min(times), 'max_ms': max(times), 'cpu_ms': statistics.median(cpu)}))
