/** `sdt cart`: the classic axis-aligned decision tree baseline. */
import { Command } from 'commander';
import { CART_DEFAULTS, trainCartRun } from '../distill/trainCart.js';
import { CART_MODEL_NAME } from '../models/cartFile.js';
import { checkOutFolder } from '../runs/files.js';
import { withFolderLock } from '../runs/folderLock.js';
import { alreadyFinished, dataConfig, defaultRunFolder, note, openDataset, type RunArgs, startBackend } from './context.js';
import { common, integerOption, trainingRunOptions } from './options.js';

interface CartArgs extends RunArgs {
  maxDepth: number;
  minSamplesLeaf: number;
}

export function cartCommand(): Command {
  return trainingRunOptions(new Command('cart'))
    .description('fit a classic axis-aligned decision tree (CART, Gini impurity) as the second baseline')
    .addOption(integerOption('--max-depth <n>', 'maximum depth (0: grow until pure)', 0, 64, CART_DEFAULTS.maxDepth))
    .addOption(integerOption('--min-samples-leaf <n>', 'fewest training examples in a leaf', 1, 1_000_000, CART_DEFAULTS.minSamplesLeaf))
    .addOption(common.out('the run (manifest.json, metrics.json, cart.json.gz)'))
    .addOption(common.force())
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt cart --max-depth 8 --out runs/cart-d8\n  sdt cart --max-depth 0   # unlimited depth')
    .action(async (parsed: CartArgs) => {
      const quiet = Boolean(parsed.quiet);
      const out = checkOutFolder(parsed.out ?? defaultRunFolder('cart', parsed.dataset));
      await withFolderLock(out, async () => {
        // CART itself needs no TensorFlow.js; the backend is recorded like every run's.
        const backend = await startBackend({ backend: parsed.backend, quiet });
        const dataset = openDataset({ ...parsed, quiet });
        const options = { maxDepth: parsed.maxDepth, minSamplesLeaf: parsed.minSamplesLeaf };
        const baseConfig = { ...dataConfig(dataset, parsed), seed: parsed.seed };
        if (alreadyFinished(out, 'cart', { ...baseConfig, ...options }, dataset.files, parsed)) return;
        const cart = trainCartRun(dataset, options, out, backend, baseConfig);
        const result = { run: out, model: `${out}/${CART_MODEL_NAME}`, testAccuracy: cart.testAccuracy, leaves: cart.leaves, depth: cart.depth, trainingSeconds: cart.seconds };
        process.stdout.write(parsed.json ? JSON.stringify(result) + '\n'
          : `CART test accuracy ${(cart.testAccuracy * 100).toFixed(2)} % (${cart.leaves} leaves, depth ${cart.depth}, ${cart.seconds.toFixed(1)} s)\nwrote ${out}\n`);
      }, { say: note });
    });
}
