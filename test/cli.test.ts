import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { randomSource } from '../src/random.js';
import { sdtInProcess } from './inProcess.js';
import { expectOneSentence, sdt } from './run.js';

const COMMANDS = ['datasets', 'teacher', 'baseline', 'cart', 'distill', 'evaluate', 'explain', 'report', 'study', 'reproduce'];
const scratch = mkdtempSync(join(tmpdir(), 'sdt-cli-'));

describe('sdt --help', () => {
  it('lists the command map', () => {
    const run = sdt(['--help']);
    expect(run.code).toBe(0);
    for (const name of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
  it.each(COMMANDS)('%s --help shows an example', (name) => {
    const run = sdt([name, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Example:');
  });
});

describe('refuses bad options before any work, in one sentence', () => {
  it.each([
    [['baseline', '--depth', '0'], /--depth must be an integer from 1 to 12/],
    [['baseline', '--depth', '20'], /--depth must be an integer from 1 to 12/],
    [['baseline', '--lr', '-1'], /--lr must be a number from 1e-7 to 10/],
    [['baseline', '--epochs', 'many'], /--epochs must be an integer/],
    [['baseline', '--limit', '100', '--batch-size', '5000'], /--batch-size 5000 is larger than the 90 training examples/],
    [['baseline', '--bogus'], /unknown option '--bogus'/],
    [['baseline', '--backend', 'gpu'], /argument 'gpu' is invalid/],
    [['baseline', '--dataset', 'imagenet'], /unknown dataset/],
    [['baseline', '--dataset', 'csv:/no/such/file.csv'], /\/no\/such\/file.csv/],
    [['study', '--depths', '2,x'], /--depths must be a comma-separated list of numbers from 1 to 12/],
    [['study', '--teacher', '/no/such/teacher', '--limit', '100'], /\/no\/such\/teacher/],
    [['nonsense'], /unknown command/],
    [['distill', '--limit', '100', '--batch-size', '95'], /--batch-size 95 is larger than the 90 training examples/],
    [['distill', '--learn-beta', '--beta-end', '2'], /--learn-beta and --beta-end exclude each other/],
    [['study', '--transfer', 'mixup', '--limit', '100'], /give --transfers LIST, not --transfer/],
    [['cart', '--max-depth', '-1'], /--max-depth must be an integer from 0 to 64/],
  ])('main(%s), in process', async (args, message) => {
    expect(expectOneSentence(await sdtInProcess(args as string[]))).toMatch(message);
  });

  it('an output folder that is a file', () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x');
    expect(expectOneSentence(sdt(['baseline', '--limit', '100', '--out', file]))).toMatch(/is a file/);
  });

  it('SDT_BACKEND with an unknown name', () => {
    expect(expectOneSentence(sdt(['baseline', '--limit', '100'], { SDT_BACKEND: 'tpu' }))).toMatch(/unknown backend "tpu"/);
  });
});

describe('sdt datasets', () => {
  it('finds MNIST with the original counts and label histogram', () => {
    const run = sdt(['datasets', '--json']);
    expect(run.code).toBe(0);
    const mnist = JSON.parse(run.stdout).find((d: { name: string }) => d.name === 'mnist');
    expect(mnist.found).toBe(true);
    expect([mnist.trainCount, mnist.testCount]).toEqual([60000, 10000]);
    expect(mnist.trainLabelHistogram).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(mnist.files.every((f: { sha256: string }) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
  });
});

describe('sdt baseline and sdt evaluate', () => {
  const out = join(scratch, 'baseline');
  it('writes a complete run folder and prints its accuracy', () => {
    const run = sdt(['baseline', '--limit', '400', '--depth', '3', '--epochs', '2', '--out', out, '--json', '--backend', 'wasm']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/backend: wasm, [1-4] threads?, onnxruntime kernels \(chosen by --backend\)/);
    expect(run.stderr).not.toContain('Hi, looks like you are running TensorFlow.js');
    const printed = JSON.parse(run.stdout);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(printed.maxPathAccuracy).toBe(metrics.test.maxPathAccuracy);
    expect(metrics.history).toHaveLength(2);
    expect(manifest.backend.name).toBe('wasm');
    expect(manifest.config).toMatchObject({ depth: 3, epochs: 2, limit: 400, seed: 1 });
    expect(manifest.data.map((f: { role: string }) => f.role).sort()).toEqual(['test-images', 'test-labels', 'train-images', 'train-labels']);
    expect(existsSync(join(out, 'tree.json.gz'))).toBe(true);
  });

  it('records the commit the build was made from, also for a build copied out of the checkout', () => {
    const built = JSON.parse(readFileSync(new URL('../dist/build-commit.json', import.meta.url), 'utf8')).commit;
    // In a git checkout with git on the PATH (CI clones), the stamp is the commit; without git it is null.
    if (spawnSync('git', ['rev-parse', 'HEAD'], { cwd: fileURLToPath(new URL('..', import.meta.url)) }).status === 0) expect(built).toMatch(/^[0-9a-f]{40}(\+dirty)?$/);
    else expect(built).toBeNull();
    const copy = join(scratch, 'copied-build');
    const root = fileURLToPath(new URL('..', import.meta.url));
    cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const copied = join(scratch, 'baseline-of-copied-build');
    const run = spawnSync(process.execPath, [join(copy, 'dist/src/cli.js'), 'baseline', '--limit', '400', '--depth', '2', '--epochs', '1', '--quiet', '--out', copied], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(copied, 'manifest.json'), 'utf8')).versions.sdtCommit).toBe(built);
  });

  it('evaluate reproduces the recorded test accuracy from the model file alone', () => {
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const run = sdt(['evaluate', '--model', join(out, 'tree.json.gz'), '--limit', '400', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.accuracy).toBe(metrics.test.maxPathAccuracy);
    expect(result.mixtureAccuracy).toBe(metrics.test.mixtureAccuracy);
    expect(result.confusion).toEqual(metrics.test.confusion);
  });

  it('evaluate splits a CSV file as the model\'s training run did (its seed is in the model file)', () => {
    // Three noisy classes on two features: a test split made with another seed would score differently.
    const random = randomSource(4);
    const rows = Array.from({ length: 300 }, (_, i) => {
      const label = i % 3;
      return `${(label + 1.5 * (random() - 0.5)).toFixed(3)},${(random() * 2).toFixed(3)},c${label}`;
    });
    const table = join(scratch, 'noisy.csv');
    writeFileSync(table, ['a,b,label', ...rows].join('\n'));
    const cartOut = join(scratch, 'cart-csv');
    expect(sdt(['cart', '--dataset', `csv:${table}`, '--seed', '7', '--max-depth', '3', '--out', cartOut, '--quiet']).code).toBe(0);
    const metrics = JSON.parse(readFileSync(join(cartOut, 'metrics.json'), 'utf8'));
    const run = sdt(['evaluate', '--model', join(cartOut, 'cart.json.gz'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.confusion).toEqual(metrics.test.confusion);
    expect(result.accuracy).toBe(metrics.test.accuracy);
    expect(result.accuracy).toBeLessThan(1);
  });

  it('evaluate and explain warn (one line, not an error) when a model meets data other than it records', () => {
    const model = join(out, 'tree.json.gz');
    const warning = `warning: ${model} was trained on mnist, not on fashion-mnist, the data used here`;
    const evaluated = sdt(['evaluate', '--model', model, '--dataset', 'fashion-mnist', '--limit', '400', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stderr.split('\n')).toContain(warning);
    expect(JSON.parse(evaluated.stdout).dataset).toBe('fashion-mnist');
    const explained = sdt(['explain', '--model', model, '--dataset', 'fashion-mnist', '--limit', '100', '--out', join(scratch, 'other.svg'), '--quiet']);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stderr.split('\n')).toContain(warning);
    const same = sdt(['evaluate', '--model', model, '--dataset', 'mnist', '--limit', '400', '--json']);
    expect(same.stderr).not.toContain('warning');
  });

  it('evaluate refuses a file from elsewhere', () => {
    const path = join(scratch, 'keras.json');
    writeFileSync(path, JSON.stringify({ format: 'keras', layers: [] }));
    expect(expectOneSentence(sdt(['evaluate', '--model', path]))).toMatch(/keras\.json/);
  });
});

describe('the package behind the command', () => {
  const root = new URL('..', import.meta.url);
  it('has a name of its own (the registry\'s `sdt` is another project) and still installs the command `sdt`', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
    const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8'));
    expect(pkg.name).not.toBe('sdt');
    expect(lock.name).toBe(pkg.name);
    expect(lock.packages[''].name).toBe(pkg.name);
    expect(Object.keys(pkg.bin)).toEqual(['sdt']);
  });

  it('every documented npx command resolves only to this project\'s bin (--no-install)', () => {
    const docs = ['README.md', ...readdirSync(new URL('results', root), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('README.md')).map((f) => `results/${f}`)];
    expect(docs.length).toBeGreaterThan(1);
    for (const doc of docs) {
      const text = readFileSync(new URL(doc, root), 'utf8');
      expect(text.match(/npx (?!--no-install sdt\b)\S+/g) ?? [], doc).toEqual([]);
    }
    expect(readFileSync(new URL('README.md', root), 'utf8')).toContain('npm ci && npx --no-install sdt distill\nnpm test\n');
  });
});
