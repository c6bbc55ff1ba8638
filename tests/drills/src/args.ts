import { parseArgs } from 'node:util';

export interface DrillArgs {
  help: boolean;
  quick: boolean;
  /** Scenario names in the order given; empty: all of them. */
  scenarios: string[];
  /** Where the JSON and Markdown reports go. */
  outDir: string;
  /** Hooks per second; undefined: the mode's default. */
  rate?: number;
}

export const USAGE = `Chaos drills: the real system as processes, a steady stream of Okta hooks, faults injected.

Usage: npm run drill -- [--quick] [--scenario <name>[,<name>…]]… [--rate <hooks/s>] [--out <dir>]

  --quick              small load and short phases (CI): all drills in about 6–7 minutes on 2 cores
  --scenario <names>   run only these drills (repeatable, or a comma list); default: all
  --rate <n>           hooks per second (default 15, quick 5)
  --out <dir>          where the JSON and Markdown reports go (default tests/drills/results)
  --help               this text

Exit status: 0 when every drill met its thresholds, 1 when one did not, 2 on bad arguments.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseDrillArgs(
  argv: readonly string[],
  known: readonly string[],
  defaultOutDir: string,
): DrillArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const scenarios: string[] = [];
  for (const item of values.scenario ?? []) {
    for (const name of item.split(',').map((s) => s.trim())) {
      if (name === '') continue;
      if (!known.includes(name)) {
        throw new UsageError(`unknown scenario "${name}"; known: ${known.join(', ')}`);
      }
      if (!scenarios.includes(name)) scenarios.push(name);
    }
  }
  if (values.scenario !== undefined && scenarios.length === 0) {
    throw new UsageError('--scenario needs at least one name');
  }
  let rate: number | undefined;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (!Number.isFinite(rate) || rate <= 0 || rate > 100) {
      throw new UsageError(
        `--rate must be a number of hooks per second between 0 and 100, not "${values.rate}"`,
      );
    }
  }
  return {
    help: values.help ?? false,
    quick: values.quick ?? false,
    scenarios,
    outDir: values.out ?? defaultOutDir,
    ...(rate === undefined ? {} : { rate }),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      scenario: { type: 'string', multiple: true },
      rate: { type: 'string' },
      out: { type: 'string' },
    },
  });
}
