/**
 * The data a run was trained and tested on, loaded again as its manifest describes it
 * (dataset, limit, seed for the CSV split, the folder its files were read from), once per
 * distinct description. A dataset that cannot be loaded gives null: the report then shows
 * '—' for what needs it, and says why.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/datasets.js';
import { SdtError } from '../errors.js';
import type { Manifest } from '../runs/manifest.js';
import type { RunRecord } from './runs.js';

export interface DatasetCache {
  /** The run's dataset, or null when it cannot be loaded. */
  forRun(run: RunRecord): Dataset | null;
  /** Class names of the run's dataset without keeping the data (null when unknown). */
  classNames(run: RunRecord): string[] | null;
}

interface DataSpec {
  name: string;
  limit?: number;
  seed?: number;
  dataDir?: string;
}

function specOf(manifest: Manifest): DataSpec {
  const name = String(manifest.config.dataset ?? 'mnist');
  const limit = typeof manifest.config.limit === 'number' ? manifest.config.limit : undefined;
  if (name.startsWith('csv:')) return { name, limit, seed: manifest.seed };
  // Image files: read from the folder the run used when it is still there.
  const images = manifest.data?.find((f) => f.role === 'train-images');
  const dataDir = images && existsSync(images.path) ? dirname(images.path) : undefined;
  return { name, limit, dataDir };
}

export function createDatasetCache(say: (line: string) => void): DatasetCache {
  const loaded = new Map<string, Dataset | null>();
  const names = new Map<string, string[] | null>();
  const load = (spec: DataSpec, limit = spec.limit): Dataset => loadDataset(spec.name, { limit, seed: spec.seed, dataDir: spec.dataDir });
  return {
    forRun(run) {
      const spec = specOf(run.manifest);
      const key = JSON.stringify(spec);
      if (!loaded.has(key)) {
        let dataset: Dataset | null = null;
        try {
          // Only the test split is measured on: the training split is let go at once.
          dataset = { ...load(spec), train: { x: new Float32Array(0), y: new Int32Array(0), n: 0 } };
          say(`dataset: ${dataset.name}, ${dataset.test.n} test examples`);
          const recorded = new Set(run.manifest.data?.map((f) => f.sha256));
          if (recorded.size > 0 && dataset.files.some((f) => !recorded.has(f.sha256))) {
            say(`note: the ${dataset.name} files differ from those ${run.folder} was trained on; measuring on the current files.`);
          }
        } catch (error) {
          if (!(error instanceof SdtError)) throw error;
          say(`cannot load the data of ${run.folder} (${error.message}); its timing and agreement are left out.`);
        }
        loaded.set(key, dataset);
      }
      return loaded.get(key)!;
    },
    classNames(run) {
      const spec = specOf(run.manifest);
      const known = loaded.get(JSON.stringify(spec));
      if (known) return known.classNames;
      const key = `${spec.name} ${spec.dataDir ?? ''}`;
      if (!names.has(key)) {
        try {
          names.set(key, load(spec, 10).classNames);
        } catch (error) {
          if (!(error instanceof SdtError)) throw error;
          names.set(key, null);
        }
      }
      return names.get(key)!;
    },
  };
}
