import { z } from 'zod';
import { TenantDirectory } from './directory.ts';
import { environmentTenants, type TenantEnvironment } from './environment.ts';
import { type LoadOptions, loadTenantsFile } from './file/load.ts';
import { TenantsFileError } from './file/problems.ts';
import { type TenantsWatcher, watchTenantsFile } from './reload/watcher.ts';

/** The environment fragment every service adds to its schema. */
export const tenancyEnv = {
  /** A YAML (or JSON) file describing every tenant. Unset: one tenant, `default`, from the environment. */
  TENANTS_FILE: z.string().min(1).optional(),
};

interface LogLike {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface OpenTenantsOptions extends Omit<LoadOptions, 'env'> {
  /** The process environment: TENANTS_FILE and the `${NAME}` substitutions. */
  env?: NodeJS.ProcessEnv;
  /** The service's parsed configuration: the single-org tenant when there is no file. */
  environment: TenantEnvironment;
  log: LogLike;
  retainRemovedMs: number;
  pollIntervalMs?: number;
  signal?: NodeJS.Signals | null;
}

export interface OpenTenants {
  directory: TenantDirectory;
  /** The tenants file in use, if any. */
  file?: string;
  stop(): void;
  /** Re-reads the file now (as SIGHUP does); a no-op without a file. */
  reload(): void;
}

/**
 * What a service calls at start: the tenants it serves and, with a file, the watcher that keeps them current.
 * An invalid file at start throws TenantsFileError listing every problem (the service refuses to start); an
 * invalid file later is refused, logged problem by problem, and the running tenants stay.
 */
export function openTenants(options: OpenTenantsOptions): OpenTenants {
  const env = options.env ?? process.env;
  const file = env.TENANTS_FILE || undefined;
  if (file === undefined) {
    const directory = new TenantDirectory(environmentTenants(options.environment), options);
    return { directory, stop() {}, reload() {} };
  }
  const load = () => loadTenantsFile(file, { ...options, env });
  const initial = load();
  if (!initial.ok) throw new TenantsFileError(file, initial.problems);
  const directory = new TenantDirectory(initial.config, options);
  options.log.info({ file, tenants: directory.ids() }, `serving ${directory.size} tenant(s) from ${file}`);
  const watcher: TenantsWatcher = watchTenantsFile({
    initial,
    load,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    onValid: (result, trigger) => {
      const changes = directory.replace(result.config);
      options.log.info({ file, trigger, ...changes, tenants: directory.size }, 'tenants file reloaded');
    },
    onInvalid: (problems, trigger) => {
      options.log.error(
        { file, trigger, problems },
        'tenants file refused: the running tenants stay until the file is fixed',
      );
    },
  });
  return { directory, file, stop: () => watcher.stop(), reload: () => void watcher.reload('manual') };
}

/** openTenants for a service's main.ts: an invalid file at start prints every problem and exits 78 (EX_CONFIG). */
export function openTenantsOrExit(options: OpenTenantsOptions, service: string): OpenTenants {
  try {
    return openTenants(options);
  } catch (error) {
    if (error instanceof TenantsFileError) {
      process.stderr.write(`${service}: ${error.message}\nSee the README's "Running for many orgs".\n`);
      process.exit(78);
    }
    throw error;
  }
}
