/**
 * The Kubernetes component for many orgs (deploy/kubernetes/components/tenants): the tenants file reaches every
 * byot service as a mounted folder that the kubelet can update in place, and the example file is valid.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { loadTenantsFile } from '@byot/tenancy';
import { repoRoot } from '@byot/testkit';
import { parse, parseAllDocuments } from 'yaml';

const component = join(repoRoot(), 'deploy/kubernetes/components/tenants');
// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are walked structurally and asserted on.
type Any = any;

describe('kubernetes: the tenants component', () => {
  it('the example tenants file is valid once its secrets are in the environment', () => {
    const text = readFileSync(join(component, 'tenants.yaml'), 'utf8');
    const names = [...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1] as string);
    const env = Object.fromEntries(names.map((name, i) => [name, `example-secret-${i}-0123456789abcdef`]));
    const result = loadTenantsFile(join(component, 'tenants.yaml'), { env });
    assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
    assert.deepEqual([...result.config.tenants.keys()], ['acme', 'globex']);
  });

  it('keeps a fixed ConfigMap name, so an edit is reloaded in place rather than rolled out', () => {
    const kustomization = parse(readFileSync(join(component, 'kustomization.yaml'), 'utf8'));
    assert.equal(kustomization.kind, 'Component');
    const generator = kustomization.configMapGenerator.find((g: Any) => g.name === 'byot-tenants');
    assert.equal(generator.options.disableNameSuffixHash, true);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  it('mounts the file as a folder (never subPath) and sets TENANTS_FILE in every byot service', {
    skip: kubectl.status !== 0 && 'kubectl is not installed',
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'byot-kustomize-'));
    const overlay = relative(dir, join(repoRoot(), 'deploy/kubernetes/overlays/production'));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${overlay}\ncomponents:\n  - ${relative(dir, component)}\n`,
    );
    const run = spawnSync('kubectl', ['kustomize', dir, '--load-restrictor', 'LoadRestrictionsNone'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS() as Any);
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), [
      'hook-ingress',
      'sms-worker',
      'voice-worker',
    ]);
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      const where = deployment.metadata.name;
      assert.ok(
        pod.volumes.some((v: Any) => v.name === 'tenants' && v.configMap.name === 'byot-tenants'),
        where,
      );
      const mount = container.volumeMounts.find((m: Any) => m.name === 'tenants');
      assert.equal(mount.mountPath, '/etc/byot/tenants', where);
      assert.equal(mount.subPath, undefined, `${where}: a subPath mount is never updated`);
      assert.equal(mount.readOnly, true, where);
      assert.ok(
        container.env.some(
          (e: Any) => e.name === 'TENANTS_FILE' && e.value === '/etc/byot/tenants/tenants.yaml',
        ),
      );
      assert.ok(
        container.envFrom.some((e: Any) => e.secretRef?.name === 'byot-tenant-secrets'),
        where,
      );
    }
    const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'byot-tenants');
    assert.ok(configMap?.data['tenants.yaml'], 'the file, under its own name');
  });
});
