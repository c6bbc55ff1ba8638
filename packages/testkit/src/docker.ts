import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface DockerProbe {
  available: boolean;
  /** What was probed (or why nothing was), for error messages. */
  detail: string;
}

/**
 * Asks a Docker engine for GET /_ping, so the Redis fixture only tries testcontainers where it can work
 * (testcontainers itself would spend a long time failing). Probes $DOCKER_HOST if set, else the usual
 * sockets: rootful, rootless ($XDG_RUNTIME_DIR) and Docker Desktop. Each probe gives up after timeoutMs.
 */
export async function probeDocker(
  timeoutMs = 1_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DockerProbe> {
  const endpoints = dockerEndpoints(env);
  if (endpoints.length === 0) {
    return { available: false, detail: 'DOCKER_HOST is not set and no Docker socket exists' };
  }
  const failures: string[] = [];
  for (const endpoint of endpoints) {
    if (endpoint.error) {
      failures.push(`${endpoint.label}: ${endpoint.error}`);
      continue;
    }
    const result = await ping(endpoint.options, endpoint.tls, timeoutMs);
    if (result === 'ok') return { available: true, detail: `Docker engine answered at ${endpoint.label}` };
    failures.push(`${endpoint.label}: ${result}`);
  }
  return { available: false, detail: `no Docker engine answered (${failures.join('; ')})` };
}

interface Endpoint {
  label: string;
  options: RequestOptions;
  tls: boolean;
  error?: string;
}

function dockerEndpoints(env: NodeJS.ProcessEnv): Endpoint[] {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost) return [fromDockerHost(dockerHost, env)];
  const sockets = [
    '/var/run/docker.sock',
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'docker.sock') : undefined,
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
  ];
  return sockets
    .filter((path): path is string => path !== undefined && existsSync(path))
    .map((socketPath) => ({ label: `unix://${socketPath}`, options: { socketPath }, tls: false }));
}

function fromDockerHost(dockerHost: string, env: NodeJS.ProcessEnv): Endpoint {
  const label = `DOCKER_HOST=${dockerHost}`;
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    return { label, options: {}, tls: false, error: 'not a URL' };
  }
  switch (url.protocol) {
    case 'unix:':
      return { label, options: { socketPath: url.pathname }, tls: false };
    case 'npipe:':
      // npipe:////./pipe/docker_engine → \\.\pipe\docker_engine (Node accepts named pipes as socketPath).
      return {
        label,
        options: { socketPath: url.pathname.replace(/^\/+/, '\\\\').replaceAll('/', '\\') },
        tls: false,
      };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const options: RequestOptions = { host: url.hostname, port: Number(url.port) || 2375 };
      const tls = url.protocol === 'https:' || Boolean(env.DOCKER_TLS_VERIFY);
      if (!tls) return { label, options, tls };
      // Same files the docker CLI uses; an engine with --tlsverify refuses clients without them.
      const certDir = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
      try {
        return {
          label,
          options: {
            ...options,
            port: Number(url.port) || 2376,
            ca: readFileSync(join(certDir, 'ca.pem')),
            cert: readFileSync(join(certDir, 'cert.pem')),
            key: readFileSync(join(certDir, 'key.pem')),
          },
          tls,
        };
      } catch (error) {
        return { label, options, tls, error: `cannot read TLS files in ${certDir}: ${String(error)}` };
      }
    }
    default:
      return { label, options: {}, tls: false, error: `unsupported scheme ${url.protocol}` };
  }
}

function ping(options: RequestOptions, tls: boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const request = (tls ? httpsRequest : httpRequest)(
      { ...options, method: 'GET', path: '/_ping' },
      (res) => {
        clearTimeout(timer);
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? 'ok' : `HTTP ${status}`);
      },
    );
    // A hard deadline for connect + headers: a dead TCP endpoint must not stall every test file's start.
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? error.message);
    });
    request.end();
  });
}
