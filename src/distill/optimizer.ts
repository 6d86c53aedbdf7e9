/**
 * Adam and SGD with momentum over a list of variables, with the learning rate given at
 * every step (so any schedule works) and a state that can be read and restored whole.
 *
 * The update is one pass per variable: Adam's in WebAssembly SIMD (adamKernel.ts), SGD's in
 * JavaScript. As tensor ops Adam was ten kernels per variable and step, each a pass over
 * memory with the wasm backend's fixed cost per call. Both passes round to float32 after
 * every operation in the order of those kernels, so they give the kernels' bits exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readInto, tensorOf } from '../kernels/tensorArrays.js';
import { createAdamKernel } from './adamKernel.js';

export type OptimizerName = 'adam' | 'sgd';

export interface OptimizerSettings {
  name: OptimizerName;
  momentum: number; // SGD only
}

export interface Optimizer {
  /** One update θ ← θ − lr · direction(g), g the gradient of each variable. */
  step(gradients: Float32Array[], learningRate: number): void;
  /** The step count and moment estimates, for a checkpoint, and their restoration. */
  state(): { step: number; slots: Float32Array[] };
  load(state: { step: number; slots: Float32Array[] }): void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;
const f32 = Math.fround;

/** v ← μ v + g;  θ ← θ − lr v (in place), rounded to float32 as the tensor ops did (μ and lr as float32 scalars). */
function sgdUpdate(theta: Float32Array, g: Float32Array, v: Float32Array, momentum: number, learningRate: number): Float32Array {
  for (let j = 0; j < theta.length; j++) {
    const vj = f32(f32(momentum * v[j]) + g[j]);
    v[j] = vj;
    theta[j] = f32(theta[j] - f32(learningRate * vj));
  }
  return theta;
}

export function createOptimizer(variables: tf.Variable[], settings: OptimizerSettings): Optimizer {
  const adam = settings.name === 'adam' ? createAdamKernel(variables.map((v) => v.size), BETA1, BETA2, EPSILON) : null;
  const velocity = adam ? [] : variables.map((v) => new Float32Array(v.size));
  const slots = adam ? [...adam.first, ...adam.second] : velocity;
  // θ is read into arrays kept from step to step (kernels/tensorArrays.ts says why).
  const values = variables.map((v) => new Float32Array(v.size));
  let t = 0;
  return {
    step(gradients, learningRate) {
      t += 1;
      const stepSize = (learningRate * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
      variables.forEach((variable, i) => {
        const [theta, g] = [readInto(variable, values[i]), gradients[i]];
        const updated = adam ? adam.update(i, theta, g, stepSize) : sgdUpdate(theta, g, velocity[i], f32(settings.momentum), f32(learningRate));
        // tidy: the variable keeps its own reference to the data assigned.
        tf.tidy(() => variable.assign(tensorOf(updated, variable.shape)));
      });
    },
    state: () => ({ step: t, slots: slots.map((v) => v.slice()) }),
    load(state) {
      t = state.step;
      slots.forEach((v, i) => v.set(state.slots[i]));
    },
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
