/**
 * A small seeded generator (mulberry32) so that splits, shuffles and initialisations are
 * the same for the same seed on every machine. Its whole state is one 32-bit integer,
 * which a checkpoint can store.
 */
export interface Random {
  /** Uniform in [0, 1). */
  (): number;
  /** The current state, to resume the same sequence later. */
  state(): number;
}

export function randomSource(seed: number): Random {
  let a = seed >>> 0;
  const next = (() => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Random;
  next.state = () => a;
  return next;
}

/** A permutation of 0..n-1 (Fisher–Yates) drawn from `random`. */
export function permutation(n: number, random: Random): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 by the boost Γ(a) = Γ(a+1)·U^(1/a)). */
export function gammaSample(shape: number, random: Random): number {
  if (shape < 1) return gammaSample(shape + 1, random) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // A standard normal draw (Box–Muller).
      x = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, a) draw: mixup's interpolation weight. */
export function symmetricBetaSample(a: number, random: Random): number {
  const g1 = gammaSample(a, random);
  const g2 = gammaSample(a, random);
  return g1 / (g1 + g2);
}
