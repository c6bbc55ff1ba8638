import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Every module (URL) a fresh Node process resolves while importing `entry`, ESM and CommonJS alike (through
 * module.registerHooks). How a test proves that an entry point keeps heavy dependencies out, e.g. that
 * hook-ingress loads no provider SDK.
 */
export async function modulesLoadedBy(entry: URL): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
    await import(${JSON.stringify(entry.href)});
    process.stdout.write(JSON.stringify([...seen]));
  `;
  const { stdout } = await run(
    process.execPath,
    ['--conditions=byot-source', '--input-type=module', '--eval', script],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as string[];
}

/** The provider SDKs (not Twilio's standalone webhook validator): what only a worker may load. */
export const PROVIDER_SDK_MODULE = /\/node_modules\/(twilio\/lib\/(index|rest|base)\b|@vonage\/|@sendgrid\/)/;
