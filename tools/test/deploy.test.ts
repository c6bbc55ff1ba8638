/**
 * Structure checks of everything deployable: docker-compose*.yml, docker/Dockerfile, deploy/observability and
 * deploy/kubernetes. No Docker engine, cluster or network is needed (none runs in CI): the files are parsed and the
 * properties that matter are checked — pinned images, probes, limits, non-root, autoscaling on the right queue,
 * Prometheus scraping every service, dashboards and KEDA querying only the agreed metric names. When `kubectl` is
 * on the PATH, every kustomize overlay is also rendered with it (skipped otherwise).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { QUEUES } from '@byot/contracts';
import { parse, parseAllDocuments } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const deployDir = join(root, 'deploy');
const kubeDir = join(deployDir, 'kubernetes');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML/JSON is walked structurally and asserted on.
type Any = any;

/**
 * The agreed Prometheus names and their labels (the services' metrics contract; the telemetry package exports
 * them). `histogram` series are queried through their _bucket/_sum/_count children.
 */
const AGREED_METRICS: Record<string, { type: 'counter' | 'gauge' | 'histogram'; labels: string[] }> = {
  byot_hook_answers_total: { type: 'counter', labels: ['answer', 'request_type'] },
  byot_hook_answer_duration_seconds: { type: 'histogram', labels: ['answer', 'request_type'] },
  byot_queue_jobs: { type: 'gauge', labels: ['queue', 'state'] },
  byot_provider_sends_total: { type: 'counter', labels: ['provider', 'channel', 'outcome'] },
  byot_provider_send_duration_seconds: { type: 'histogram', labels: ['provider', 'channel', 'outcome'] },
  byot_failovers_total: { type: 'counter', labels: ['channel', 'from_provider', 'cause'] },
  byot_breaker_state: { type: 'gauge', labels: ['provider', 'channel'] },
  byot_receipts_total: { type: 'counter', labels: ['provider', 'channel', 'status'] },
  byot_delivery_latency_seconds: { type: 'histogram', labels: ['provider', 'channel'] },
  byot_otp_expired_undelivered_total: { type: 'counter', labels: ['channel'] },
};
/** Standard process metrics the dashboard may show when the library exports them. */
const PROCESS_METRICS = new Set(['process_resident_memory_bytes', 'process_cpu_seconds_total']);
/** Labels Prometheus itself attaches to every scraped series. */
const TARGET_LABELS = ['job', 'instance', 'le'];
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'];

/** Where each service serves /metrics (metrics contract: workers on HEALTH_PORT, ingress on ADMIN_PORT). */
const METRICS_PORTS: Record<string, number> = {
  'hook-ingress': 9100,
  'sms-worker': 9101,
  'voice-worker': 9102,
};
const BYOT_SERVICES = Object.keys(METRICS_PORTS);
const WORKERS: Record<string, string> = { 'sms-worker': QUEUES.sms, 'voice-worker': QUEUES.voice };

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => pattern.test(file))
    .map((file) => join(dir, file))
    .sort();
}

function readYaml(file: string): Any {
  // merge: resolve `<<: *anchor` as Compose does. Duplicate keys are errors (the yaml default).
  return parse(readFileSync(file, 'utf8'), { merge: true });
}

function readYamlDocuments(file: string): Any[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    assert.deepEqual(doc.errors, [], `${relative(root, file)}: ${doc.errors.map(String).join('; ')}`);
  }
  return list.map((doc) => doc.toJS()).filter((doc) => doc !== null);
}

/** `name:tag` with a real version: not `latest`, not a bare major such as `7`. */
function assertPinned(image: string, where: string): void {
  const match = /^(?<name>[^:@]+(?::\d+\/[^:@]+)?)(?::(?<tag>[^@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(image);
  const tag = match?.groups?.tag;
  assert.ok(tag, `${where}: image ${image} has no tag`);
  assert.notEqual(tag, 'latest', `${where}: image ${image} uses latest`);
  assert.match(tag, /\d+\.\d+/, `${where}: image ${image} is not pinned to a version (major.minor at least)`);
}

/** Metric names in a PromQL expression (identifiers followed by `{`, `[`, `)` or whitespace, outside strings). */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const names = withoutStrings.match(/\b(?:byot|process)_[a-z0-9_]+\b/g) ?? [];
  return [...new Set(names)];
}

/** Checks one PromQL expression against the agreed names, series types and labels; returns the base names. */
function checkQuery(expr: string, where: string): string[] {
  const bases: string[] = [];
  for (const name of metricsIn(expr)) {
    if (PROCESS_METRICS.has(name)) continue;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const spec = AGREED_METRICS[base];
    assert.ok(spec, `${where}: ${name} is not one of the agreed metric names`);
    if (spec.type === 'histogram') {
      assert.notEqual(base, name, `${where}: histogram ${base} must be queried as _bucket, _sum or _count`);
    } else {
      assert.equal(base, name, `${where}: ${name}: only histograms have _bucket/_sum/_count series`);
    }
    bases.push(base);
    for (const match of expr.matchAll(new RegExp(`${name}\\{([^}]*)\\}`, 'g'))) {
      for (const [, label] of (match[1] ?? '').matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) {
        assert.ok(
          spec.labels.includes(label ?? '') || TARGET_LABELS.includes(label ?? ''),
          `${where}: ${base} has no label ${label}`,
        );
      }
    }
  }
  for (const [, labels] of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
    for (const label of (labels ?? '').split(',').map((l) => l.trim())) {
      const known = Object.values(AGREED_METRICS).some((spec) => spec.labels.includes(label));
      assert.ok(known || TARGET_LABELS.includes(label), `${where}: groups by unknown label ${label}`);
    }
  }
  return bases;
}

describe('every deploy file parses', () => {
  const yamlFiles = [...filesUnder(root, /^docker-compose[^/]*\.yml$/), ...filesUnder(deployDir, /\.ya?ml$/)];
  const jsonFiles = filesUnder(deployDir, /\.json$/);

  it('finds the files', () => {
    assert.ok(yamlFiles.length >= 15, `only ${yamlFiles.length} YAML files found`);
    assert.ok(jsonFiles.length >= 1, 'no dashboard JSON found');
  });
  for (const file of yamlFiles) {
    it(relative(root, file), () => {
      assert.ok(readYamlDocuments(file).length > 0, 'empty');
    });
  }
  for (const file of jsonFiles) {
    it(relative(root, file), () => {
      JSON.parse(readFileSync(file, 'utf8'));
    });
  }
});

describe('docker compose', () => {
  const base = readYaml(join(root, 'docker-compose.yml'));
  const sandbox = readYaml(join(root, 'docker-compose.sandbox.yml'));
  const observability = readYaml(join(root, 'docker-compose.observability.yml'));
  const services: Record<string, Any> = base.services;

  it('pins every image and builds every byot service from docker/Dockerfile', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image !== undefined) assertPinned(service.image, `compose ${name}`);
      else
        assert.equal(
          service.build?.dockerfile,
          'docker/Dockerfile',
          `compose ${name}: neither image nor build`,
        );
    }
    for (const name of [...BYOT_SERVICES, 'provider-sim']) {
      assert.equal(services[name]?.build?.args?.SERVICE, name, `compose ${name}: SERVICE build arg`);
    }
  });

  it('runs Redis with AOF and noeviction, persisted in a volume', () => {
    const command: string[] = services.redis.command;
    const flag = (name: string) => command[command.indexOf(name) + 1];
    assert.equal(flag('--appendonly'), 'yes');
    assert.equal(flag('--maxmemory-policy'), 'noeviction');
    assert.ok(services.redis.volumes.some((v: string) => v.endsWith(':/data')));
  });

  it('runs several sms-worker replicas and the byot services in every profile', () => {
    assert.ok(services['sms-worker'].deploy.replicas >= 2);
    for (const name of BYOT_SERVICES) assert.equal(services[name].profiles, undefined, name);
    assert.deepEqual(services['provider-sim'].profiles, ['sandbox']);
    for (const name of ['otel-collector', 'jaeger', 'prometheus', 'grafana']) {
      assert.deepEqual(services[name]?.profiles, ['observability'], name);
    }
  });

  it('serves metrics where Prometheus scrapes them', () => {
    assert.equal(Number(services['hook-ingress'].environment.ADMIN_PORT), METRICS_PORTS['hook-ingress']);
    for (const worker of Object.keys(WORKERS)) {
      assert.equal(Number(services[worker].environment.HEALTH_PORT), METRICS_PORTS[worker], worker);
    }
  });

  it('publishes the admin port, the simulator and every UI on loopback only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of (service.ports ?? []) as string[]) {
        if (name === 'hook-ingress' && port.endsWith(':8080')) continue; // the hook itself, behind TLS
        assert.match(port, /^127\.0\.0\.1:/, `compose ${name}: ${port} is not bound to loopback`);
      }
    }
  });

  it('mounts only files that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of (service.volumes ?? []) as string[]) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) assert.ok(existsSync(join(root, source)), `compose ${name}: ${source}`);
      }
    }
  });

  it('exports traces only with the observability override, to the collector of that profile', () => {
    for (const [name, service] of Object.entries(services)) {
      assert.equal(service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, undefined, `base compose ${name}`);
    }
    const collector = readYaml(join(deployDir, 'observability/otel-collector.yaml'));
    const httpPort = collector.receivers.otlp.protocols.http.endpoint.split(':').at(-1);
    for (const name of BYOT_SERVICES) {
      const override = observability.services[name];
      assert.equal(
        override.environment.OTEL_EXPORTER_OTLP_ENDPOINT,
        `http://otel-collector:${httpPort}`,
        name,
      );
      assert.equal(override.environment.OTEL_SERVICE_NAME, name);
      assert.ok(override.depends_on['otel-collector'], `${name} must depend on otel-collector`);
    }
    for (const name of Object.keys(observability.services)) assert.ok(services[name], `override of ${name}`);
    const exporter = collector.exporters['otlp/jaeger'].endpoint as string;
    assert.ok(
      services[exporter.split(':')[0] ?? ''],
      `collector exports to ${exporter}, not a compose service`,
    );
    assert.deepEqual(collector.service.pipelines.traces.exporters, ['otlp/jaeger']);
  });

  it('sandbox override points every worker at the simulator and lets it call hook-ingress back', () => {
    for (const worker of Object.keys(WORKERS)) {
      assert.equal(sandbox.services[worker].environment.TWILIO_API_BASE_URL, 'http://provider-sim:4010');
    }
    assert.equal(sandbox.services['provider-sim'].environment.SIM_CALLBACK_HOSTS, 'hook-ingress');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  it('builds on the Node release the repo pins, slim', () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';
    assert.equal(image, `node:${rootPackage.devDependencies.node}-slim`);
  });

  it('prunes with turbo, installs production dependencies only, runs dist/ as a numeric non-root user', () => {
    assert.match(dockerfile, /turbo prune "@byot\/\$SERVICE" --docker/);
    assert.match(dockerfile, /npm ci --omit=dev --ignore-scripts/);
    assert.match(dockerfile, /turbo run build --filter="@byot\/\$SERVICE\.\.\."/);
    assert.match(dockerfile, /^USER [1-9][0-9]*:[1-9][0-9]*$/m);
    assert.match(dockerfile, /^HEALTHCHECK /m);
    assert.match(dockerfile, /^CMD \["node", "dist\/main\.js"\]$/m);
  });
});

describe('observability configs', () => {
  const prometheus = readYaml(join(deployDir, 'observability/prometheus.yml'));
  const datasources = readYaml(
    join(deployDir, 'observability/grafana/provisioning/datasources/datasources.yaml'),
  );
  const dashboardFiles = filesUnder(join(deployDir, 'observability/grafana/dashboards'), /\.json$/);

  it('Prometheus scrapes every replica of every service on its metrics port', () => {
    for (const service of BYOT_SERVICES) {
      const job = prometheus.scrape_configs.find((c: Any) => c.job_name === service);
      assert.ok(job, `no scrape job for ${service}`);
      assert.equal(job.metrics_path ?? '/metrics', '/metrics');
      const sd = job.dns_sd_configs?.[0];
      assert.ok(sd, `${service}: use dns_sd_configs so every replica is a target`);
      assert.deepEqual(sd.names, [service]);
      assert.equal(sd.port, METRICS_PORTS[service]);
    }
  });

  it('Grafana gets a Prometheus and a Jaeger datasource with fixed uids', () => {
    const types = datasources.datasources.map((d: Any) => d.type).sort();
    assert.deepEqual(types, ['jaeger', 'prometheus']);
    for (const d of datasources.datasources) assert.ok(d.uid, `${d.name} needs a fixed uid`);
  });

  it('the dashboards query only agreed metrics, and show every one of them', () => {
    const uids = new Set(datasources.datasources.map((d: Any) => d.uid));
    const shown = new Set<string>();
    for (const file of dashboardFiles) {
      const dashboard = JSON.parse(readFileSync(file, 'utf8'));
      for (const panel of dashboard.panels) {
        for (const target of panel.targets ?? []) {
          const where = `${relative(root, file)} "${panel.title}"`;
          assert.ok(uids.has(target.datasource?.uid), `${where}: unknown datasource`);
          for (const base of checkQuery(target.expr, where)) shown.add(base);
        }
      }
    }
    assert.deepEqual([...shown].sort(), Object.keys(AGREED_METRICS).sort());
  });
});

interface Kustomization {
  dir: string;
  resources: Any[];
  kustomization: Any;
}

/** A kustomization and, recursively, every resource and component it lists (files checked to exist). */
function loadKustomization(dir: string): Kustomization {
  const kustomization = readYaml(join(dir, 'kustomization.yaml'));
  const resources: Any[] = [];
  const entries = [...(kustomization.resources ?? []), ...(kustomization.components ?? [])] as string[];
  for (const entry of entries) {
    const path = join(dir, entry);
    assert.ok(existsSync(path), `${relative(root, dir)}: ${entry} does not exist`);
    if (existsSync(join(path, 'kustomization.yaml'))) resources.push(...loadKustomization(path).resources);
    else resources.push(...readYamlDocuments(path));
  }
  for (const patch of (kustomization.patches ?? []) as Any[]) {
    if (patch.path)
      assert.ok(existsSync(join(dir, patch.path)), `${relative(root, dir)}: patch ${patch.path}`);
  }
  return { dir, resources, kustomization };
}

function kustomizeImages(dir: string): Any[] {
  const own = readYaml(join(dir, 'kustomization.yaml'));
  const inherited = ((own.resources ?? []) as string[])
    .filter((entry) => existsSync(join(dir, entry, 'kustomization.yaml')))
    .flatMap((entry) => kustomizeImages(join(dir, entry)));
  return [...inherited, ...(own.images ?? [])];
}

describe('kubernetes', () => {
  const overlays = readdirSync(join(kubeDir, 'overlays')).map((name) => join(kubeDir, 'overlays', name));

  it('has a production and a sandbox overlay; the simulator only in the sandbox', () => {
    const names = overlays.map((dir) => relative(join(kubeDir, 'overlays'), dir)).sort();
    assert.deepEqual(names, ['production', 'sandbox']);
    const base = loadKustomization(join(kubeDir, 'base'));
    assert.ok(!base.resources.some((r) => r.metadata?.name === 'provider-sim'));
    const sandbox = loadKustomization(join(kubeDir, 'overlays/sandbox'));
    assert.ok(sandbox.resources.some((r) => r.kind === 'Deployment' && r.metadata.name === 'provider-sim'));
  });

  for (const overlay of overlays) {
    describe(relative(kubeDir, overlay), () => {
      const { resources } = loadKustomization(overlay);
      const deployments = resources.filter((r) => r.kind === 'Deployment');
      const images = kustomizeImages(overlay);

      it('deploys every byot service', () => {
        for (const name of BYOT_SERVICES)
          assert.ok(
            deployments.some((d) => d.metadata.name === name),
            name,
          );
      });

      for (const deployment of deployments) {
        const name: string = deployment.metadata.name;
        it(`${name}: probes, resources, non-root, read-only root, pinned image`, () => {
          const pod = deployment.spec.template.spec;
          assert.deepEqual(deployment.spec.selector.matchLabels, {
            'app.kubernetes.io/name': deployment.spec.template.metadata.labels['app.kubernetes.io/name'],
          });
          assert.equal(pod.securityContext.runAsNonRoot, true);
          assert.ok(pod.securityContext.runAsUser > 0, 'runAsUser must be a non-zero uid');
          assert.equal(pod.automountServiceAccountToken, false);
          for (const container of pod.containers) {
            const where = `${name}/${container.name}`;
            assert.ok(container.livenessProbe, `${where}: livenessProbe`);
            assert.ok(container.readinessProbe, `${where}: readinessProbe`);
            for (const kind of ['requests', 'limits']) {
              assert.ok(container.resources?.[kind]?.cpu, `${where}: ${kind}.cpu`);
              assert.ok(container.resources?.[kind]?.memory, `${where}: ${kind}.memory`);
            }
            assert.equal(container.securityContext.readOnlyRootFilesystem, true, where);
            assert.equal(container.securityContext.allowPrivilegeEscalation, false, where);
            assert.deepEqual(container.securityContext.capabilities.drop, ['ALL'], where);
            const override = images.filter((i) => i.name === container.image).at(-1);
            assertPinned(override?.newTag ? `${container.image}:${override.newTag}` : container.image, where);
            const portNames = new Set((container.ports ?? []).map((p: Any) => p.name));
            for (const probe of [container.livenessProbe, container.readinessProbe]) {
              if (probe.httpGet) assert.ok(portNames.has(probe.httpGet.port), `${where}: probe port`);
            }
            if (BYOT_SERVICES.includes(name)) {
              const port = container.ports.find((p: Any) => p.containerPort === METRICS_PORTS[name]);
              assert.ok(port, `${where}: no container port for /metrics (${METRICS_PORTS[name]})`);
              assert.equal(container.livenessProbe.httpGet.path, '/healthz');
              assert.equal(container.readinessProbe.httpGet.path, '/readyz');
              const annotations = deployment.spec.template.metadata.annotations;
              assert.equal(Number(annotations['prometheus.io/port']), METRICS_PORTS[name]);
              const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value]));
              const portVariable = name === 'hook-ingress' ? 'ADMIN_PORT' : 'HEALTH_PORT';
              assert.equal(Number(env[portVariable]), METRICS_PORTS[name], `${where}: ${portVariable}`);
            }
          }
        });
      }

      it('a PodDisruptionBudget for every byot service', () => {
        const pdbs = resources.filter((r) => r.kind === 'PodDisruptionBudget');
        for (const name of BYOT_SERVICES) {
          assert.ok(
            pdbs.some((p) => p.spec.selector.matchLabels['app.kubernetes.io/name'] === name),
            `no PDB for ${name}`,
          );
        }
      });

      it('no Secret with values is committed', () => {
        assert.ok(!resources.some((r) => r.kind === 'Secret' && (r.data || r.stringData)));
      });
    });
  }

  describe('autoscaling (production)', () => {
    const { resources } = loadKustomization(join(kubeDir, 'overlays/production'));
    const scaledObjects = resources.filter((r) => r.kind === 'ScaledObject');

    for (const [worker, queue] of Object.entries(WORKERS)) {
      it(`${worker} scales on the backlog of ${queue}`, () => {
        const scaled = scaledObjects.filter((s) => s.spec.scaleTargetRef.name === worker);
        assert.equal(scaled.length, 1, `one ScaledObject for ${worker}`);
        const spec = scaled[0].spec;
        assert.ok(spec.minReplicaCount >= 1, 'never scale a worker to zero: a cold start misses Okta');
        assert.ok(spec.maxReplicaCount > spec.minReplicaCount);
        const trigger = spec.triggers[0];
        assert.equal(trigger.type, 'prometheus');
        const query: string = trigger.metadata.query;
        assert.deepEqual(checkQuery(query, `ScaledObject ${worker}`), ['byot_queue_jobs']);
        assert.match(query, new RegExp(`queue="${queue}"`));
        const states = /state=~"([^"]+)"/.exec(query)?.[1]?.split('|') ?? [];
        assert.ok(states.length > 0 && states.every((s) => QUEUE_STATES.includes(s)), `states ${states}`);
        assert.ok(Number(trigger.metadata.threshold) > 0);
      });
    }
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  for (const overlay of overlays) {
    it(`kubectl kustomize ${relative(root, overlay)} renders`, {
      skip: kubectl.status !== 0 && 'kubectl is not installed',
    }, () => {
      const run = spawnSync('kubectl', ['kustomize', overlay], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const kinds = parseAllDocuments(run.stdout)
        .map((doc) => doc.toJS()?.kind)
        .filter(Boolean);
      assert.ok(kinds.includes('Deployment') && kinds.includes('ConfigMap'));
    });
  }
});
