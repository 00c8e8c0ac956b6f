// Benchmark (not a test): fit BG/NBD and Gamma-Gamma on 1,000,000 customers' grouped statistics.
//
//   npx tsc -p tsconfig.build.json && node bench/clv.mjs [customers] [dist root]
//
// If the project build is broken elsewhere, compile just these files into dist/ first:
//   npx tsc src/clv/index.ts --rootDir . --outDir dist --module nodenext --moduleResolution nodenext \
//     --target es2022 --strict --skipLibCheck --esModuleInterop
//
// Customers are simulated from known parameters the way the warehouse would summarise them: first
// purchase and as-of date on day boundaries, purchase times rounded to days (same-day purchases
// merged), everything in weeks = days / 7, mean spend rounded to cents. Grouping identical
// (x, t_x, T) and (x, m_x) rows is what the warehouse's GROUP BY would hand over; only the fits
// are timed. Day-level summarising (same-day merges, t_x rounded to days) moves the BG/NBD
// estimates a few percent from the continuous-time truth; the benchmark is about time, not accuracy.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const count = Number(process.argv[2] ?? 1_000_000);
const distRoot = resolve(process.argv[3] ?? 'dist');
const { fitBgNbd, fitGammaGamma } = await import(pathToFileURL(resolve(distRoot, 'src/clv/index.js')).href);

// sfc32 with 53-bit uniforms; Marsaglia–Tsang gamma draws.
function makeRng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next32 = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 15; i++) next32();
  const uniform = () => ((next32() >>> 5) * 67108864 + (next32() >>> 6) + 0.5) / 9007199254740992;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const gammaUnit = (k) => {
    if (k < 1) return gammaUnit(k + 1) * Math.pow(uniform(), 1 / k);
    const dd = k - 1 / 3, cc = 1 / Math.sqrt(9 * dd);
    for (;;) {
      let z, v;
      do { z = normal(); v = 1 + cc * z; } while (v <= 0);
      v = v * v * v;
      const u = uniform();
      if (Math.log(u) < 0.5 * z * z + dd - dd * v + dd * Math.log(v)) return dd * v;
    }
  };
  return { uniform, gamma: (shape, rate) => gammaUnit(shape) / rate };
}

const truthBg = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
const truthGg = { p: 6, q: 4, gamma: 15 };
const rng = makeRng(42);
const bgGroups = new Map();
const ggGroups = new Map();
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  const lambda = rng.gamma(truthBg.r, truthBg.alpha) / 7; // per day
  const g1 = rng.gamma(truthBg.a, 1);
  const p = g1 / (g1 + rng.gamma(truthBg.b, 1));
  const Tdays = 364 + Math.floor(rng.uniform() * 365);
  let t = 0, x = 0, lastDay = 0;
  for (;;) {
    t += -Math.log(rng.uniform()) / lambda;
    const day = Math.floor(t);
    if (day > Tdays) break;
    if (day === lastDay) continue; // same-day purchases merge (the first purchase is day 0)
    x += 1;
    lastDay = day;
    if (rng.uniform() < p) break;
  }
  const key = `${x}|${lastDay}|${Tdays}`;
  const row = bgGroups.get(key);
  if (row) row.n += 1;
  else bgGroups.set(key, { x, tx: lastDay / 7, T: Tdays / 7, n: 1 });
  if (x > 0) {
    const nu = rng.gamma(truthGg.q, truthGg.gamma);
    let total = 0;
    for (let j = 0; j < x; j++) total += rng.gamma(truthGg.p, nu);
    const mx = Math.round((total / x) * 100) / 100;
    const gkey = `${x}|${mx}`;
    const grow = ggGroups.get(gkey);
    if (grow) grow.n += 1;
    else ggGroups.set(gkey, { x, mx, n: 1 });
  }
}
const bgRows = [...bgGroups.values()];
const ggRows = [...ggGroups.values()];
console.log(`simulated and grouped ${count.toLocaleString('en-US')} customers in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

const fmt = (o) => Object.entries(o).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ');

let start = performance.now();
const bg = fitBgNbd(bgRows);
const bgSeconds = (performance.now() - start) / 1000;
console.log(`BG/NBD: ${bgRows.length.toLocaleString('en-US')} groups, ${bgSeconds.toFixed(2)} s, ok=${bg.ok}, iterations=${bg.iterations}, likelihood passes=${bg.evaluations}`);
console.log(`  fitted ${bg.params ? fmt(bg.params) : '-'}; true ${fmt(truthBg)}${bg.warning ? `; warning: ${bg.warning}` : ''}`);

start = performance.now();
const gg = fitGammaGamma(ggRows);
const ggSeconds = (performance.now() - start) / 1000;
console.log(`Gamma-Gamma: ${ggRows.length.toLocaleString('en-US')} groups (${gg.customers.toLocaleString('en-US')} repeat customers), ${ggSeconds.toFixed(2)} s, ok=${gg.ok}, iterations=${gg.iterations}, likelihood passes=${gg.evaluations}`);
console.log(`  fitted ${gg.params ? fmt(gg.params) : '-'}; true ${fmt(truthGg)}; pearson(x, m_x)=${gg.independence.pearson?.toFixed(3)}`);
console.log(`total fit time ${(bgSeconds + ggSeconds).toFixed(2)} s (target < 5 s)`);

// ---- The same fits with lifetimes (Python), on the same grouped rows with the same weights, in a
// throwaway virtual environment under the OS temp folder (created and filled by this script; never
// part of the project). RETAIN_BENCH_NO_LIFETIMES=1 skips it.
if (process.env.RETAIN_BENCH_NO_LIFETIMES !== '1') {
  const { execFileSync, spawnSync } = await import('node:child_process');
  const { existsSync, mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const venv = join(tmpdir(), 'retain-bench-lifetimes');
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    console.log(`installing lifetimes into ${venv} (benchmark only)...`);
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(python, ['-m', 'pip', 'install', '--quiet', 'lifetimes'], { stdio: 'inherit' });
  }
  const work = mkdtempSync(join(tmpdir(), 'retain-bench-clv-'));
  writeFileSync(join(work, 'bg.csv'), 'x,tx,T,n\n' + bgRows.map((r) => `${r.x},${r.tx},${r.T},${r.n}`).join('\n') + '\n');
  writeFileSync(join(work, 'gg.csv'), 'x,mx,n\n' + ggRows.map((r) => `${r.x},${r.mx},${r.n}`).join('\n') + '\n');
  const script = `
import json, sys, time, warnings
warnings.filterwarnings('ignore')
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
bg = pd.read_csv(sys.argv[1] + '/bg.csv'); gg = pd.read_csv(sys.argv[1] + '/gg.csv')
t = time.perf_counter()
bgf = BetaGeoFitter(penalizer_coef=0.0).fit(bg['x'], bg['tx'], bg['T'], weights=bg['n'])
bg_seconds = time.perf_counter() - t
t = time.perf_counter()
ggf = GammaGammaFitter(penalizer_coef=0.0).fit(gg['x'], gg['mx'], weights=gg['n'])
gg_seconds = time.perf_counter() - t
print(json.dumps({'bg_seconds': bg_seconds, 'gg_seconds': gg_seconds,
  'bg': {k: float(v) for k, v in bgf.params_.items()}, 'gg': {k: float(v) for k, v in ggf.params_.items()}}))
`;
  const result = spawnSync(python, ['-c', script, work], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) {
    console.log(`lifetimes failed: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  } else {
    const lt = JSON.parse(result.stdout.trim().split('\n').pop());
    const ltTotal = lt.bg_seconds + lt.gg_seconds;
    console.log(`lifetimes ${'BetaGeoFitter'}: ${lt.bg_seconds.toFixed(2)} s, ${fmt({ r: lt.bg.r, alpha: lt.bg.alpha, a: lt.bg.a, b: lt.bg.b })}`);
    console.log(`lifetimes GammaGammaFitter: ${lt.gg_seconds.toFixed(2)} s, ${fmt({ p: lt.gg.p, q: lt.gg.q, gamma: lt.gg.v })}`);
    console.log(`lifetimes total ${ltTotal.toFixed(2)} s; retain is ${(ltTotal / (bgSeconds + ggSeconds)).toFixed(1)}x faster on the same grouped rows`);
  }
}
