/** Command line of `npm run bench -- …`. Pure: parseArgs takes argv and returns options or throws a usage error. */

export const BENCHMARK_IDS = [
  'overhead',
  'latency',
  'workers',
  'vs-sync',
  'growth',
  'oauth',
  'fraud',
  'voice',
  'processes',
  'redis',
] as const;
export type BenchmarkId = (typeof BENCHMARK_IDS)[number];

export interface BenchOptions {
  quick: boolean;
  /** Which benchmarks to run, in suite order (memory is sampled during all of them). */
  only: BenchmarkId[];
  /** Where results go (default tests/bench/results). */
  outDir: string | undefined;
  /** Hooks per second for the answer-latency benchmark (default 200, or 100 in quick mode). */
  rate: number | undefined;
  /** Run hook-ingress and the workers under --cpu-prof and rank each one's self time. */
  profile: boolean;
  /** Run the services from TypeScript source instead of building them and running dist/ as production does. */
  source: boolean;
  /**
   * Build without type checking (tsc --noCheck: the same JavaScript, emitted only). For a run right after the
   * typecheck passed on the same sources, as CI runs it; never with --source (nothing is built then).
   */
  buildNoCheck: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only ${BENCHMARK_IDS.join(',')}] [--rate N] [--out DIR] [--profile] [--source] [--build-no-check]

  --quick     short phases (about two minutes in all); figures are indicative only
  --only      comma-separated subset of: ${BENCHMARK_IDS.join(', ')} (memory is sampled during every run)
  --rate      hooks/s for the answer-latency benchmark (default 200; quick 100)
  --out       results folder (default tests/bench/results)
  --profile   CPU-profile hook-ingress and the workers (node --cpu-prof); print their top self-time functions
  --source    run the services from TypeScript source (no build; memory figures then include the type stripper)
  --build-no-check
              build with tsc --noCheck (emit only, no type check): only right after the typecheck passed (CI)
  --help      this text
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    quick: false,
    only: [...BENCHMARK_IDS],
    outDir: undefined,
    rate: undefined,
    profile: false,
    source: false,
    buildNoCheck: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${name} needs a value`);
      i++;
      return next;
    };
    switch (name) {
      case '--quick':
        options.quick = true;
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--source':
        options.source = true;
        break;
      case '--build-no-check':
        options.buildNoCheck = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--only':
        options.only = parseOnly(value());
        break;
      case '--out':
        options.outDir = value();
        break;
      case '--rate': {
        const text = value();
        const rate = Number(text);
        if (!Number.isInteger(rate) || rate < 1 || rate > 5_000) {
          throw new UsageError(`--rate must be a whole number of hooks/s between 1 and 5000, got "${text}"`);
        }
        options.rate = rate;
        break;
      }
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  if (options.source && options.buildNoCheck) {
    throw new UsageError('--build-no-check builds; --source runs without a build: give one of them');
  }
  return options;
}

function parseOnly(text: string): BenchmarkId[] {
  const wanted = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (wanted.length === 0) throw new UsageError('--only needs at least one benchmark');
  const unknown = wanted.filter((id) => !(BENCHMARK_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `--only: unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARK_IDS.join(', ')}`,
    );
  }
  // Suite order, whatever order they were named in: later benchmarks assume nothing of earlier ones, but the
  // report reads better in a fixed order.
  return BENCHMARK_IDS.filter((id) => wanted.includes(id));
}
