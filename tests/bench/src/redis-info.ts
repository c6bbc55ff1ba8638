import { connect } from 'node:net';

/** The `key:value` lines of an INFO answer as a map (section headers and blank lines skipped). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/**
 * `INFO <section>` over a plain socket (RESP inline command, bulk-string answer): the benchmark needs one number
 * now and then, not a client library with its own connection management.
 */
export function redisInfo(url: string, section = 'memory', timeoutMs = 2_000): Promise<Map<string, string>> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    let data = '';
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new Error(`redis INFO ${section}: no answer within ${timeoutMs} ms`)),
    );
    socket.on('error', fail);
    socket.on('connect', () => socket.write(`INFO ${section}\r\n`));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.startsWith('-')) return fail(new Error(`redis INFO ${section}: ${data.trim()}`));
      const header = /^\$(\d+)\r\n/.exec(data);
      if (!header) return;
      const start = header[0].length;
      // Bulk length counts bytes; INFO is ASCII, so characters are bytes.
      if (data.length < start + Number(header[1])) return;
      socket.end();
      resolve(parseInfo(data.slice(start, start + Number(header[1]))));
    });
  });
}

/** used_memory (bytes): what Redis has allocated for data and overhead, the figure that grows with the backlog. */
export async function redisUsedMemory(url: string): Promise<number> {
  const value = (await redisInfo(url, 'memory')).get('used_memory');
  if (value === undefined) throw new Error('redis INFO memory has no used_memory');
  return Number(value);
}
