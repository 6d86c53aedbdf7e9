#!/usr/bin/env node
/** The `sdt` program: registers the commands, runs one, and turns every failure into one sentence. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { baselineCommand } from './commands/baseline.js';
import { cartCommand } from './commands/cart.js';
import { datasetsCommand } from './commands/datasets.js';
import { distillCommand } from './commands/distill.js';
import { evaluateCommand } from './commands/evaluate.js';
import { explainCommand } from './commands/explain.js';
import { exportCommand } from './commands/export.js';
import { pruneCommand } from './commands/prune.js';
import { reportCommand } from './commands/report.js';
import { reproduceCommand } from './commands/reproduce.js';
import { studyCommand } from './commands/study.js';
import { teacherCommand } from './commands/teacher.js';
import { reportError } from './errors.js';
import { SDT_VERSION } from './runs/manifest.js';

export function createProgram(): Command {
  const program = new Command('sdt')
    .description('Distil neural networks into soft decision trees (Frosst & Hinton, 2017) and see why they decide.')
    .version(SDT_VERSION)
    .showSuggestionAfterError()
    .addHelpText('after', '\nExample:\n  sdt distill            # teacher, baseline tree, distilled tree and CART on MNIST\n  sdt baseline --help')
    .addCommand(datasetsCommand())
    .addCommand(teacherCommand())
    .addCommand(baselineCommand())
    .addCommand(cartCommand())
    .addCommand(distillCommand())
    .addCommand(evaluateCommand())
    .addCommand(explainCommand())
    .addCommand(pruneCommand())
    .addCommand(exportCommand())
    .addCommand(reportCommand())
    .addCommand(studyCommand())
    .addCommand(reproduceCommand());
  // Commander's own messages (unknown option, missing argument) go through the same one-line path.
  const quietErrors = (command: Command) => {
    command.exitOverride().configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'sdt: ')) });
    command.commands.forEach(quietErrors);
  };
  quietErrors(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return reportError(error);
  }
}

/** Run as a program (directly, or through the npm bin link), not imported by a test. */
function isMain(): boolean {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  // `sdt … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
