import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { withChecksum } from '../src/runs/checksum.js';
import { studyCells } from '../src/study/grid.js';
import { hardeningSummaries, hardeningTable } from '../src/study/hardening.js';
import { pairedTTest } from '../src/study/pairedComparison.js';
import type { CellResult } from '../src/study/runStudy.js';
import { expectOneSentence, sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-study-'));
const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const teacher = join(scratch, 'teacher');
const tiny = ['--limit', '400', '--epochs', '2', '--batch-size', '32', '--quiet'];
const manifestOf = (folder: string) => JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
const metricsOf = (folder: string) => JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8'));

describe('studyCells', () => {
  it('crosses a depth sweep and a temperature sweep at the reference point, every tree at every seed', () => {
    const cells = studyCells({ seeds: [1, 2], depths: [2, 8], temperatures: [1, 4], depth: 8, temperature: 4, transfers: ['train'], cart: true });
    const names = cells.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    // per seed: hard and T4 at depths 2 and 8, T1 at depth 8 (T4 at depth 8 only once); CART once per depth
    expect(names.filter((n) => n.endsWith('-s1')).sort()).toEqual(['d2-T4-s1', 'd2-hard-s1', 'd8-T1-s1', 'd8-T4-s1', 'd8-hard-s1']);
    expect(cells.length).toBe(12);
    expect(names.filter((n) => n.includes('cart'))).toEqual(['d2-cart', 'd8-cart']);
  });
  it('adds labels and soft targets on every other transfer set at the reference point', () => {
    const cells = studyCells({ seeds: [1], depths: [8], temperatures: [4], depth: 8, temperature: 4, transfers: ['train', 'augment', 'mixup'], cart: false });
    expect(cells.map((c) => `${c.name}:${c.transfer}`)).toEqual([
      'd8-hard-s1:train', 'd8-T4-s1:train', 'd8-hard-augment-s1:augment', 'd8-T4-augment-s1:augment', 'd8-hard-mixup-s1:mixup', 'd8-T4-mixup-s1:mixup',
    ]);
  });
});

describe('pairedTTest', () => {
  it('gives the two-sided p of the paired t-test (values from scipy.stats.ttest_rel / ttest_1samp)', () => {
    expect(pairedTTest([0.1, 0.2, 0.3]).p).toBeCloseTo(0.07417990022744854, 8);
    expect(pairedTTest([0.004, -0.002, 0.006, 0.001, 0.003]).p).toBeCloseTo(0.15325877700281718, 8);
    expect(pairedTTest([0.01]).p).toBeNull();
  });
});

describe('hardeningSummaries', () => {
  // Two seeds of one setting: hardening began after epoch 4; seed 2 kept epoch 5 (hardened).
  const run = (seed: number, bestEpoch: number, before: number[], kept: number[]): CellResult => ({
    cell: { kind: 'distilled', depth: 8, temperature: 1, transfer: 'augment', seed, name: `d8-T1-augment-s${seed}` } as CellResult['cell'],
    folder: '',
    metrics: {
      bestEpoch,
      history: [{ epoch: 3 }, { epoch: 4, report: { testBeforeHardening: { maxPathAccuracy: before[0], mixtureAccuracy: before[1], committedShare: before[2] } } }, { epoch: 5 }],
      test: { maxPathAccuracy: kept[0], mixtureAccuracy: kept[1], committedShare: kept[2] },
    },
  });
  it('sets the test metrics before β rose beside those kept, per setting, and counts the seeds that kept a hardened epoch', () => {
    const [summary, ...rest] = hardeningSummaries([run(1, 4, [0.96, 0.965, 0.9], [0.96, 0.965, 0.9]), run(2, 5, [0.95, 0.96, 0.9], [0.955, 0.958, 0.99]), { ...run(3, 1, [], []), metrics: { bestEpoch: 1, history: [{ epoch: 1 }], test: {} } }]);
    expect(rest).toHaveLength(0); // a run that never hardened has no line
    expect(summary.seeds).toBe(2);
    expect(summary.keptHardened).toBe(1);
    expect(summary.maxPath[0]!.mean).toBeCloseTo(0.955, 12);
    expect(summary.maxPath[1]!.mean).toBeCloseTo(0.9575, 12);
    expect(summary.gap[1]!.values.map((v) => +v.toFixed(6))).toEqual([0.005, 0.003]);
    expect(hardeningTable([summary])).toMatch(/\| soft tree, distilled T = 1, augment transfer set \| 8 \| 95\.50 ± 0\.71 % \(n = 2\) \| .* \| 1 of 2 \|/);
  });
});

describe('sdt study and sdt reproduce on tiny runs', () => {
  beforeAll(() => {
    const run = sdt(['teacher', '--limit', '400', '--epochs', '1', '--batch-size', '32', '--quiet', '--out', teacher]);
    expect(run.stderr).toBe('');
  }, 120_000);

  const studyArgs = (out: string, ...extra: string[]) => ['study', '--teacher', teacher, ...tiny, '--depths', '2,3', '--temperatures', '2', '--depth', '2', '--temperature', '2', '--seeds', '2', '--no-cart', '--out', out, ...extra];

  it('an interrupted study resumes without redoing finished cells, and its summary is the mean over seeds', async () => {
    const out = join(scratch, 'study');
    // Interrupt the study (SIGINT, as Ctrl-C) as soon as its first cell is finished.
    const child = spawn(process.execPath, [cli, ...studyArgs(out).filter((a) => a !== '--quiet')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (/cell 1\/\d+ \S+: trained/.test(stderr)) child.kill('SIGINT');
      });
      child.on('exit', () => resolve());
    });
    // Stopped by Ctrl-C: exit 130 inside a cell (checkpoint kept), or the signal itself between cells.
    expect(child.exitCode === 130 || child.signalCode === 'SIGINT').toBe(true);
    const first = /cell 1\/\d+ (\S+): trained/.exec(stderr)![1];
    const finishedAt = manifestOf(join(out, first)).createdAt;
    expect(existsSync(join(out, 'summary.json'))).toBe(false);

    const again = sdt(studyArgs(out).filter((a) => a !== '--quiet'));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`cell 1/\\d+ ${first}: already done`));
    expect(manifestOf(join(out, first)).createdAt).toBe(finishedAt);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const hard2 = summary.settings.find((s: { kind: string; depth: number }) => s.kind === 'baseline' && s.depth === 2);
    const accuracies = ['d2-hard-s1', 'd2-hard-s2'].map((c) => metricsOf(join(out, c)).test.maxPathAccuracy);
    expect(hard2.maxPath.n).toBe(2);
    expect(hard2.maxPath.mean).toBeCloseTo((accuracies[0] + accuracies[1]) / 2, 12);
    // The validation accuracy of each cell's epoch kept, which chooses between recipes.
    const kept = ['d2-hard-s1', 'd2-hard-s2'].map((c) => metricsOf(join(out, c))).map((m) => m.history.find((e: { epoch: number }) => e.epoch === m.bestEpoch).validationAccuracy);
    expect(hard2.validation.mean).toBeCloseTo((kept[0] + kept[1]) / 2, 12);
    // The distilled cells against the label cells of the same seed, at each depth.
    const soft = ['d2-T2-s1', 'd2-T2-s2'].map((c) => metricsOf(join(out, c)).test.maxPathAccuracy);
    const paired2 = summary.paired.find((p: { depth: number }) => p.depth === 2);
    expect(summary.paired).toHaveLength(2);
    expect(paired2.seeds).toEqual([1, 2]);
    expect(paired2.meanDifference).toBeCloseTo((soft[0] - accuracies[0] + soft[1] - accuracies[1]) / 2, 12);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/paired by seed[\s\S]*\| train \| 2 \| 2 \| 2 \|/);
    for (const file of ['report.html', 'report.md', 'depth.svg', 'temperature.svg']) expect(existsSync(join(out, file))).toBe(true);
    expect(again.stdout).toMatch(/\| soft tree, distilled T = 2 \| 3 \| [\d.]+ ± [\d.]+ % \(n = 2\) \| [\d.]+ ± [\d.]+ % \(n = 2\) \|/);
  }, 240_000);

  it('refuses a study folder made with other settings', () => {
    const out = join(scratch, 'study');
    const message = expectOneSentence(sdt(studyArgs(out, '--alpha', '0.9')));
    expect(message).toMatch(/holds a study with other settings: alpha 0\.5 \(now 0\.9\); give the same options .* another --out, or --force/);
  });

  it("with a given teacher, takes the teacher's own options as no difference (they train nothing there)", () => {
    const again = sdt(studyArgs(join(scratch, 'study'), '--teacher-lr', '0.005', '--teacher-epochs', '7'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/other settings/);
  });

  it('reproduce makes a cell again exactly, and flags a metric that differs beyond the tolerance', () => {
    const cell = join(scratch, 'study', 'd2-T2-s1');
    const same = sdt(['reproduce', cell, '--out', join(scratch, 'again'), '--quiet']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/\| test\.maxPathAccuracy \| .* \| ok \|/);
    expect(same.stdout).not.toMatch(/DIFFERS/);

    // The same run, against a record that claims 5 points more.
    const metrics = metricsOf(cell);
    metrics.test.maxPathAccuracy += 0.05;
    writeFileSync(join(cell, 'metrics.json'), JSON.stringify(metrics));
    const differs = sdt(['reproduce', join(cell, 'manifest.json'), '--out', join(scratch, 'again2'), '--quiet']);
    expect(differs.stdout).toMatch(/\| test\.maxPathAccuracy \| .* \| DIFFERS \|/);
    expect(differs.stdout).toMatch(/\| test\.mixtureAccuracy \| .* \| ok \|/);
    expect(expectOneSentence(differs)).toMatch(/test\.maxPathAccuracy of .* differs beyond the tolerance 0\.002/);

    // Made by another version of sdt: the message names the commit that makes it exactly.
    const manifest = JSON.parse(readFileSync(join(cell, 'manifest.json'), 'utf8'));
    delete manifest.checksum;
    manifest.versions.sdtCommit = 'abc1234+dirty';
    writeFileSync(join(cell, 'manifest.json'), JSON.stringify(withChecksum(manifest)));
    const older = sdt(['reproduce', cell, '--out', join(scratch, 'again3')]);
    expect(older.code).toBe(1);
    expect(older.stderr).toMatch(/note: the run was made by sdt at commit abc1234\+dirty, this is /);
    expect(older.stderr.trim().split('\n').at(-1)).toMatch(/^sdt: .* differs beyond the tolerance .* check out commit abc1234 to reproduce it exactly\.$/);
  }, 120_000);

  it('reproduce refuses a manifest of several runs and a missing path', () => {
    expect(expectOneSentence(sdt(['reproduce', join(scratch, 'study')]))).toMatch(/describes a study of several runs/);
    expect(expectOneSentence(sdt(['reproduce', join(scratch, 'nowhere')]))).toMatch(/nowhere does not exist/);
  });
});
