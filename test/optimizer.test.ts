import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { createOptimizer, type OptimizerSettings } from '../src/distill/optimizer.js';
import { randomSource } from '../src/random.js';

/** Adam and SGD as tensor ops, as the optimiser computed them before its typed-array pass: the oracle. */
function tensorOpStep(variables: tf.Variable[], slots: tf.Variable[][], settings: OptimizerSettings, gradients: tf.Tensor[], learningRate: number, t: number) {
  tf.tidy(() => {
    variables.forEach((variable, i) => {
      const g = gradients[i];
      const [first, second] = [slots[0][i], slots[1]?.[i]];
      if (settings.name === 'sgd') {
        first.assign(tf.add(tf.mul(settings.momentum, first), g));
        variable.assign(tf.sub(variable, tf.mul(learningRate, first)));
        return;
      }
      first.assign(tf.add(tf.mul(0.9, first), tf.mul(1 - 0.9, g)));
      second.assign(tf.add(tf.mul(0.999, second), tf.mul(1 - 0.999, tf.square(g))));
      const stepSize = (learningRate * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      variable.assign(tf.sub(variable, tf.mul(stepSize, tf.div(first, tf.add(tf.sqrt(second), 1e-8)))));
    });
  });
}

const random = (n: number, seed: number, scale: number) => {
  const r = randomSource(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
};

describe.each(['wasm', 'cpu'])('the optimiser on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
    expect(tf.getBackend()).toBe(backend);
  });

  it.each<OptimizerSettings>([{ name: 'adam', momentum: 0 }, { name: 'sgd', momentum: 0.9 }])('gives the tensor ops\' bits exactly over 20 steps (%o)', (settings) => {
    const shapes = [[37, 5], [5], [1]];
    const make = () => shapes.map((shape, i) => tf.variable(tf.tensor(random(shape.reduce((a, b) => a * b, 1), i + 1, 1), shape)));
    const [ours, theirs] = [make(), make()];
    const slots = [0, 1].map(() => theirs.map((v) => tf.variable(tf.zerosLike(v))));
    const optimizer = createOptimizer(ours, settings);
    for (let t = 1; t <= 20; t++) {
      // Gradients over many magnitudes, some exactly zero, as a tree's deep nodes give.
      const gradients = shapes.map((shape, i) => tf.tensor(random(shape.reduce((a, b) => a * b, 1), 100 * t + i, 10 ** ((t % 7) - 4)).map((g, j) => (j % 5 === 0 ? 0 : g)), shape));
      const rate = 0.01 * (1 + Math.cos(t));
      optimizer.step(gradients.map((g) => g.dataSync() as Float32Array), rate);
      tensorOpStep(theirs, slots, settings, gradients, rate, t);
      tf.dispose(gradients);
    }
    ours.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(theirs[i].dataSync())));
    // The moments round-trip through a checkpoint's state.
    const state = optimizer.state();
    expect(state.step).toBe(20);
    expect(Array.from(state.slots[0])).toEqual(Array.from(slots[0][0].dataSync()));
    const restored = createOptimizer(ours, settings);
    restored.load(state);
    expect(restored.state()).toEqual(state);
    tf.dispose([...ours, ...theirs, ...slots.flat()]);
  });
});
