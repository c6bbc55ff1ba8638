/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time: where the hook path (hook-ingress)
 * and the delivery path (sms-worker) spend CPU.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface SelfTime {
  /** "functionName (file:line)", with the path shortened to node_modules/<pkg>/… or the repo-relative part. */
  frame: string;
  selfMs: number;
  /** Share of all samples, idle included. */
  share: number;
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Self time per function (samples × mean interval), merged across call sites, largest first. */
export function topSelfTime(profile: CpuProfile, limit = 15): SelfTime[] {
  const totalHits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  if (totalHits === 0) return [];
  const msPerHit = (profile.endTime - profile.startTime) / 1000 / totalHits;
  const byFrame = new Map<string, number>();
  for (const node of profile.nodes) {
    if (!node.hitCount) continue;
    const frame = describeFrame(node.callFrame);
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + node.hitCount);
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([frame, hits]) => ({ frame, selfMs: hits * msPerHit, share: hits / totalHits }));
}

export function describeFrame(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (SPECIAL.has(name) || frame.url === '') return name;
  const url = frame.url.replace(/^file:\/\//, '');
  const modules = url.lastIndexOf('/node_modules/');
  const short =
    modules >= 0
      ? url.slice(modules + '/node_modules/'.length)
      : url.replace(/^.*?\/(packages|services|tests|tools)\//, '$1/');
  return `${name} (${short}:${frame.lineNumber + 1})`;
}

/** The pid in node's default profile name, CPU.<yyyymmdd>.<hhmmss>.<pid>.<thread>.<seq>.cpuprofile. */
export function pidOfProfile(file: string): number | undefined {
  const match = /^CPU\.\d{8}\.\d{6}\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file);
  return match ? Number(match[1]) : undefined;
}
