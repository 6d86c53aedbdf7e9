/**
 * The teacher on disk in TensorFlow.js's own layers format: model.json (topology and
 * weight manifest) and weights.bin, loadable by tf.loadLayersModel in any tfjs program.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic } from '../atomicWrite.js';
import { checkInputSize, MAX_TEXT_BYTES, readBounded } from '../data/bounded.js';
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';
import { writeJsonAtomic } from '../runs/files.js';

export const TEACHER_MODEL = 'model.json';
const WEIGHTS = 'weights.bin';

export async function saveTeacher(model: tfl.LayersModel, folder: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      writeFileAtomic(join(folder, WEIGHTS), new Uint8Array(artifacts.weightData as ArrayBuffer));
      writeJsonAtomic(join(folder, TEACHER_MODEL), {
        format: 'layers-model',
        generatedBy: 'sdt',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS}`], weights: artifacts.weightSpecs }],
      });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** sha256 of the teacher's topology and weights: the key its cached outputs are stored under. */
export function teacherChecksum(folder: string): string {
  const hash = createHash('sha256');
  for (const name of [TEACHER_MODEL, WEIGHTS]) hash.update(readFileSync(join(folder, name)));
  return hash.digest('hex');
}

export async function loadTeacher(folder: string): Promise<tfl.LayersModel> {
  const modelPath = join(folder, TEACHER_MODEL);
  if (!existsSync(modelPath)) throw new SdtError(`teacher folder ${folder} has no ${TEACHER_MODEL}.`, 'Give a folder written by `sdt teacher` (or its teacher/ subfolder).');
  let json: { modelTopology?: unknown; weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(readBounded(modelPath, `teacher model ${modelPath}`, describeFsError, MAX_TEXT_BYTES).toString('utf8'));
  } catch (error) {
    if (error instanceof SdtError) throw error;
    throw new SdtError(`cannot read the teacher in ${folder}: ${modelPath} is not valid JSON.`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest) || !json.weightsManifest.every((g) => Array.isArray(g?.weights) && g.weights.every((w) => Array.isArray(w?.shape)))) {
    throw new SdtError(`${modelPath} is not a TensorFlow.js layers model.`);
  }
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const expected = weightSpecs.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  // The declared shapes are checked before weights.bin is read.
  checkInputSize(`${modelPath} declares weights that`, expected, undefined, 'take');
  const weights = readBounded(join(folder, WEIGHTS), join(folder, WEIGHTS), describeFsError);
  if (weights.length !== expected) throw new SdtError(`${join(folder, WEIGHTS)} holds ${weights.length} bytes; the model needs ${expected}.`);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length);
  try {
    return await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs, weightData }));
  } catch (error) {
    throw new SdtError(`${modelPath} could not be loaded as a layers model: ${(error as Error).message.split('\n')[0]}.`);
  }
}
