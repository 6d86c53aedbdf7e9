/**
 * sdt's layers, checked by `npm run lint:deps` (part of `npm test`, so of CI).
 *
 * From the top: cli.ts → commands → study → report → distill | viz → models → eval | runs →
 * data → kernels. A layer imports only layers below it (never a peer on its row);
 * src/*.ts beside cli.ts (errors, random, progress, backend, ...) are shared leaves that
 * import only kernels. viz/ stays a top-level folder: it draws models (src/models, src/data)
 * and is used by report, study and commands through viz/index.ts alone.
 */
const LAYERS = [['cli'], ['commands'], ['study'], ['report'], ['distill', 'viz'], ['models'], ['eval', 'runs'], ['data'], ['kernels']];

const path = (layer) => (layer === 'cli' ? '^src/cli\\.ts$' : layer === 'viz' ? '^viz/' : `^src/${layer}/`);
const any = (layers) => layers.map(path).join('|');

const layerRules = LAYERS.flatMap((row, level) =>
  row.map((layer) => ({ layer, above: [...LAYERS.slice(0, level).flat(), ...row.filter((peer) => peer !== layer)], level })),
)
  .filter(({ above }) => above.length > 0)
  .map(({ layer, above, level }) => ({
    name: `layer-${layer}`,
    comment: `${layer} imports only the layers below it (${LAYERS.slice(level + 1).flat().join(', ')}) and the shared src/*.ts.`,
    severity: 'error',
    from: { path: path(layer) },
    to: { path: any(above) },
  }));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No cycles, type-only imports included.', from: {}, to: { circular: true } },
    ...layerRules,
    {
      name: 'shared-leaves',
      severity: 'error',
      comment: 'The shared modules beside cli.ts (errors, random, progress, backend, ...) import only kernels and each other.',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/cli\\.ts$' },
      to: { path: '^(src/[^/]+/|viz/|bench/)', pathNot: '^src/kernels/' },
    },
    {
      name: 'only-cli-imports-commands',
      severity: 'error',
      comment: 'Commands are wired by cli.ts alone; shared logic lives below them.',
      from: { pathNot: '^(src/cli\\.ts|src/commands/)' },
      to: { path: '^src/commands/' },
    },
    {
      name: 'viz-through-its-index',
      severity: 'error',
      comment: 'src/ uses viz/ through viz/index.ts, its public face.',
      from: { path: '^src/' },
      to: { path: '^viz/', pathNot: '^viz/index\\.ts$' },
    },
    {
      name: 'nothing-imports-bench-or-tests',
      severity: 'error',
      from: { path: '^(src|viz)/' },
      to: { path: '^(bench|test)/' },
    },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    { name: 'not-to-dev-dependency', severity: 'error', comment: 'The shipped code must not need a dev dependency.', from: { path: '^(src|viz)/' }, to: { dependencyTypes: ['npm-dev'] } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
