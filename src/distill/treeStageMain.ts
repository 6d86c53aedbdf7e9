/**
 * The child process of a parallel tree stage: reads a TreeStageRequest (JSON) from stdin,
 * trains the tree on one wasm thread, and reports on stdout, one JSON message per line:
 * `{say}`, `{batch}`, `{epoch}` and finally `{done}`. A failure is one sentence on stderr and
 * the exit code the in-process stage would give (130 for Ctrl-C, with its checkpoint saved; a
 * signal after its tree finished training lets it write the tree and exit 0).
 */
import { initBackend } from '../backend.js';
import { reportError } from '../errors.js';
import { holdSignalsOutsideTraining } from './train.js';
import { loadSource, runTreeStageJob, type TreeStageRequest } from './treeStageJob.js';

const send = (message: object) => process.stdout.write(JSON.stringify(message) + '\n');

async function run(): Promise<void> {
  holdSignalsOutsideTraining();
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const request = JSON.parse(text) as TreeStageRequest;
  const backend = await initBackend(request.backend);
  const dataset = loadSource(request.source);
  const { trained } = await runTreeStageJob(request.job, dataset, backend, {
    say: (line) => send({ say: line }),
    progress: () => ({ onBatch: (batch) => send({ batch }), onEpoch: (epoch) => send({ epoch }) }),
  });
  send({ done: { trained } });
}

try {
  await run();
} catch (error) {
  process.exitCode = reportError(error);
}
