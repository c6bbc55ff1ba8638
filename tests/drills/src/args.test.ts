import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDrillArgs, UsageError } from './args.ts';

const KNOWN = ['provider-down', 'redis-restart', 'slow-provider'];
const parse = (...argv: string[]) => parseDrillArgs(argv, KNOWN, '/out');

describe('parseDrillArgs', () => {
  it('defaults: full mode, every scenario, the results folder', () => {
    assert.deepEqual(parse(), { help: false, quick: false, scenarios: [], outDir: '/out' });
  });

  it('takes --scenario repeated and as a comma list, in order, without repeats', () => {
    assert.deepEqual(
      parse(
        '--scenario',
        'redis-restart,provider-down',
        '--scenario=slow-provider',
        '--scenario',
        'provider-down',
      ).scenarios,
      ['redis-restart', 'provider-down', 'slow-provider'],
    );
  });

  it('takes --quick, --rate, --out and --help', () => {
    const args = parse('--quick', '--rate', '7.5', '--out', '/tmp/x', '-h');
    assert.equal(args.quick, true);
    assert.equal(args.rate, 7.5);
    assert.equal(args.outDir, '/tmp/x');
    assert.equal(args.help, true);
  });

  it('names an unknown scenario and lists the known ones', () => {
    assert.throws(() => parse('--scenario', 'redis-down'), {
      name: 'UsageError',
      message: 'unknown scenario "redis-down"; known: provider-down, redis-restart, slow-provider',
    });
  });

  it('refuses bad rates, empty scenario lists, unknown options and positionals', () => {
    assert.throws(() => parse('--rate', 'fast'), /--rate must be a number/);
    assert.throws(() => parse('--rate', '0'), /--rate must be a number/);
    assert.throws(() => parse('--rate', '1000'), /--rate must be a number/);
    assert.throws(() => parse('--scenario', ','), /at least one name/);
    assert.throws(() => parse('--fast'), UsageError);
    assert.throws(() => parse('provider-down'), UsageError);
  });
});
