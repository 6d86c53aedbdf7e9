/** `sdt cart`: the classic axis-aligned decision tree baseline. */
import { Command } from 'commander';
import { CART_DEFAULTS, trainCartRun } from '../distill/trainCart.js';
import { CART_MODEL_NAME } from '../models/cartFile.js';
import { checkOutFolder } from '../runs/files.js';
import { defaultRunFolder, openDataset, startBackend } from './context.js';
import { common, integerOption, trainingRunOptions } from './options.js';

export function cartCommand(): Command {
  return trainingRunOptions(new Command('cart'))
    .description('fit a classic axis-aligned decision tree (CART, Gini impurity) as the second baseline')
    .addOption(integerOption('--max-depth <n>', 'maximum depth (0: grow until pure)', 0, 64, CART_DEFAULTS.maxDepth))
    .addOption(integerOption('--min-samples-leaf <n>', 'fewest training examples in a leaf', 1, 1_000_000, CART_DEFAULTS.minSamplesLeaf))
    .addOption(common.out('the run (manifest.json, metrics.json, cart.json.gz)'))
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt cart --max-depth 8 --out runs/cart-d8\n  sdt cart --max-depth 0   # unlimited depth')
    .action(async (parsed: Record<string, unknown>) => {
      const quiet = Boolean(parsed.quiet);
      const out = checkOutFolder((parsed.out as string | undefined) ?? defaultRunFolder('cart', parsed.dataset as string));
      // CART itself needs no TensorFlow.js; the backend is recorded like every run's.
      const backend = await startBackend({ backend: parsed.backend as string | undefined, quiet });
      const dataset = openDataset({ ...(parsed as { dataset: string }), seed: parsed.seed as number, quiet });
      const options = { maxDepth: parsed.maxDepth as number, minSamplesLeaf: parsed.minSamplesLeaf as number };
      const cart = trainCartRun(dataset, options, out, backend, { dataset: dataset.name, limit: (parsed.limit as number | undefined) ?? null, seed: parsed.seed as number });
      const result = { run: out, model: `${out}/${CART_MODEL_NAME}`, testAccuracy: cart.testAccuracy, leaves: cart.leaves, depth: cart.depth, trainingSeconds: cart.seconds };
      process.stdout.write(parsed.json ? JSON.stringify(result) + '\n'
        : `CART test accuracy ${(cart.testAccuracy * 100).toFixed(2)} % (${cart.leaves} leaves, depth ${cart.depth}, ${cart.seconds.toFixed(1)} s)\nwrote ${out}\n`);
    });
}
