import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BENCHMARK_IDS, parseArgs } from './args.ts';

describe('parseArgs', () => {
  it('runs everything at full length by default', () => {
    assert.deepEqual(parseArgs([]), {
      quick: false,
      only: [...BENCHMARK_IDS],
      outDir: undefined,
      rate: undefined,
      profile: false,
      source: false,
      buildNoCheck: false,
      help: false,
    });
    assert.equal(parseArgs(['--source']).source, true);
    assert.equal(parseArgs(['--quick', '--build-no-check']).buildNoCheck, true);
  });

  it('reads --quick, --only (in suite order), --rate and --out, with or without "="', () => {
    const options = parseArgs(['--quick', '--only', 'growth,overhead', '--rate=150', '--out', '/tmp/x']);
    assert.equal(options.quick, true);
    assert.deepEqual(options.only, ['overhead', 'growth']);
    assert.equal(options.rate, 150);
    assert.equal(options.outDir, '/tmp/x');
  });

  it('names what is wrong', () => {
    assert.throws(() => parseArgs(['--fast']), /unknown argument "--fast"/);
    assert.throws(() => parseArgs(['--source', '--build-no-check']), /give one of them/);
    assert.throws(() => parseArgs(['--only', 'latency,speed']), /unknown benchmark speed; known: overhead/);
    assert.throws(() => parseArgs(['--rate', '0']), /--rate must be a whole number .* got "0"/);
    assert.throws(() => parseArgs(['--rate', 'fast']), /got "fast"/);
    assert.throws(() => parseArgs(['--out']), /--out needs a value/);
    assert.throws(() => parseArgs(['--only', '--quick']), /--only needs a value/);
  });

  it('recognises --help and --profile', () => {
    assert.equal(parseArgs(['--help']).help, true);
    assert.equal(parseArgs(['--profile']).profile, true);
  });
});
