/**
 * Adam and SGD with momentum over a list of variables, with the learning rate given at
 * every step (so any schedule works) and a state that can be read and restored whole.
 */
import * as tf from '@tensorflow/tfjs-core';

export type OptimizerName = 'adam' | 'sgd';

export interface OptimizerSettings {
  name: OptimizerName;
  momentum: number; // SGD only
}

export interface Optimizer {
  /** One update θ ← θ − lr · direction(g); disposes nothing it did not make. */
  step(gradients: tf.Tensor[], learningRate: number): void;
  /** The step count and moment estimates, for a checkpoint, and their restoration. */
  state(): { step: number; slots: Float32Array[] };
  load(state: { step: number; slots: Float32Array[] }): void;
  dispose(): void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export function createOptimizer(variables: tf.Variable[], settings: OptimizerSettings): Optimizer {
  const slots = (n: number) => variables.map((v, i) => tf.variable(tf.zerosLike(v), false, `${v.name}/slot${n}-${i}`));
  const first = slots(1);
  const second = settings.name === 'adam' ? slots(2) : [];
  let t = 0;
  return {
    step(gradients, learningRate) {
      t += 1;
      tf.tidy(() => {
        variables.forEach((variable, i) => {
          const g = gradients[i];
          if (settings.name === 'sgd') {
            // v ← μ v + g;  θ ← θ − lr v
            first[i].assign(tf.add(tf.mul(settings.momentum, first[i]), g));
            variable.assign(tf.sub(variable, tf.mul(learningRate, first[i])));
            return;
          }
          // m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;  θ ← θ − lr m̂ / (√v̂ + ε)
          first[i].assign(tf.add(tf.mul(BETA1, first[i]), tf.mul(1 - BETA1, g)));
          second[i].assign(tf.add(tf.mul(BETA2, second[i]), tf.mul(1 - BETA2, tf.square(g))));
          const stepSize = (learningRate * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
          variable.assign(tf.sub(variable, tf.mul(stepSize, tf.div(first[i], tf.add(tf.sqrt(second[i]), EPSILON)))));
        });
      });
    },
    state: () => ({ step: t, slots: [...first, ...second].map((v) => (v.dataSync() as Float32Array).slice()) }),
    load(state) {
      t = state.step;
      tf.tidy(() => [...first, ...second].forEach((v, i) => v.assign(tf.tensor(state.slots[i], v.shape))));
    },
    dispose: () => tf.dispose([...first, ...second]),
  };
}

export type Schedule = 'constant' | 'cosine' | 'warmup-cosine';

/**
 * Learning rate at `progress` ∈ [0, 1] of training: constant; cosine decay to 0; or a
 * linear warm-up from 0 over the first `warmup` share of training, then cosine decay to 0
 * over the rest (Goyal et al. 2017's warm-up before Loshchilov & Hutter's cosine: a larger
 * rate is safe once Adam's moment estimates have settled, and few epochs suffice).
 */
export function learningRateAt(base: number, schedule: Schedule, progress: number, warmup = 0): number {
  if (schedule === 'constant') return base;
  if (schedule === 'warmup-cosine' && warmup > 0 && progress < warmup) return (base * progress) / warmup;
  const start = schedule === 'warmup-cosine' ? warmup : 0;
  const decay = start < 1 ? (progress - start) / (1 - start) : 1;
  return base * 0.5 * (1 + Math.cos(Math.PI * decay));
}
