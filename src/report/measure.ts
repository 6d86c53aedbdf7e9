/**
 * What the report measures at report time on this machine: inference latency per single
 * example, throughput over the test set, and agreement with a reference teacher. Each
 * needs the run's model file; without it the value is null and the report shows '—'.
 */
import type { Split } from '../data/dataset.js';
import { agreement } from '../eval/metrics.js';
import { SdtError } from '../errors.js';
import type { DatasetCache } from './datasets.js';
import type { RunGroup } from './group.js';
import { loadModel, type LoadedModel } from './models.js';
import type { RunRecord } from './runs.js';

export interface Timing {
  /** The run that was timed (the group's first run with a model file). */
  run: string;
  /** Median of single-example predictions after warm-up, in µs. */
  latencyMicros: number;
  latencyRepeats: number;
  /** Examples per second over the whole test set. */
  throughput: number;
  testExamples: number;
}

export interface GroupMeasurement {
  timing: Timing | null;
  /** Agreement with the reference teacher of each run measured (folder → share). */
  agreement: Map<string, number>;
}

const WARMUP = 20;
const MIN_REPEATS = 30;
const MAX_REPEATS = 1000;
const BUDGET_MS = 1000;

function medianLatency(model: LoadedModel, split: Split): { micros: number; repeats: number } {
  const F = model.features;
  const row = (i: number) => split.x.subarray((i % split.n) * F, ((i % split.n) + 1) * F);
  for (let i = 0; i < WARMUP; i++) model.predictOne(row(i));
  const times: number[] = [];
  const deadline = performance.now() + BUDGET_MS;
  for (let i = 0; i < MAX_REPEATS && (i < MIN_REPEATS || performance.now() < deadline); i++) {
    const started = performance.now();
    model.predictOne(row(i));
    times.push((performance.now() - started) * 1000);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return { micros: times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2, repeats: times.length };
}

export interface Measurer {
  measure(group: RunGroup): Promise<GroupMeasurement>;
}

/**
 * `reference(run)` gives the teacher predictions a run's test set is compared with (or null
 * when there is no teacher); `isReference(run)` marks the reference teacher itself.
 */
export function createMeasurer(options: {
  timing: boolean;
  datasets: DatasetCache;
  reference: (run: RunRecord, test: Split) => Promise<Int32Array | null>;
  isReference: (run: RunRecord) => boolean;
  /** Hands over the predictions of a run just measured (the reference teacher's are reused). */
  remember?: (run: RunRecord, test: Split, predicted: Int32Array) => void;
  say: (line: string) => void;
}): Measurer {
  const { datasets, say } = options;
  return {
    async measure(group) {
      const result: GroupMeasurement = { timing: null, agreement: new Map() };
      for (const run of group.runs) {
        if (!run.modelFiles) continue;
        const wantTiming = options.timing && result.timing === null;
        const dataset = datasets.forRun(run);
        if (!dataset) continue;
        const teacher = options.isReference(run) ? null : await options.reference(run, dataset.test);
        if (!wantTiming && !teacher) continue;
        let model: LoadedModel;
        try {
          model = await loadModel(run);
        } catch (error) {
          if (!(error instanceof SdtError)) throw error;
          say(`skipping the model of ${run.folder}: ${error.message}`);
          continue;
        }
        try {
          if (model.features !== dataset.inputShape.reduce((a, b) => a * b, 1) || model.classes !== dataset.classNames.length) {
            say(`skipping the model of ${run.folder}: it does not fit the ${dataset.name} data.`);
            continue;
          }
          let predicted: Int32Array;
          if (wantTiming) {
            say(`timing ${group.label} (${run.folder})`);
            const latency = medianLatency(model, dataset.test);
            const started = performance.now();
            predicted = model.predictAll(dataset.test);
            const seconds = (performance.now() - started) / 1000;
            result.timing = {
              run: run.folder,
              latencyMicros: latency.micros,
              latencyRepeats: latency.repeats,
              throughput: dataset.test.n / Math.max(seconds, 1e-9),
              testExamples: dataset.test.n,
            };
          } else {
            predicted = model.predictAll(dataset.test);
          }
          options.remember?.(run, dataset.test, predicted);
          if (teacher) result.agreement.set(run.folder, agreement(predicted, teacher));
        } finally {
          model.dispose();
        }
      }
      return result;
    },
  };
}
