/** A command of the command map that is not built yet: says so in one line and fails. */
import { Command } from 'commander';
import { SdtError } from '../errors.js';

export function notBuiltCommand(name: string, description: string, issue: number): Command {
  return new Command(name)
    .description(`${description} [not built yet]`)
    .allowUnknownOption()
    .addHelpText('after', `\nExample:\n  sdt ${name} --help\n\nThis command is not built yet (issue #${issue}).`)
    .action(() => {
      throw new SdtError(`sdt ${name} is not built yet (issue #${issue}).`);
    });
}
