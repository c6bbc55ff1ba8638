/**
 * Every way of starting a byot service runs it with the bounded V8 heap of SERVICE_NODE_FLAGS (ADR 0011): the
 * launcher (npm start, the tests, the benchmarks), each workspace's own `npm start` / `npm run start:dist`, the
 * production image (NODE_OPTIONS), and Compose / Kubernetes, which run the image and must not replace its
 * NODE_OPTIONS or its command. A service started without them peaked at 252 MB under load (issue 17); with them
 * RSS stays near the live set, under 200 MB.
 *
 * Flags found are also handed to a real node, which proves they are spelled so that node accepts them and
 * that they bound the heap (V8's heap_size_limit), not just that a string is present.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compiledServiceArgs, nodeServiceArgs, SERVICE_NODE_FLAGS } from '@byot/testkit';
import { parse, parseAllDocuments } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The services byot ships (the simulators are test tools and keep their own, larger working sets). */
const SERVICES = ['hook-ingress', 'sms-worker', 'voice-worker'];
/** A 160 MB old space + 3 × 4 MB semi-spaces gives V8 a limit near 176 MB; unbounded it is several GB. */
const MAX_HEAP_LIMIT_BYTES = 200 * 1024 * 1024;

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked structurally and asserted on.
type Any = any;

/** V8's heap limit in a node started with these arguments (before the script) and this NODE_OPTIONS. */
function heapLimitWith(nodeArgs: string[], nodeOptions = ''): number {
  const out = execFileSync(
    process.execPath,
    [...nodeArgs, '-p', "require('node:v8').getHeapStatistics().heap_size_limit"],
    { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: 'utf8' },
  );
  return Number(out.trim());
}

function assertBounded(words: string[], where: string): void {
  for (const flag of SERVICE_NODE_FLAGS) assert.ok(words.includes(flag), `${where}: lacks ${flag}`);
}

/** The node options of a `node … entry` script: the words between `node` and the entry file. */
function nodeOptionsOfScript(script: string, where: string): string[] {
  const words = script.trim().split(/\s+/);
  assert.equal(words[0], 'node', `${where}: does not start node directly ("${script}")`);
  return words.slice(1).filter((word) => word.startsWith('--'));
}

describe('every start path carries the bounded-heap flags', () => {
  it('the launcher (source and compiled)', () => {
    const fromSource = nodeServiceArgs('main.ts');
    const compiled = compiledServiceArgs('services/sms-worker');
    assertBounded(fromSource, 'nodeServiceArgs');
    assertBounded(compiled, 'compiledServiceArgs');
    assert.ok(
      heapLimitWith([...SERVICE_NODE_FLAGS]) <= MAX_HEAP_LIMIT_BYTES,
      'SERVICE_NODE_FLAGS do not bound',
    );
    // Sanity of the measurement itself: without the flags V8 sizes the heap from the machine.
    assert.ok(
      heapLimitWith([]) > MAX_HEAP_LIMIT_BYTES,
      'an unbounded node reports a small limit: check is void',
    );
  });

  for (const service of SERVICES) {
    for (const script of ['start', 'start:dist']) {
      it(`${service}: npm run ${script}`, () => {
        const pkg = JSON.parse(readFileSync(join(root, 'services', service, 'package.json'), 'utf8'));
        const command = pkg.scripts?.[script];
        assert.equal(typeof command, 'string', `${service} has no ${script} script`);
        const options = nodeOptionsOfScript(command, `${service} ${script}`);
        assertBounded(options, `${service} ${script}`);
        assert.ok(heapLimitWith(options) <= MAX_HEAP_LIMIT_BYTES, `${service} ${script}: heap not bounded`);
      });
    }
  }

  it('the production image (docker/Dockerfile NODE_OPTIONS, CMD runs node directly)', () => {
    const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('AS runtime'));
    const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(runtime)?.[1];
    assert.ok(nodeOptions !== undefined, 'the runtime stage sets no NODE_OPTIONS');
    assertBounded(nodeOptions.split(/\s+/), 'Dockerfile NODE_OPTIONS');
    assert.ok(heapLimitWith([], nodeOptions) <= MAX_HEAP_LIMIT_BYTES, 'Dockerfile NODE_OPTIONS do not bound');
    assert.match(
      runtime,
      /^CMD \["node", "dist\/main\.js"\]$/m,
      'the image CMD changed: check it keeps the flags',
    );
  });

  it('Compose and Kubernetes run the image without dropping them', () => {
    const files = [
      ...readdirSync(root).filter((f) => /^docker-compose[^/]*\.yml$/.test(f)),
      ...readdirSync(join(root, 'deploy'), { recursive: true, encoding: 'utf8' })
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join('deploy', f)),
    ];
    assert.ok(files.length >= 10, `only ${files.length} deploy files found`);
    let containers = 0;
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      const docs: Any[] = file.startsWith('docker-compose')
        ? [parse(text, { merge: true })]
        : parseAllDocuments(text, { merge: true }).map((doc: Any) => doc.toJS());
      for (const doc of docs) {
        for (const [name, spec] of byotContainers(doc)) {
          containers++;
          const where = `${relative(root, join(root, file))}: ${name}`;
          // A command/entrypoint override would bypass the image's CMD; Kubernetes `args` likewise.
          for (const key of ['command', 'entrypoint', 'args']) {
            assert.equal(spec[key], undefined, `${where}: overrides ${key}; keep the image's (bounded) CMD`);
          }
          const override = nodeOptionsIn(spec);
          if (override !== undefined) assertBounded(override.split(/\s+/), `${where}: NODE_OPTIONS`);
        }
      }
    }
    assert.ok(containers >= 6, `only ${containers} byot containers found in compose and kubernetes`);
  });
});

/** [name, spec] of the byot service containers in a compose file or Kubernetes manifest. */
function byotContainers(doc: Any): [string, Any][] {
  if (doc === null || typeof doc !== 'object') return [];
  const found: [string, Any][] = [];
  if (doc.services && typeof doc.services === 'object') {
    for (const [name, spec] of Object.entries<Any>(doc.services)) {
      if (SERVICES.includes(name)) found.push([name, spec]);
    }
  }
  for (const container of doc.spec?.template?.spec?.containers ?? []) {
    if (SERVICES.includes(container.name)) found.push([container.name, container]);
  }
  return found;
}

/** NODE_OPTIONS set by a compose `environment` (map or list) or a Kubernetes `env` list, if any. */
function nodeOptionsIn(spec: Any): string | undefined {
  const env = spec.environment ?? spec.env;
  if (Array.isArray(env)) {
    for (const entry of env) {
      if (typeof entry === 'string' && entry.startsWith('NODE_OPTIONS='))
        return entry.slice('NODE_OPTIONS='.length);
      if (entry?.name === 'NODE_OPTIONS') return String(entry.value ?? '');
    }
    return undefined;
  }
  return env?.NODE_OPTIONS === undefined ? undefined : String(env.NODE_OPTIONS);
}
