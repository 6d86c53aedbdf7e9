/**
 * The teacher for tables (inputs of shape [features]): fully connected ReLU layers and a
 * dense layer of logits z. Frosst & Hinton's tabular experiments (Connect4, Letter) used a
 * neural net of this kind; dropout is applied by the learner (see teacherLearner).
 */
import * as tfl from '@tensorflow/tfjs-layers';

export interface MlpTeacherConfig {
  inputShape: number[]; // [features]
  classes: number;
  /** Units of each hidden layer, input side first. */
  hidden: number[];
  seed: number;
}

export function createMlpTeacher(config: MlpTeacherConfig): tfl.LayersModel {
  const init = (offset: number) => tfl.initializers.glorotUniform({ seed: config.seed * 16 + offset });
  // Images (or any input of rank > 1) are flattened first, so an MLP can teach on them too.
  const flatten = config.inputShape.length > 1 ? [tfl.layers.flatten({ inputShape: config.inputShape })] : [];
  const first = flatten.length === 0 ? { inputShape: config.inputShape } : {};
  const dense = [...config.hidden, config.classes].map((units, i) =>
    tfl.layers.dense({ ...(i === 0 ? first : {}), units, activation: i < config.hidden.length ? 'relu' : 'linear', kernelInitializer: init(i + 1) }));
  return tfl.sequential({ layers: [...flatten, ...dense] }); // the last dense layer's outputs are the logits z
}
