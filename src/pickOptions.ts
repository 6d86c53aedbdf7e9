/**
 * The options `defaults` names, each taken from `values` where it is there (a parsed command
 * line, a run's recorded configuration), else its default. The values were checked where
 * they came from: commander's option parsers, or the run that recorded them. `key` maps an
 * option to its name in `values` (`teacherEpochs` for the teacher's `epochs` in distill).
 */
export function pickOptions<T extends object>(defaults: T, values: Record<string, unknown>, key = (name: string) => name): T {
  return Object.fromEntries(
    Object.entries(defaults).map(([name, fallback]) => [name, values[key(name)] === undefined ? fallback : values[key(name)]]),
  ) as T;
}
