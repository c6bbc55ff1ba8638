// biome-ignore-all lint/suspicious/noExplicitAny: parsed YAML is walked as it comes
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default} syntax
/**
 * okta-sim in the sandbox deployments (docker-compose.sandbox.yml, the Kubernetes sandbox overlay), checked
 * without a Docker engine: the files' structure, and their environment read by okta-sim's own configuration
 * loader, so a typo in a variable or a JSON value fails here rather than at the first `up`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@byot/okta-sim/config';
import { parse, parseAllDocuments } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const overlay = join(root, 'deploy/kubernetes/overlays/sandbox');

/** Compose's `${NAME:-default}` with nothing set: what a plain `docker compose … up` would pass. */
function composeDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1').replace(/\$\{[A-Z0-9_]+\}/g, '');
}

describe('okta-sim in docker-compose.sandbox.yml', () => {
  const sandbox = parse(readFileSync(join(root, 'docker-compose.sandbox.yml'), 'utf8'));
  const base = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
  const service: any = sandbox.services['okta-sim'];

  it('is a sandbox-profile service built from docker/Dockerfile with SERVICE=okta-sim', () => {
    assert.ok(service, 'docker-compose.sandbox.yml has an okta-sim service');
    assert.equal(base.services['okta-sim'], undefined, 'not in the production compose file');
    assert.deepEqual(service.profiles, ['sandbox']);
    assert.equal(service.build.dockerfile, 'docker/Dockerfile');
    assert.equal(service.build.args.SERVICE, 'okta-sim');
    assert.equal(service.env_file, undefined, "needs none of byot's secrets");
    const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
    assert.match(dockerfile, /'okta-sim':4020/, "the image's health check knows okta-sim's port");
  });

  it("publishes each org on loopback only, on the ports okta-sim's configuration listens on", () => {
    const env = Object.fromEntries(
      Object.entries(service.environment as Record<string, string>).map(([k, v]) => [
        k,
        composeDefaults(String(v)),
      ]),
    );
    const config = loadConfig(env);
    const ports = (service.ports as string[]).map(composeDefaults);
    for (const port of ports) assert.match(port, /^127\.0\.0\.1:/, port);
    const published = ports.map((p) => Number(p.split(':').at(-1)));
    assert.deepEqual(published.sort(), [config.port, ...config.orgs.map((o) => o.port)].sort());
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.publicUrl, 'http://127.0.0.1:4020');
    assert.deepEqual(
      config.orgs.map((o) => [o.name, o.publicUrl]),
      [['acme', 'http://127.0.0.1:4021']],
    );
    assert.deepEqual(config.httpHookHosts, ['hook-ingress'], 'calls hook-ingress on the compose network');
    assert.ok(sandbox.services['hook-ingress'], 'hook-ingress is the compose service of that name');
  });
});

describe('okta-sim in the Kubernetes sandbox overlay', () => {
  const kustomization = parse(readFileSync(join(overlay, 'kustomization.yaml'), 'utf8'));
  const docs = parseAllDocuments(readFileSync(join(overlay, 'okta-sim.yaml'), 'utf8')).map((d) => d.toJS());
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const svc = docs.find((d) => d.kind === 'Service');

  it('is a resource of the sandbox overlay only, with a pinned image', () => {
    assert.ok(kustomization.resources.includes('okta-sim.yaml'));
    assert.ok(
      kustomization.images.some((i: any) => i.name === 'byot/okta-sim' && /^\d+\.\d+\.\d+$/.test(i.newTag)),
    );
    const production = readFileSync(
      join(root, 'deploy/kubernetes/overlays/production/kustomization.yaml'),
      'utf8',
    );
    assert.doesNotMatch(production, /okta-sim/);
  });

  it("serves every org of its configuration through the Service, probes on the main org's port", () => {
    const container = deployment.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    const config = loadConfig(env);
    const containerPorts = container.ports.map((p: any) => p.containerPort).sort();
    assert.deepEqual(containerPorts, [config.port, ...config.orgs.map((o) => o.port)].sort());
    assert.deepEqual(
      svc.spec.ports.map((p: any) => p.port).sort(),
      containerPorts,
      'the Service exposes each org',
    );
    const http = container.ports.find((p: any) => p.name === container.readinessProbe.httpGet.port);
    assert.equal(http.containerPort, config.port);
    assert.equal(deployment.spec.replicas, 1, 'orgs live in memory: one replica');
    assert.deepEqual(config.httpHookHosts, ['hook-ingress']);
    assert.equal(svc.spec.selector['app.kubernetes.io/name'], 'okta-sim');
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  it('kubectl kustomize renders okta-sim in the sandbox', {
    skip: kubectl.status !== 0 && 'no kubectl',
  }, () => {
    const run = spawnSync('kubectl', ['kustomize', overlay], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const rendered = parseAllDocuments(run.stdout).map((d) => d.toJS());
    const okta = rendered.find((r) => r?.kind === 'Deployment' && r.metadata.name === 'okta-sim');
    assert.equal(okta?.metadata.namespace, 'byot-sandbox');
    assert.equal(okta?.spec.template.spec.containers[0].image, 'byot/okta-sim:0.1.0');
  });
});
