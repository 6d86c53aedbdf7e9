import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISTILL_QUICK, quickFlags } from '../src/commands/distill.js';
import { FULL_RUN, fullRunSentence, quickSummary } from '../src/commands/quickSummary.js';
import { sdt } from './run.js';

const readme = readFileSync('README.md', 'utf8');
const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Code map'));

/** Where a --quick setting lands in a distill manifest's configuration. */
function recorded(config: Record<string, Record<string, unknown>>, name: string): unknown[] {
  if (name === 'limit') return [config.limit];
  if (name === 'cartDepth') return [config.cart.maxDepth];
  if (name === 'validation') return [config.tree.validation, config.teacher.validation];
  if (name.startsWith('teacher')) return [config.teacher[name[7].toLowerCase() + name.slice(8)]];
  return [config.tree[name]];
}

describe('sdt distill --quick', () => {
  it("has the settings the README's quick start gives, and the --help", () => {
    expect(quickStart).toContain(quickFlags());
    expect(sdt(['distill', '--help']).stdout.replace(/\s+/g, ' ')).toContain(quickFlags());
  });

  it('made the committed results/mnist/quick with exactly those settings', () => {
    const manifest = JSON.parse(readFileSync('results/mnist/quick/manifest.json', 'utf8'));
    expect(manifest.argv).toEqual(['distill', '--quick', '--out', 'results/mnist/quick']);
    for (const [name, value] of Object.entries(DISTILL_QUICK)) {
      for (const actual of recorded(manifest.config, name)) expect([name, actual]).toEqual([name, value]);
    }
  });

  it("closes with what it ran and the committed full run's numbers, read from its files", () => {
    const full = JSON.parse(readFileSync(join(FULL_RUN, 'comparison.json'), 'utf8')) as { rows: { maxPathAccuracy: number }[] };
    const line = quickSummary({ dataset: 'mnist', trainImages: 10000, testImages: 10000, teacherEpochs: 1, depth: 4, treeEpochs: 10 }, '.');
    expect(line).toMatch(/^--quick trained on the first 10,000 mnist training images and tested on 10,000: teacher 1 epoch, trees at depth 4 for 10 epochs\. The full default run/);
    for (const row of full.rows) expect(line).toContain(`${(row.maxPathAccuracy * 100).toFixed(2)} %`);
    // Other data, or no committed run to cite: only what it ran.
    expect(quickSummary({ dataset: 'fashion-mnist', trainImages: 10, testImages: 10, teacherEpochs: null, depth: 4, treeEpochs: 10 }, '.')).not.toMatch(/full default run/);
    expect(fullRunSentence('/nonexistent')).toBe('');
  });
});
