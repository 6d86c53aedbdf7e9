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
